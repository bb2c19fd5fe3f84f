"""Progress of the candidates stage: a bar on a terminal, log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time
from types import TracebackType

from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeRemainingColumn

log = logging.getLogger("iitstudies")


class Progress:
    """Counts finished work units and candidates; ``bar=None`` picks a bar only on a terminal."""

    def __init__(self, total_units: int, total_rows: int, bar: bool | None = None, every_s: float = 10.0):
        self.total_units = total_units
        self.total_rows = total_rows
        self.units = 0
        self.rows = 0
        self.every_s = every_s
        self._last = 0.0
        self._start = time.monotonic()
        self._bar: RichProgress | None = None
        if bar if bar is not None else sys.stderr.isatty():
            self._bar = RichProgress(
                TextColumn("candidates"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                transient=False,
            )

    def __enter__(self) -> "Progress":
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task("compute", total=self.total_rows)
        return self

    def advance(self, rows: int) -> None:
        self.units += 1
        self.rows += rows
        if self._bar is not None:
            self._bar.update(self._task, completed=self.rows)
            return
        now = time.monotonic()
        if now - self._last >= self.every_s or self.units == self.total_units:
            self._last = now
            rate = self.rows / max(now - self._start, 1e-9)
            log.info(
                "computed %d/%d work units, %d/%d candidates (%.0f candidates/s)",
                self.units, self.total_units, self.rows, self.total_rows, rate,
            )

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
