"""Implementations of a target and their exhaustive functional-equivalence check.

Contract checked for every target state s (all 2^n at once, vectorised over
the factored substrate): starting from ``encode(s)`` and running
``cycle_length`` ticks, with any externally driven units (the unfolding's
input layer) held at ``drive(s)``, the implementation reaches
``encode(f(s))``; this is repeated for several consecutive cycles. A failure
raises :class:`VerificationError` naming the first counterexample. An
implementation whose encoding is a transient (``settle`` > 0: the ring
computer's loaded state) must instead reach, after ``cycle_length + settle``
ticks, the state ``settle`` ticks after ``encode(f(s))``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from iitcore import Substrate

from pipelines.families.errors import FamilyError, VerificationError
from pipelines.families.simulate import Stepper, all_states
from pipelines.families.targets import Target

CYCLES = 3

Encoder = Callable[[np.ndarray], np.ndarray]  # target states (S, n) -> implementation states (S, m)


def program_encoder(size: int, registers: np.ndarray, ones: np.ndarray, cells: np.ndarray, contents: np.ndarray) -> Encoder:
    """Encoder of a stored-program computer: registers hold the target state, ``cells`` the program
    (``contents``), the units ``ones`` are 1 and every other unit is 0."""

    def encode(states: np.ndarray) -> np.ndarray:
        x = np.zeros((len(states), size), dtype=np.int8)
        x[:, registers] = states
        x[:, ones] = 1
        x[:, cells] = contents
        return x

    return encode


@dataclass(frozen=True, eq=False)
class Implementation:
    """A verified implementation of a target.

    ``target_units[i]`` is the implementation unit that holds target unit i
    (registers, copies, the unfolding's last layer); ``unit_roles[j]`` says
    what implementation unit j is. ``settle``: ticks after which the run from
    ``encode(s)`` is ``cycle_length`` ticks ahead of the run from
    ``encode(f(s))`` (0: it reaches ``encode(f(s))`` itself).
    """

    id: str
    kind: str
    target_id: str
    params: dict[str, Any]
    substrate: Substrate
    cycle_length: int
    unit_roles: tuple[str, ...]
    target_units: tuple[int, ...]
    encoder: Encoder = field(repr=False)
    driven_units: tuple[int, ...] = ()
    driver: Encoder | None = field(default=None, repr=False)
    verification: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    settle: int = 0
    nominal: Substrate | None = field(default=None, repr=False)  # noise-free substrate of a noisy implementation

    def encode(self, target_state: Sequence[int]) -> tuple[int, ...]:
        """The implementation state that represents ``target_state``."""
        return tuple(int(b) for b in self.encoder(np.asarray([target_state], dtype=np.int8))[0])

    def phase_states(self, target_state: Sequence[int]) -> list[tuple[int, ...]]:
        """The implementation's states at ticks 0..K-1 of the cycle starting at ``encode(target_state)``."""
        states = run(self, np.asarray([target_state], dtype=np.int8), self.cycle_length - 1)
        return [tuple(int(b) for b in x[0]) for x in states]


def run(impl: Implementation, target_states: np.ndarray, ticks: int) -> list[np.ndarray]:
    """The implementation's states at ticks 0..``ticks`` from ``encode(target_states)``.

    A noisy implementation follows its nominal (noise-free) trajectory.
    """
    stepper = Stepper(impl.nominal or impl.substrate, impl.driven_units)
    x = impl.encoder(target_states)
    drive = impl.driver(target_states) if impl.driver is not None else None
    out = [x]
    for _ in range(ticks):
        x = stepper.step(x)
        if drive is not None:
            x[:, list(impl.driven_units)] = drive
        out.append(x)
    return out


def verify(impl: Implementation, target: Target, cycles: int = CYCLES) -> Implementation:
    """Check ``impl`` against ``target`` exhaustively; return it with its verification record."""
    start = time.perf_counter()
    if target.deterministic:
        record = _verify_trajectories(impl, target, cycles)
    elif impl.cycle_length == 1 and impl.driver is None and sorted(impl.target_units) == list(range(impl.substrate.n)):
        record = _verify_probabilities(impl, target)
    else:
        raise FamilyError(f"{impl.kind} of {target.id}: verification by simulation needs a deterministic target")
    record = {
        "verified": True,
        "equivalent": True,
        **record,
        "states_checked": int(1 << target.n),
        "ticks_per_cycle": impl.cycle_length,
        "seconds": round(time.perf_counter() - start, 4),
    }
    return replace(impl, verification=record)


def _verify_trajectories(impl: Implementation, target: Target, cycles: int) -> dict[str, Any]:
    target_stepper = Stepper(target.substrate)
    initial = all_states(target.n)
    states = initial
    for cycle in range(cycles):
        reached = run(impl, states, impl.cycle_length + impl.settle)[-1]
        successors = target_stepper.step(states)
        expected = run(impl, successors, impl.settle)[-1]
        bad = np.flatnonzero((reached != expected).any(axis=1))
        if bad.size:
            row = int(bad[0])
            units = np.flatnonzero(reached[row] != expected[row])
            names = ", ".join(
                f"{impl.substrate.labels[u]}={reached[row, u]} (expected {expected[row, u]})" for u in units[:8]
            )
            raise VerificationError(
                f"{impl.kind} {impl.id} is not equivalent to target {target.id}: counterexample target state "
                f"{_bits(states[row])} (cycle {cycle + 1} from initial state {_bits(initial[row])}): "
                f"{impl.cycle_length + impl.settle} ticks from its encoding do not reach the state {impl.settle} "
                f"tick(s) after the encoding of {_bits(successors[row])}; "
                f"{len(units)} unit(s) differ: {names}"
            )
        states = successors
    return {
        "method": "exhaustive simulation of the factored substrate from the encoding of every target state"
        + (f" (encoding settles after {impl.settle} ticks)" if impl.settle else ""),
        "cycles_checked": cycles,
    }


def _verify_probabilities(impl: Implementation, target: Target) -> dict[str, Any]:
    states = all_states(target.n)
    got = Stepper(impl.substrate).probabilities(impl.encoder(states))[:, list(impl.target_units)]
    want = Stepper(target.substrate).probabilities(states)
    bad = np.flatnonzero((got != want).any(axis=1))
    if bad.size:
        row = int(bad[0])
        raise VerificationError(
            f"{impl.kind} {impl.id} is not equivalent to target {target.id}: from target state {_bits(states[row])} "
            f"the ON-probabilities are {got[row].tolist()}, expected {want[row].tolist()}"
        )
    return {"method": "exact per-unit transition probabilities from the encoding of every target state", "cycles_checked": 1}


def _bits(row: np.ndarray) -> tuple[int, ...]:
    return tuple(int(b) for b in row)
