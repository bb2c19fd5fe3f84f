"""Posterior of the substrate's prior state given its whole current state.

The cause TPM of a candidate system weights the prior state of the
background by its posterior given the *whole* current state (spec 1.5,
uniform prior over prior states). That posterior does not depend on the
candidate, only on which background units feed it, so it is computed once
per (substrate, state) and marginalised on demand.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from iitcore.errors import InvalidSubstrateError, StateUnreachableError
from iitcore.substrate import Substrate, le_states

MAX_BRUTE_FORCE_UNITS = 20


class BruteForcePosterior:
    """Exact posterior by enumerating all 2^n prior states (n <= 20)."""

    def __init__(self, substrate: Substrate, state: tuple[int, ...]):
        n = substrate.n
        if n > MAX_BRUTE_FORCE_UNITS:
            raise InvalidSubstrateError(
                f"brute-force background inference is limited to {MAX_BRUTE_FORCE_UNITS} units (got {n})"
            )
        prior = le_states(n).astype(np.int64)
        likelihood = np.ones(1 << n)
        for j, (ins, table) in enumerate(zip(substrate.inputs, substrate.tables)):
            idx = (prior[:, list(ins)] << np.arange(len(ins))).sum(axis=1) if ins else 0
            p_on = table[idx]
            likelihood *= p_on if state[j] else 1.0 - p_on
        self.n = n
        self.total = float(likelihood.sum())
        self._grid = likelihood.reshape([2] * n, order="F") if n else likelihood

    @property
    def reachable(self) -> bool:
        return self.total > 0.0

    def marginal(self, units: tuple[int, ...]) -> np.ndarray:
        """Joint posterior of the prior states of ``units`` (sorted), little-endian."""
        if not self.reachable:
            raise StateUnreachableError("the current state has probability 0 under every prior state")
        others = tuple(i for i in range(self.n) if i not in units)
        m = self._grid.sum(axis=others) if others else self._grid
        return np.asarray(m, float).reshape(-1, order="F") / self.total


@lru_cache(maxsize=8)
def posterior(substrate: Substrate, state: tuple[int, ...]) -> BruteForcePosterior:
    """The cached posterior for a (substrate, state) pair."""
    return BruteForcePosterior(substrate, state)
