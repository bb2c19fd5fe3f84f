"""Stopping a run on SIGTERM (what Slurm and PBS send at walltime) or SIGINT (Ctrl-C), quietly.

The first signal raises :class:`Interrupted` in the main thread, so every
``with`` block unwinds and closes what it started: the Dask client, cluster
and workers, the temporary Prefect server. Logging is silenced first, so the
shutdown of dozens of pending futures prints nothing; the command line prints
one line. :class:`Interrupted` is a ``BaseException``: Prefect does not retry
a stage that it interrupts. A second signal during the shutdown exits at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Iterator
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Interrupted(BaseException):
    """The run received SIGTERM or SIGINT."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """The shell's convention for a process ended by a signal: 128 + its number."""
        return 128 + self.signum


def _exit_now(signum: int, frame: FrameType | None) -> None:
    os._exit(128 + signum)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    for s in SIGNALS:
        signal.signal(s, _exit_now)
    logging.disable(logging.CRITICAL)
    raise Interrupted(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT raise :class:`Interrupted` (main thread only)."""
    previous = {s: signal.signal(s, _interrupt) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def dask_setup(worker: Any) -> None:
    """Dask worker preload (``distributed.worker.preload: [flows.signals]``) of the run's local workers.

    A terminal's Ctrl-C goes to the whole process group: workers leave it to
    the run, which shuts them down itself. While they are shut down, or once
    their scheduler (inside the run) is gone, what they log is only the
    echo of that shutdown, so it is dropped.
    """
    from distributed.core import Status

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def still_running(record: logging.LogRecord) -> bool:
        lost_scheduler = record.exc_info is not None and isinstance(record.exc_info[1], OSError)
        return worker.status in (Status.running, Status.paused) and not lost_scheduler

    for handler in logging.getLogger("distributed").handlers:
        handler.addFilter(still_running)
