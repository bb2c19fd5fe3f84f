"""Against a real Prefect server (`prefect server start` on a free loopback port): a study run with
PREFECT_API_URL is recorded as a completed flow run with completed stage tasks, and a deployment
served on a short interval schedule fires and completes (temporary servers never fire schedules)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pipelines.study import STAGES, status

REPO = Path(__file__).resolve().parents[1]
SERVER_START_S = 180
FLOW_RUN_S = 600

TINY = """\
study: tiny
store: tiny.zarr
families:
  - name: pyphi-basic
    recipe: reference:pyphi_basic
    states: {select: given, values: [[1, 0, 0]]}
    implementations:
      - kind: copy
        params: {seed: 1}
analysis:
  levels: [phi_s, complexes, phi_structure]
execution:
  cluster: {kind: local, n_workers: 1, dashboard_address: "127.0.0.1:0"}
"""



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen) -> None:
    """Stop a process started in its own session, with everything it started."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    """A `prefect server start` on 127.0.0.1, its API URL and the environment that points clients at it."""
    if shutil.which("prefect") is None:
        pytest.skip("the prefect command is not on PATH")
    home = tmp_path_factory.mktemp("prefect-server")
    url = f"http://127.0.0.1:{free_port()}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    port = url.rsplit(":", 1)[1].split("/")[0]
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        ["prefect", "server", "start", "--host", "127.0.0.1", "--port", port, "--no-ui"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + SERVER_START_S
        while not healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"prefect server did not become healthy: {(home / 'server.log').read_text()[-2000:]}")
            time.sleep(0.5)
        yield url, env
    finally:
        stop(server)
        log.close()


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def api(url: str, path: str, body: dict | None = None) -> list[dict] | dict:
    response = httpx.post(f"{url}{path}", json=body or {}, timeout=30)
    response.raise_for_status()
    return response.json()


def stage_states(url: str, flow_run_id: str) -> dict[str, str]:
    """Stage task name -> state type of one flow run's task runs."""
    runs = api(url, "/task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run_id]}}})
    return {r["name"].rsplit("-", 1)[0]: r["state_type"] for r in runs}


def test_study_run_is_recorded_on_the_server(prefect_api, tmp_path):
    url, env = prefect_api
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY)
    store = tmp_path / "tiny.zarr"
    done = subprocess.run(
        [sys.executable, "-m", "flows", "run", str(config), "--store", str(store), "--no-progress"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=FLOW_RUN_S,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    flows = api(url, "/flows/filter", {"flows": {"name": {"any_": ["iit-study"]}}})
    assert len(flows) == 1
    runs = api(url, "/flow_runs/filter", {"flows": {"id": {"any_": [flows[0]["id"]]}}})
    assert [r["state_type"] for r in runs] == ["COMPLETED"]
    assert runs[0]["parameters"]["store"] == str(store)
    assert stage_states(url, runs[0]["id"]) == {name: "COMPLETED" for name, _ in STAGES}
    assert status(store)["complete"]


def test_served_deployment_fires_on_its_interval_schedule(prefect_api, tmp_path):
    url, env = prefect_api
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY)
    store = tmp_path / "scheduled.zarr"
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [sys.executable, "-m", "flows", "serve", str(config), "--interval", "10", "--name", "tiny-interval",
         "--store", str(store)],
        env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + FLOW_RUN_S
        completed: list[dict] = []
        while not completed:
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "no scheduled run completed"
            time.sleep(2)
            deployments = api(url, "/deployments/filter", {"deployments": {"name": {"any_": ["tiny-interval"]}}})
            if deployments:
                runs = api(url, "/flow_runs/filter", {"deployments": {"id": {"any_": [deployments[0]["id"]]}}})
                assert not [r for r in runs if r["state_type"] in ("FAILED", "CRASHED")], runs
                completed = [r for r in runs if r["state_type"] == "COMPLETED"]
    finally:
        stop(serve)
        log.close()
    run = completed[0]
    assert run["auto_scheduled"] and run["expected_start_time"]
    assert stage_states(url, run["id"]) == {name: "COMPLETED" for name, _ in STAGES}
