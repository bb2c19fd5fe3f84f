"""Stage ``plan``: the candidate systems of every analysed state, packed into work units."""

from __future__ import annotations

import functools
import json
import logging
import time
from pathlib import Path
from typing import Any

import iitcore
from iitcore.isolated import plan_isolated
from pipelines import work
from pipelines.executor import Executor
from pipelines.hashing import content_hash, text_hash
from pipelines.work import Context, Plan, StatePlan, pack

log = logging.getLogger("iitstudies")
LOG_EVERY_S = 10.0


def plan_state(
    substrate: iitcore.Substrate, state: tuple[int, ...], levels: list[str], max_size: int | None,
    formalism: iitcore.Formalism, candidates: str = "embedded",
) -> StatePlan:
    """Candidates worth evaluating for one state under ``formalism`` (``candidates``: embedded or isolated)."""
    if "complexes" in levels:
        try:
            if candidates == "isolated":
                plan = plan_isolated(substrate, max_size)
            else:
                plan = iitcore.plan_candidates(substrate, state, max_size=max_size, formalism=formalism)
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
    return plan_state(substrate, state, levels, max_size, ctx.formalism_of(index), ctx.candidates)


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


@functools.cache
def planner_code_hash() -> str:
    """Hash of the code a plan depends on: all of iitcore, this module and the packing in ``work``."""
    files = sorted(Path(iitcore.__file__).parent.rglob("*.py")) + [Path(__file__), Path(work.__file__)]
    return text_hash("".join(f"{f.name}\n{f.read_text()}" for f in files), digits=16)


def plan_key(ctx: Context, levels: list[str], max_size: int | None, batch_size: int) -> str:
    """Hash of everything a plan is made from: the substrates and states, the planning options and the code.

    A store whose ``plan_key`` matches holds this very plan, so planning can be skipped.
    """
    return content_hash({
        "code": planner_code_hash(),
        "substrates": {name: sub.to_dict() for name, sub in sorted(ctx.substrates.items())},
        "states": ctx.states,
        "formalisms": {label: f.to_dict() for label, f in sorted(ctx.formalisms.items())},
        "state_formalisms": ctx.state_formalisms,
        "candidates": ctx.candidates,
        "levels": levels,
        "max_size": max_size,
        "batch_size": batch_size,
    }, digits=16)
