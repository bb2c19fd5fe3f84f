"""The HPC path on a real Slurm: `iitstudies run quickstart --cluster <the slurm profile>` through
dask-jobqueue, with every Dask worker a Slurm batch job; the store equals the LocalCluster store.
Needs a running Slurm (`sudo deploy/slurm/local-slurm.sh up`, as `.ci/run` does); skips saying why otherwise."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from flows.cli import main
from pipelines.store import Store
from pipelines.study import run_study
from tests.test_pipeline import REPO, assert_same_data, check_quickstart_store, local_quickstart

pytestmark = pytest.mark.slurm

LOCAL_SLURM_CONF = Path(os.environ.get("IITSTUDIES_SLURM_DIR", "/tmp/iitstudies-slurm")) / "slurm.conf"
START_HINT = "start one with `sudo deploy/slurm/local-slurm.sh up`"


def squeue() -> list[tuple[str, str, str]]:
    """(job id, name, state) of every job Slurm knows."""
    out = subprocess.run(["squeue", "-h", "-o", "%i %j %T"], capture_output=True, text=True, timeout=30, check=True)
    return [tuple(line.split()) for line in out.stdout.splitlines()]


def why_no_slurm() -> str | None:
    """Why no Slurm job can be submitted here, or None when a Slurm node is ready."""
    try:
        import dask_jobqueue  # noqa: F401
    except ImportError:
        return "dask-jobqueue is not installed: pip install -e '.[hpc]'"
    if shutil.which("sbatch") is None:
        return "no Slurm client tools (sbatch) on PATH"
    conf = os.environ.get("SLURM_CONF")
    if conf and not Path(conf).is_file():
        return f"SLURM_CONF={conf} does not exist"
    try:
        out = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "sinfo did not answer within 30 s"
    if out.returncode != 0:
        return f"sinfo failed: {out.stderr.strip() or out.stdout.strip()}"
    if not {"idle", "mixed"} & set(out.stdout.split()):
        return f"no idle Slurm node (sinfo: {' '.join(out.stdout.split()) or 'no nodes'})"
    return None


@pytest.fixture(scope="module")
def slurm() -> Iterator[None]:
    """A Slurm to submit to (the local one's config is used when SLURM_CONF is not set)."""
    with pytest.MonkeyPatch.context() as mp:
        if "SLURM_CONF" not in os.environ and LOCAL_SLURM_CONF.is_file():
            mp.setenv("SLURM_CONF", str(LOCAL_SLURM_CONF))
        reason = why_no_slurm()
        if reason is not None:
            pytest.skip(f"no Slurm to submit to: {reason}; {START_HINT}")
        yield


class JobWatch:
    """Polls squeue in a thread and remembers the Dask worker jobs it saw running."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.wait(0.5):
            self.running |= {job for job, name, state in squeue() if name == "dask-worker" and state == "RUNNING"}

    def __enter__(self) -> JobWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def slurm_profile(tmp_path: Path) -> Path:
    """The packaged ``slurm`` profile, with the worker jobs' logs in ``tmp_path``."""
    profile = yaml.safe_load((REPO / "pipelines" / "profiles" / "slurm.yaml").read_text())
    profile["cluster"]["log_directory"] = str(tmp_path / "worker-logs")
    path = tmp_path / "slurm-profile.yaml"
    path.write_text(yaml.safe_dump(profile))
    return path


def test_quickstart_on_slurm_workers_equals_the_local_cluster_store(slurm, tmp_path, capsys):
    config = local_quickstart(tmp_path)
    local = tmp_path / "local.zarr"
    run_study(config, local, bar=False)
    on_slurm = tmp_path / "slurm.zarr"
    with JobWatch() as watch:
        code = main(["run", str(config), "--cluster", str(slurm_profile(tmp_path)), "--store", str(on_slurm),
                     "--no-prefect", "--no-progress"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["computed_units"] == summary["work_units"] > 0
    check_quickstart_store(on_slurm)
    assert_same_data(local, on_slurm)
    run = json.loads(Store.open(on_slurm, mode="r").attrs["provenance"])["runs"][-1]
    assert run["cluster"] == "slurm" and run["finished"]
    assert len(watch.running) == 2, f"expected the profile's 2 worker jobs, saw {sorted(watch.running)}"
    logs = sorted(p.name for p in (tmp_path / "worker-logs").iterdir())
    assert logs == sorted(f"dask-worker-{job}.{ext}" for job in watch.running for ext in ("err", "out"))
    deadline = time.monotonic() + 30
    while squeue() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert squeue() == [], "worker jobs left in the Slurm queue after the study"
