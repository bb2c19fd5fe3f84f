"""An advisory lock per study store, so that two runs never write one store at once.

The lock is a file beside the store (``studies/x.zarr.lock``) holding its
owner as JSON: pid, host, start time and command. The exclusion itself is an
``flock`` on that file, held for the whole run: the kernel releases it when
the owner exits, however it exits (SIGKILL included), so a lock left by a
dead run is recognised with certainty: the file is there but nobody holds it.
It is then taken over, atomically, and its old owner reported. Check and
take-over are one system call, so two runs starting together cannot both win.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import socket
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType

import psutil

from pipelines import provenance
from pipelines.store import StoreError

log = logging.getLogger("iitstudies")


class StoreLockedError(StoreError):
    """The store is in use by another run."""


@dataclass(frozen=True)
class LockOwner:
    """Who holds (or held) a store's lock."""

    pid: int
    host: str
    started: str
    command: str

    @classmethod
    def me(cls) -> "LockOwner":
        return cls(os.getpid(), socket.gethostname(), provenance.now(), " ".join(sys.argv))

    def describe(self) -> str:
        return f"pid {self.pid} on host {self.host}, started {self.started} ({self.command})"

    def alive(self) -> bool | None:
        """Whether the owner process still runs (None: on another host, cannot tell)."""
        if self.host != socket.gethostname():
            return None
        return psutil.pid_exists(self.pid)


def lock_path(store: str | Path) -> Path:
    """The lock file of a store: beside it, named after it."""
    p = Path(store)
    return p.with_name(p.name + ".lock")


def read_owner(store: str | Path) -> LockOwner | None:
    """The owner recorded in a store's lock file (without taking the lock); None if there is none."""
    try:
        return _parse(lock_path(store).read_bytes())
    except OSError:
        return None


def refuse_if_in_use(store: str | Path) -> None:
    """Fail early (e.g. before starting a Prefect server) when a live run on this host holds the store.

    Advisory only, it reads the lock file: :meth:`StoreLock.acquire` decides.
    """
    owner = read_owner(store)
    if owner is not None and owner.alive():
        raise StoreLockedError(_in_use(Path(store), owner))


def _in_use(store: Path, owner: LockOwner | None) -> str:
    who = owner.describe() if owner else "a run that is starting"
    return (f"{store}: the store is in use by another run ({who}); wait for it to finish, "
            f"or use another store path (lock file {lock_path(store)})")


class StoreLock:
    """The lock of one store, held from :meth:`acquire` to :meth:`release` (or as a context manager)."""

    def __init__(self, store: str | Path):
        self.store = Path(store)
        self.path = lock_path(store)
        self._fd: int | None = None
        self.taken_over: LockOwner | None = None

    def acquire(self) -> "StoreLock":
        """Take the lock or raise :class:`StoreLockedError` naming its owner.

        A lock file left by a run that died is taken over; its owner is kept
        in :attr:`taken_over` and logged.
        """
        if self._fd is not None:
            raise RuntimeError(f"{self.path}: already held by this process")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = self._open_locked()
            if os.fstat(fd).st_ino == _inode(self.path):
                break
            os.close(fd)  # the file was released (unlinked) between open and flock: start again
        previous = _owner_of(fd)
        if previous is not None:
            self.taken_over = previous
            log.warning("%s: taking over the lock of a run that is gone: %s", self.store, previous.describe())
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(LockOwner.me())).encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def _open_locked(self) -> int:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _owner_of(fd)
            os.close(fd)
            raise StoreLockedError(_in_use(self.store, owner)) from None
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                raise StoreError(
                    f"{self.path}: cannot lock the store: this filesystem does not support file locks "
                    f"({exc.strerror}); put the store on a filesystem that does"
                ) from None
            raise
        return fd

    def release(self) -> None:
        """Remove the lock file and let go of the lock (no-op if not held)."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> "StoreLock":
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


def _owner_of(fd: int) -> LockOwner | None:
    return _parse(os.pread(fd, os.fstat(fd).st_size, 0))


def _parse(text: bytes) -> LockOwner | None:
    """The owner a lock file records; None if it is empty or unreadable."""
    try:
        data = json.loads(text)
        return LockOwner(int(data["pid"]), str(data["host"]), str(data["started"]), str(data["command"]))
    except (ValueError, KeyError, TypeError):
        return None
