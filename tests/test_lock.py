"""The advisory store lock, with real processes (issue 16, probe 1)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.lock import StoreLock, StoreLockedError, lock_path, read_owner

REPO = Path(__file__).resolve().parents[1]
HOLD = """
import sys, time
from pipelines.lock import StoreLock
lock = StoreLock(sys.argv[1]).acquire()
print("held", flush=True)
time.sleep(float(sys.argv[2]))
lock.release()
"""
RACE = """
import sys, time
from pipelines.lock import StoreLock, StoreLockedError
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
try:
    StoreLock(sys.argv[1]).acquire()
except StoreLockedError:
    print("refused", flush=True)
    sys.exit(0)
print("won", flush=True)
time.sleep(3)
"""


def python(code: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, env=env)


def holder(store: Path, seconds: float = 60) -> subprocess.Popen:
    proc = python(HOLD, str(store), str(seconds))
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_second_run_gets_a_clear_error_naming_the_owner(tmp_path):
    store = tmp_path / "s.zarr"
    proc = holder(store)
    try:
        with pytest.raises(StoreLockedError) as err:
            StoreLock(store).acquire()
        msg = str(err.value)
        assert f"pid {proc.pid}" in msg and socket.gethostname() in msg and "in use by another run" in msg
        owner = read_owner(store)
        assert owner.pid == proc.pid and owner.alive() is True
    finally:
        proc.kill()
        proc.wait()


def test_lock_of_a_killed_run_is_taken_over(tmp_path):
    store = tmp_path / "s.zarr"
    proc = holder(store)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert lock_path(store).exists() and read_owner(store).alive() is False
    with StoreLock(store) as lock:
        assert lock.taken_over.pid == proc.pid
        assert read_owner(store).pid == os.getpid()
    assert not lock_path(store).exists()


def test_released_lock_can_be_taken_again(tmp_path):
    store = tmp_path / "s.zarr"
    holder(store, seconds=0).wait()
    assert not lock_path(store).exists()
    with StoreLock(store) as lock:
        assert lock.held and lock.taken_over is None
        with pytest.raises(StoreLockedError):
            StoreLock(store).acquire()  # another open file description: refused like another process


def test_simultaneous_starts_have_exactly_one_winner(tmp_path):
    store = tmp_path / "s.zarr"
    # a stale lock from a dead run makes the race harder: every contender sees it
    lock_path(store).write_text(json.dumps({"pid": 999_999_999, "host": socket.gethostname(), "started": "x", "command": "y"}))
    go = time.time() + 3
    procs = [python(RACE, str(store), str(go)) for _ in range(6)]
    outcomes = sorted(p.communicate(timeout=60)[0].strip() for p in procs)
    assert outcomes == ["refused"] * 5 + ["won"]


def test_early_refusal_reads_the_owner_without_locking(tmp_path):
    from pipelines.lock import refuse_if_in_use

    store = tmp_path / "s.zarr"
    refuse_if_in_use(store)  # no lock file
    proc = holder(store)
    try:
        with pytest.raises(StoreLockedError, match=f"pid {proc.pid}"):
            refuse_if_in_use(store)
    finally:
        proc.kill()
        proc.wait()
    refuse_if_in_use(store)  # the lock file of a dead run does not refuse
