"""Stage ``plan``: the candidate systems of every analysed state, packed into work units."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import iitcore
from pipelines.executor import Executor
from pipelines.work import Context, Plan, StatePlan, pack

log = logging.getLogger("iitstudies")
LOG_EVERY_S = 10.0


def plan_state(
    substrate: iitcore.Substrate, state: tuple[int, ...], levels: list[str], max_size: int | None
) -> StatePlan:
    """Candidates worth evaluating for one state."""
    if "complexes" in levels:
        try:
            plan = iitcore.plan_candidates(substrate, state, max_size=max_size)
        except iitcore.StateUnreachableError as exc:
            return StatePlan((), True, json.dumps({"unreachable": str(exc)}))
        record = {k: v for k, v in plan.to_dict().items() if k != "candidates"}
        return StatePlan(tuple(tuple(c) for c in plan.candidates), bool(plan.complete), json.dumps(record))
    whole = tuple(range(substrate.n))
    if max_size is not None and substrate.n > max_size:
        record: dict[str, Any] = {"whole_system": "beyond size bound", "max_size": max_size}
        return StatePlan((), False, json.dumps(record))
    return StatePlan((whole,), True, json.dumps({"whole_system": "planned"}))


def _plan_task(ctx: Context, job: tuple[int, list[str], int | None]) -> StatePlan:
    index, levels, max_size = job
    substrate, state = ctx.substrate_of(index)
    return plan_state(substrate, state, levels, max_size)


def plan_states(
    executor: Executor, ctx: Context, levels: list[str], max_size: int | None, batch_size: int
) -> Plan:
    """Plan every analysed state (one task per state), logging progress, and pack the plan."""
    jobs = [(i, levels, max_size) for i in range(len(ctx.states))]
    plans: list[StatePlan | None] = [None] * len(jobs)
    start = last = time.monotonic()
    for done, (i, sp) in enumerate(executor.map(_plan_task, ctx, jobs, "plan-state"), 1):
        plans[i] = sp
        now = time.monotonic()
        if now - last >= LOG_EVERY_S or done == len(jobs):
            last = now
            log.info("planned %d/%d states (%.0f s)", done, len(jobs), now - start)
    return pack([sp for sp in plans if sp is not None], batch_size)
