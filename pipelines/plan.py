"""Plan the work: candidate systems per analysed state, packed into work units (batches)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

import iitcore
from iitcore import Substrate


@dataclass(frozen=True)
class StatePlan:
    """Candidates of one analysed state, and the planner's record of what it left out."""

    candidates: tuple[tuple[int, ...], ...]
    complete: bool
    record: str  # JSON: the planner's record without the candidate list


@dataclass(frozen=True)
class WorkUnit:
    """A batch of consecutive candidate rows ``[start, stop)``; one Dask task, one store chunk."""

    index: int
    start: int
    stop: int


@dataclass(frozen=True)
class Plan:
    states: tuple[StatePlan, ...]
    row_state: np.ndarray  # analysed-state index of every candidate row
    row_units: tuple[tuple[int, ...], ...]  # units of every candidate row
    units: tuple[WorkUnit, ...]
    batch_size: int

    @property
    def n_rows(self) -> int:
        return len(self.row_units)


def plan_state(
    substrate: Substrate, state: tuple[int, ...], levels: list[str], max_size: int | None
) -> StatePlan:
    """Candidates worth evaluating for one state (runs on a Dask worker)."""
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


def pack(states: list[StatePlan], batch_size: int) -> Plan:
    """Lay candidates out in state order and cut them into work units of ``batch_size`` rows."""
    row_state = np.concatenate(
        [np.full(len(sp.candidates), i, dtype=np.int32) for i, sp in enumerate(states)] or [np.zeros(0, np.int32)]
    )
    row_units = tuple(c for sp in states for c in sp.candidates)
    n = len(row_units)
    units = tuple(
        WorkUnit(i, start, min(start + batch_size, n)) for i, start in enumerate(range(0, n, batch_size))
    )
    return Plan(tuple(states), row_state, row_units, units, batch_size)
