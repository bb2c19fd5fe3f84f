"""A run stopped by SIGTERM, SIGINT or SIGKILL leaves no process behind and says so in one line (issue 16, probe 4).

Each test runs ``iitstudies run`` through Prefect (its temporary server, a local
Dask cluster with two workers) and signals it once work units are being computed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from tests.test_pipeline import MEDIUM

REPO = Path(__file__).resolve().parents[1]


class Run:
    """``iitstudies run`` in its own process group, its stderr collected line by line."""

    def __init__(self, tmp_path: Path):
        cfg = tmp_path / "medium.yaml"
        cfg.write_text(MEDIUM.replace("unused.zarr", str(tmp_path / "medium.zarr")))
        env = {**os.environ, "PYTHONPATH": str(REPO), "PREFECT_HOME": str(tmp_path / "prefect")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flows", "run", str(cfg), "--no-progress"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.proc.stderr), daemon=True)
        self.reader.start()

    def wait_for_compute(self) -> list[psutil.Process]:
        """Block until work units are being computed; returns every process the run started."""
        deadline = time.monotonic() + 240
        while not any("computed" in line for line in self.lines):
            assert self.proc.poll() is None and time.monotonic() < deadline, "".join(self.lines)
            time.sleep(0.1)
        return psutil.Process(self.proc.pid).children(recursive=True)

    def finish(self) -> tuple[int, list[str]]:
        rc = self.proc.wait(timeout=120)
        self.reader.join(timeout=60)
        return rc, self.lines


def left_behind(procs: list[psutil.Process], within: float = 30.0) -> list[str]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = [p for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return []
        time.sleep(0.2)
    for p in alive:
        p.kill()
    return [" ".join(p.cmdline())[:100] for p in alive]


@pytest.mark.parametrize("how", ["SIGTERM to the run", "SIGINT to the process group"])
def test_signal_stops_server_cluster_and_workers_with_one_line(tmp_path, how):
    run = Run(tmp_path)
    procs = run.wait_for_compute()
    assert any("prefect" in " ".join(p.cmdline()) and "server" in " ".join(p.cmdline()) for p in procs)
    assert sum("spawn_main" in " ".join(p.cmdline()) for p in procs) == 2  # the two Dask workers
    before = len(run.lines)
    if how.startswith("SIGTERM"):
        run.proc.send_signal(signal.SIGTERM)
    else:
        os.killpg(run.proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    rc, lines = run.finish()
    sig = "SIGTERM" if how.startswith("SIGTERM") else "SIGINT"
    assert rc == 128 + signal.Signals[sig].value
    after = [line for line in lines[before:] if "computed" not in line]  # progress lines may still arrive
    assert after == [f"iitstudies: stopped by {sig}; finished work units are kept in the store: "
                     "the same command resumes\n"], "".join(lines[before:])
    assert left_behind(procs) == []


def test_killed_run_leaves_no_prefect_server_behind(tmp_path):
    run = Run(tmp_path)
    procs = run.wait_for_compute()
    run.proc.send_signal(signal.SIGKILL)
    run.finish()
    assert left_behind(procs) == []
