"""End to end on real Dask clusters and a real Prefect server: quickstart, external scheduler,
a worker killed mid-study, a whole run killed and resumed, and determinism."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
import xarray as xr

from pipelines.store import Store, open_table
from pipelines.study import run_study
from tests.reference import networks

REPO = Path(__file__).resolve().parents[1]
RESULT_TABLES = ("systems", "states", "candidates", "complexes", "structures", "distinctions", "comparisons")

# A study with enough work (about 3,200 candidates in 80 batches) to interrupt.
MEDIUM = """\
study: medium
store: unused.zarr
families:
  - name: dense6
    recipe: reference:rand_dense_n6_s7600
    states: {select: sampled, count: 20, seed: 3}
  - name: dense5
    recipe: reference:rand_dense_n5_s7500
    states: {select: all}
    implementations:
      - kind: copy
        params: {seed: 2}
analysis:
  levels: [phi_s, complexes]
execution:
  cluster: {kind: local, n_workers: 2, dashboard_address: "127.0.0.1:0"}
  batch_size: 40
"""


def reference_network(name: str) -> dict:
    nets = networks()
    return next(n for n in nets if n["name"] == name)


def tables(path: Path) -> dict[str, xr.Dataset]:
    groups = {name for name, _ in Store.open(path, mode="r").root.groups()}
    return {t: open_table(path, t).load() for t in RESULT_TABLES if t in groups}


def assert_same_data(a: Path, b: Path) -> None:
    ta, tb = tables(a), tables(b)
    assert ta.keys() == tb.keys()
    for name in ta:
        xr.testing.assert_identical(ta[name], tb[name])


def local_quickstart(tmp_path: Path) -> Path:
    """The quickstart config with a dashboard on a free loopback port."""
    text = (REPO / "configs" / "quickstart.yaml").read_text().replace(
        "cluster: local", 'cluster: {kind: local, n_workers: 2, dashboard_address: "127.0.0.1:0"}'
    )
    cfg = tmp_path / "quickstart.yaml"
    cfg.write_text(text)
    return cfg


def check_quickstart_store(path: Path) -> None:
    t = tables(path)
    assert set(t) == set(RESULT_TABLES)
    assert bool(open_table(path, "work_units")["done"].all())
    assert bool(t["candidates"]["evaluated"].all())
    states, systems, cx = t["states"], t["systems"], t["complexes"]
    assert bool(systems["verified"].all())
    for name, family in (("pyphi_basic", "pyphi-basic"), ("iit4_paper_fig1", "iit4-fig1")):
        net = reference_network(name)
        target = str(systems["system"].values[(systems["family"].values == family) & (systems["kind"].values == "target")][0])
        row = int(np.flatnonzero((states["system"].values == target) & (states["state_bits"].values == "".join(map(str, net["state"]))))[0])
        ref = max(net["results"]["sia"]["phi_s"], 0.0)
        assert abs(float(cx["whole_phi"].values[row]) - ref) <= 1e-9 + 1e-7 * abs(ref)
    cmp = t["comparisons"]
    copies = cmp["kind"].values == "copy"
    assert copies.any() and bool(cmp["same_complexes"].values[copies].all())
    assert bool(cmp["functionally_equivalent"].all())
    root = Store.open(path, mode="r").attrs
    prov = json.loads(root["provenance"])
    assert prov["config"]["study"] == "quickstart" and prov["runs"][-1]["finished"]
    assert {"git_commit", "git_dirty"} <= prov["code"].keys() and prov["packages"]["xarray"]


def is_worker(proc: psutil.Process) -> bool:
    """A Dask worker process of a LocalCluster: a multiprocessing child started by a nanny."""
    try:
        return "spawn_main" in " ".join(proc.cmdline())
    except psutil.Error:
        return False


@pytest.fixture(scope="module")
def medium_config(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("medium") / "medium.yaml"
    p.write_text(MEDIUM)
    return p


@pytest.fixture(scope="module")
def undisturbed(medium_config, tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("undisturbed") / "medium.zarr"
    summary = run_study(medium_config, store)
    assert summary.work_units >= 60 and summary.computed_units == summary.work_units
    return store


def test_quickstart_through_prefect_on_local_cluster(prefect_server, tmp_path):
    from flows.study import study_flow

    store = tmp_path / "quickstart.zarr"
    summary = study_flow(str(local_quickstart(tmp_path)), str(store))
    assert summary["computed_units"] == summary["work_units"] > 0
    check_quickstart_store(store)
    xr.open_datatree(store, engine="zarr")  # the whole store opens as one tree too


def test_quickstart_on_separate_scheduler_and_workers(prefect_server, tmp_path):
    from flows.study import study_flow

    sched_file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_LOGGING__DISTRIBUTED": "warning"}
    procs = [subprocess.Popen(
        ["dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", "127.0.0.1:0",
         "--scheduler-file", str(sched_file)], env=env, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        for _ in range(2):
            procs.append(subprocess.Popen(
                ["dask", "worker", "--scheduler-file", str(sched_file), "--nthreads", "1", "--host", "127.0.0.1",
                 "--dashboard-address", "127.0.0.1:0"], env=env, stderr=subprocess.DEVNULL))
        address = json.loads(sched_file.read_text())["address"]
        from distributed import Client

        with Client(address) as client:
            client.wait_for_workers(2, timeout=60)
        store = tmp_path / "quickstart.zarr"
        study_flow(str(local_quickstart(tmp_path)), str(store), scheduler=address)
        check_quickstart_store(store)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def test_killed_worker_does_not_change_the_result(medium_config, undisturbed, tmp_path):
    store = tmp_path / "medium.zarr"
    killed: list[float] = []

    def kill_one_worker() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            time.sleep(0.05)
            try:
                done = Store.open(store, mode="r").done()
            except Exception:
                continue
            if done.mean() >= 0.2:
                workers = [c for c in psutil.Process().children(recursive=True) if is_worker(c)]
                if workers:
                    workers[0].kill()
                    killed.append(float(done.mean()))

    watcher = threading.Thread(target=kill_one_worker, daemon=True)
    watcher.start()
    run_study(medium_config, store)
    watcher.join()
    assert killed and killed[0] < 1.0, "no worker was killed mid-study"
    assert_same_data(store, undisturbed)


def test_killed_run_resumes_without_recomputing(medium_config, undisturbed, tmp_path):
    store = tmp_path / "medium.zarr"
    cmd = [sys.executable, "-m", "flows", "run", str(medium_config), "--store", str(store), "--no-prefect", "--no-progress"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        done = np.zeros(0, dtype=bool)
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            try:
                done = Store.open(store, mode="r").done()
            except Exception:
                continue
            if done.mean() >= 0.3:
                break
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    first = Store.open(store, mode="r").done()
    assert 0 < first.sum() < first.size, "the run was not interrupted mid-study"
    summary = run_study(medium_config, store)
    assert summary.skipped_units == int(first.sum())
    assert summary.computed_units == first.size - int(first.sum())
    runs = open_table(store, "work_units")["run"].values
    assert set(runs[first]) == {0} and set(runs[~first]) == {1}  # each unit stored by exactly one run
    assert_same_data(store, undisturbed)


def test_same_config_twice_gives_identical_data(medium_config, undisturbed, tmp_path):
    store = tmp_path / "again.zarr"
    run_study(medium_config, store)
    assert_same_data(store, undisturbed)
    again = run_study(medium_config, store)  # a complete store: nothing to do
    assert again.computed_units == 0 and again.skipped_units == again.work_units
