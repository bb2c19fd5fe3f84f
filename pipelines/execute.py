"""Run the per-state and per-candidate work on Dask, streaming results into the store."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from distributed import Client, as_completed

import iitcore
from iitcore import Substrate
from pipelines.compute import Context, evaluate_unit
from pipelines.plan import Plan, StatePlan, plan_state
from pipelines.progress import Progress
from pipelines.store import Store

log = logging.getLogger("iitstudies")
PLAN_LOG_EVERY_S = 10.0


@dataclass(frozen=True)
class ComputeSummary:
    """What one run of the compute stage did."""

    computed_units: int
    skipped_units: int
    computed_rows: int


def _plan_one(
    substrates: dict[str, Substrate], system: str, state: tuple[int, ...], levels: list[str], max_size: int | None
) -> StatePlan:
    return plan_state(substrates[system], state, levels, max_size)


def plan_states(
    client: Client, ctx: Context, levels: list[str], max_size: int | None
) -> list[StatePlan]:
    """Plan every analysed state on the cluster (one Dask task per state), logging progress."""
    subs = client.scatter(ctx.substrates, broadcast=True, hash=False)
    futures = [client.submit(_plan_one, subs, system, state, levels, max_size, pure=False) for system, state in ctx.states]
    start = last = time.monotonic()
    for done, _ in enumerate(as_completed(futures), 1):
        now = time.monotonic()
        if now - last >= PLAN_LOG_EVERY_S or done == len(futures):
            last = now
            log.info("planned %d/%d states (%.0f s)", done, len(futures), now - start)
    return client.gather(futures)


def compute(
    client: Client, store: Store, plan: Plan, ctx: Context, run: int, bar: bool | None = None
) -> ComputeSummary:
    """Evaluate every work unit the store does not hold yet; write each one as it completes."""
    done = store.done()
    todo = [u for u in plan.units if not done[u.index]]
    skipped = len(plan.units) - len(todo)
    if skipped:
        log.info("resuming: %d of %d work units already stored", skipped, len(plan.units))
    if not todo:
        return ComputeSummary(0, skipped, 0)
    shared = client.scatter(ctx, broadcast=True, hash=False)
    token = uuid.uuid4().hex[:8]
    futures = {
        client.submit(
            evaluate_unit, shared, plan.row_state[u.start : u.stop], list(plan.row_units[u.start : u.stop]),
            key=f"evaluate-unit-{u.index}-{token}",
        ): u
        for u in todo
    }
    rows = 0
    with Progress(len(todo), sum(u.stop - u.start for u in todo), bar=bar) as progress:
        for fut in as_completed(futures):
            unit = futures.pop(fut)
            store.write_unit(unit, fut.result(), run)
            fut.release()
            rows += unit.stop - unit.start
            progress.advance(unit.stop - unit.start)
    return ComputeSummary(len(todo), skipped, rows)


STRUCTURES_PER_TASK = 50


def _structure_batch(
    substrates: dict[str, Substrate], compat: str, jobs: list[tuple[str, tuple[int, ...], tuple[int, ...]]]
) -> list[dict[str, Any]]:
    return [iitcore.phi_structure(substrates[system], state, units=units, formalism=compat).to_dict() for system, state, units in jobs]


def structures(
    client: Client, ctx: Context, jobs: list[tuple[int, tuple[int, ...]]]
) -> list[dict[str, Any]]:
    """Phi-structures for (analysed-state index, units) jobs, in Dask tasks of ``STRUCTURES_PER_TASK``."""
    if not jobs:
        return []
    subs = client.scatter(ctx.substrates, broadcast=True, hash=False)
    full = [(ctx.states[i][0], ctx.states[i][1], units) for i, units in jobs]
    futures = [
        client.submit(_structure_batch, subs, ctx.compat, full[k : k + STRUCTURES_PER_TASK], pure=False)
        for k in range(0, len(full), STRUCTURES_PER_TASK)
    ]
    log.info("computing %d Phi-structures in %d tasks", len(full), len(futures))
    return [r for batch in client.gather(futures) for r in batch]
