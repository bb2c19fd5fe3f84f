"""Plain, picklable work data passed between stages and to workers: systems, states, plans, work units."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from iitcore import Formalism, Substrate

State = tuple[int, ...]
Units = tuple[int, ...]


@dataclass(frozen=True)
class StudySystem:
    """One analysed substrate of a study: a target, or an implementation of one."""

    id: str
    family: str
    kind: str  # "target", "computer", "unfolding" or "copy"
    target_id: str
    recipe: str
    params: dict[str, Any]
    seed: int
    substrate: Substrate
    cycle_length: int = 1
    verification: dict[str, Any] = field(default_factory=dict)
    unit_roles: Any = None
    target_units: Any = None
    settle: int = 0  # ticks before the run from an encoding joins its cycle (the ring computer's loaded state)
    info: dict[str, Any] = field(default_factory=dict)  # target's showcase "state" and "sampler" record


@dataclass(frozen=True)
class AnalysedState:
    """A state of a system to analyse under one formalism, with the target state it encodes, its phase, and the
    target state's reachability."""

    system: str
    state: State
    target_state: State
    phase: int
    formalism: str  # the formalism's label
    target_reachable: bool = True


@dataclass(frozen=True)
class Context:
    """Inputs shared by every task of a study; sent to the workers once."""

    substrates: dict[str, Substrate]
    states: tuple[tuple[str, State], ...]  # (system id, state) per analysed state
    formalisms: dict[str, Formalism]  # by label
    state_formalisms: tuple[str, ...]  # the formalism's label per analysed state
    candidates: str = "embedded"  # "embedded" (background conditioned) or "isolated" (iitcore.isolated)

    def substrate_of(self, state_index: int) -> tuple[Substrate, State]:
        """The substrate and state of analysed state ``state_index``."""
        system, state = self.states[state_index]
        return self.substrates[system], state

    def formalism_of(self, state_index: int) -> Formalism:
        """The formalism analysed state ``state_index`` is analysed under."""
        return self.formalisms[self.state_formalisms[state_index]]


@dataclass(frozen=True)
class StatePlan:
    """Candidates of one analysed state, and the planner's record of what it left out."""

    candidates: tuple[Units, ...]
    complete: bool
    record: str  # JSON: the planner's record without the candidate list


@dataclass(frozen=True)
class WorkUnit:
    """A batch of consecutive candidate rows ``[start, stop)``; one task, one store chunk."""

    index: int
    start: int
    stop: int


@dataclass(frozen=True)
class Plan:
    """Every candidate row of a study in state order, cut into work units."""

    states: tuple[StatePlan, ...]
    row_state: np.ndarray  # analysed-state index of every candidate row
    row_units: tuple[Units, ...]  # units of every candidate row
    units: tuple[WorkUnit, ...]
    batch_size: int

    @property
    def n_rows(self) -> int:
        return len(self.row_units)


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


def bits(state: Any) -> str:
    """A state as a string of 0/1 in unit order."""
    return "".join(str(int(b)) for b in state)
