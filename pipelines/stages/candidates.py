"""Stage ``candidates``: phi_s of every planned candidate, one work unit per task, streamed into the store."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

import iitcore
from pipelines.executor import Executor
from pipelines.progress import Progress
from pipelines.schema import empty_results, fill_sia
from pipelines.store import Store
from pipelines.work import Context, Plan, Units

log = logging.getLogger("iitstudies")


@dataclass(frozen=True)
class ComputeSummary:
    """What one run of the candidates stage did."""

    computed_units: int
    skipped_units: int
    computed_rows: int


def evaluate_unit(ctx: Context, rows: tuple[np.ndarray, list[Units]]) -> dict[str, np.ndarray]:
    """phi_s of every candidate row of a work unit, as result columns (one entry per row)."""
    row_state, row_units = rows
    n = len(row_units)
    cols = empty_results(n)
    cols["evaluated"][:] = True
    start = 0
    while start < n:
        stop = start
        while stop < n and row_state[stop] == row_state[start]:
            stop += 1
        substrate, state = ctx.substrate_of(int(row_state[start]))
        results = iitcore.evaluate_candidates(substrate, state, list(row_units[start:stop]), compat=ctx.compat)
        for i, res in zip(range(start, stop), results):
            if isinstance(res, iitcore.SIA):
                fill_sia(cols, i, res)
        start = stop
    return cols


def compute_candidates(
    executor: Executor, store: Store, plan: Plan, ctx: Context, run: int, bar: bool | None = None
) -> ComputeSummary:
    """Evaluate every work unit the store does not hold yet; write each one as it completes."""
    done = store.done()
    todo = [u for u in plan.units if not done[u.index]]
    skipped = len(plan.units) - len(todo)
    if skipped:
        log.info("resuming: %d of %d work units already stored", skipped, len(plan.units))
    if not todo:
        return ComputeSummary(0, skipped, 0)
    jobs = [(plan.row_state[u.start : u.stop], list(plan.row_units[u.start : u.stop])) for u in todo]
    rows = 0
    with Progress(len(todo), sum(u.stop - u.start for u in todo), bar=bar) as progress:
        for i, cols in executor.map(evaluate_unit, ctx, jobs, "evaluate-unit"):
            unit = todo[i]
            store.write_unit(unit, cols, run)
            rows += unit.stop - unit.start
            progress.advance(unit.stop - unit.start)
    return ComputeSummary(len(todo), skipped, rows)
