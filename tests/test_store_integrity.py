"""A store survives concurrent runs, runs killed mid-write and damaged chunks (issue 16, probes 1-3).

Every test works on a real store made by a real run (local Dask cluster) and
damages it the way a crash, a second run or a disk would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.study import run_study, status
from tests.test_pipeline import assert_same_data

REPO = Path(__file__).resolve().parents[1]


def copy_of(store: Path, tmp_path: Path) -> Path:
    out = tmp_path / "small.zarr"
    shutil.copytree(store, out)
    return out


def cli_run(config: Path, store: Path, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flows", "run", str(config), "--store", str(store), "--no-prefect", "--no-progress"],
        env={**os.environ, "PYTHONPATH": str(REPO)}, text=True, **popen,
    )


# ------------------------------------------------------------------ probe 1: two runs, one store
def test_second_concurrent_run_is_refused_and_the_first_completes(small_config, small_store, tmp_path):
    store = tmp_path / "new.zarr"
    first = cli_run(small_config, store, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lock = store.with_name(store.name + ".lock")
    deadline = time.monotonic() + 120
    while not lock.exists():
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.05)
    second = cli_run(small_config, store, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out2, err2 = second.communicate(timeout=300)
    out1, err1 = first.communicate(timeout=300)
    assert first.returncode == 0, err1
    assert second.returncode == 2 and out2 == ""
    assert err2.strip().splitlines() == [
        l for l in err2.strip().splitlines() if l.startswith("iitstudies: error: ")
    ] and f"pid {first.pid}" in err2 and "in use by another run" in err2
    assert status(store)["complete"] and not lock.exists()
    assert_same_data(store, small_store)


# ------------------------------------------------------------------ probe 2: killed while writing a table
def test_run_killed_while_writing_a_derived_table_resumes(small_config, small_store, tmp_path):
    store = copy_of(small_store, tmp_path)
    shutil.rmtree(store / "complexes")
    shutil.rmtree(store / "comparisons")
    proc = cli_run(small_config, store, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    # kill as soon as the table starts to appear, wherever it is written
    deadline = time.monotonic() + 180
    while not ((store / "complexes").exists() or any(tmp_path.glob(".*complexes*"))):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.001)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    summary = run_study(small_config, store)
    assert summary.computed_units == 0 and summary.complexes > 0
    assert status(store)["complete"]
    assert_same_data(store, small_store)


def test_failed_table_write_keeps_the_table_it_was_replacing(small_store, tmp_path):
    import numpy as np
    import xarray as xr

    from pipelines.store import Store

    store = Store.open(copy_of(small_store, tmp_path))
    before = store.table("complexes")
    bad = xr.Dataset({"ok": ("row", np.arange(3.0)), "bad": ("row", np.array([{1}, {2}, {3}], dtype=object))})
    with pytest.raises(Exception):
        store.write_table("complexes", bad)
    xr.testing.assert_identical(Store.open(store.path).table("complexes"), before)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.zarr"]  # no partial table left beside it


# ------------------------------------------------------------------ probe 3: damaged chunks
def test_deleted_chunk_is_reported_and_only_its_unit_recomputed(small_config, small_store, tmp_path):
    store = copy_of(small_store, tmp_path)
    (store / "candidates" / "phi" / "c" / "2").unlink()
    st = status(store)
    assert not st["complete"]
    assert st["damage"] == ["table 'candidates', variable 'phi', chunk c/2: missing (it would read back as the fill value)"]
    summary = run_study(small_config, store)
    assert summary.computed_units == 1 and summary.skipped_units == summary.work_units - 1
    assert status(store)["complete"] and status(store)["damage"] == []
    assert_same_data(store, small_store)


def test_truncated_chunk_is_named_and_its_unit_recomputed(small_config, small_store, tmp_path):
    store = copy_of(small_store, tmp_path)
    chunk = store / "candidates" / "mip" / "c" / "0"
    chunk.write_bytes(chunk.read_bytes()[:9])
    proc = subprocess.run([sys.executable, "-m", "flows", "status", str(store)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "table 'candidates', variable 'mip', chunk c/0: cannot be decoded" in proc.stdout
    assert "complete   no" in proc.stdout
    summary = run_study(small_config, store)
    assert summary.computed_units == 1
    assert_same_data(store, small_store)


def test_damaged_derived_table_is_rebuilt(small_config, small_store, tmp_path):
    store = copy_of(small_store, tmp_path)
    chunk = next(p for p in sorted((store / "complexes").rglob("c/*")) if p.is_file())
    chunk.unlink()
    assert any("table 'complexes'" in d for d in status(store)["damage"])
    summary = run_study(small_config, store)
    assert summary.computed_units == 0
    assert status(store)["damage"] == []
    assert_same_data(store, small_store)
