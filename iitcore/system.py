"""Expansion of a candidate system: per-unit effect and cause factors.

For a candidate S in substrate state u, unit i of S gets two factors over
the states of its cm inputs inside S (spec 1.5): the effect factor clamps
background inputs at their current state; the cause factor averages them
with their posterior given the whole current state. Only the candidate is
expanded, never the substrate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from iitcore.background import posterior
from iitcore.errors import StateUnreachableError
from iitcore.substrate import Substrate, le_states


@dataclass(frozen=True, eq=False)
class System:
    """A candidate system in a state, ready for the IIT computations.

    ``inputs[a]`` are the positions (within ``units``) of unit a's cm inputs
    in the system; ``effect[a]`` and ``cause[a]`` are its ON probabilities
    over their states, little-endian.
    """

    units: tuple[int, ...]
    state: tuple[int, ...]
    inputs: tuple[tuple[int, ...], ...]
    effect: tuple[np.ndarray, ...]
    cause: tuple[np.ndarray, ...]

    @property
    def k(self) -> int:
        return len(self.units)

    @property
    def cm(self) -> np.ndarray:
        cm = np.zeros((self.k, self.k), dtype=bool)
        for b, ins in enumerate(self.inputs):
            cm[list(ins), b] = True
        return cm


@lru_cache(maxsize=4096)
def _bit_offsets(positions: tuple[int, ...]) -> np.ndarray:
    """Table offsets for all LE states of the table axes at ``positions``."""
    if not positions:
        return np.zeros(1, np.int64)
    offsets = le_states(len(positions)).astype(np.int64) @ (np.int64(1) << np.asarray(positions, dtype=np.int64))
    offsets.setflags(write=False)
    return offsets


def expand(substrate: Substrate, state: tuple[int, ...], units: tuple[int, ...]) -> System:
    """Effect and cause factors of candidate ``units`` (sorted) in substrate ``state``."""
    member = {u: a for a, u in enumerate(units)}
    post = None
    inputs, effect, cause = [], [], []
    for u in units:
        ins = substrate.inputs[u]
        table = substrate.tables[u]
        sys_axes = [a for a, i in enumerate(ins) if i in member]
        bg_axes = [a for a, i in enumerate(ins) if i not in member]
        bg_units = tuple(ins[a] for a in bg_axes)
        sys_off = _bit_offsets(tuple(sys_axes))
        bg_off = _bit_offsets(tuple(bg_axes))
        grid = table[sys_off[:, None] + bg_off[None, :]]  # (system input states, background states)
        current = sum(state[b] << r for r, b in enumerate(bg_units))
        effect.append(np.ascontiguousarray(grid[:, current]))
        if bg_units:
            if post is None:
                post = posterior(substrate, state)
            cause.append(grid @ post.marginal(bg_units))
        else:
            cause.append(np.ascontiguousarray(grid[:, 0]))
        inputs.append(tuple(member[ins[a]] for a in sys_axes))
    if post is None and len(units) < substrate.n:
        post = posterior(substrate, state)
    if post is not None and not post.reachable:
        raise StateUnreachableError(
            f"state {list(state)} cannot be reached from any prior state of the substrate"
        )
    return System(units, tuple(state[u] for u in units), tuple(inputs), tuple(effect), tuple(cause))


def input_index(inputs: tuple[int, ...], sys_state: np.ndarray) -> np.ndarray | int:
    """LE index into a factor for given system state(s) (rows of ``sys_state``)."""
    if not inputs:
        return 0 if sys_state.ndim == 1 else np.zeros(len(sys_state), np.int64)
    return sys_state[..., list(inputs)] @ (np.int64(1) << np.arange(len(inputs), dtype=np.int64))


def effect_reachable(system: System) -> bool:
    """Reachability check (b): some prior system state makes the current state possible
    under the effect factors (background clamped at its current state)."""
    states = le_states(system.k)
    prob = np.ones(len(states))
    for a, (ins, f) in enumerate(zip(system.inputs, system.effect)):
        p = f[input_index(ins, states)]
        prob *= p if system.state[a] else 1.0 - p
    return bool(np.any(prob > 0.0))
