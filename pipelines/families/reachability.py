"""Reachability of target states: a state no state leads to has no cause.

IIT evaluates a state's cause over its possible predecessors; a state with
none (probability 0 from every state) is *unreachable*, its cause-effect
structure undefined. Studies report such states as undefined and leave them
out of every claim (never as "no complex").
"""

from __future__ import annotations

import numpy as np

from iitcore import Substrate

from pipelines.families.errors import FamilyError
from pipelines.families.simulate import Stepper, all_states

MAX_UNITS = 16  # 2^n x 2^n transition probabilities are formed in blocks of rows


def state_index(state: np.ndarray) -> np.ndarray:
    """Little-endian index of each row of ``state`` (unit 0 is bit 0)."""
    x = np.asarray(state, dtype=np.int64)
    return (x << np.arange(x.shape[-1])).sum(axis=-1)


def reachable(substrate: Substrate) -> np.ndarray:
    """Boolean array over all 2^n states (little-endian index): True if some state leads to it."""
    n = substrate.n
    if n > MAX_UNITS:
        raise FamilyError(f"reachability is computed over all 2^n states; {n} units exceed {MAX_UNITS}")
    states = all_states(n)
    p_on = Stepper(substrate).probabilities(states)  # (S, n)
    if np.all((p_on == 0.0) | (p_on == 1.0)):
        out = np.zeros(1 << n, dtype=bool)
        out[state_index(p_on.astype(np.int64))] = True
        return out
    out = np.zeros(1 << n, dtype=bool)
    block = max(1, (1 << 22) >> n)
    for start in range(0, len(states), block):
        p = p_on[start : start + block, None, :]  # (B, 1, n) against next states (1, S, n)
        prob = np.where(states[None, :, :] == 1, p, 1.0 - p).prod(axis=2)
        out |= (prob > 0.0).any(axis=0)
    return out


def index_of(state: tuple[int, ...] | list[int]) -> int:
    """Little-endian index of one state."""
    return sum(int(b) << i for i, b in enumerate(state))
