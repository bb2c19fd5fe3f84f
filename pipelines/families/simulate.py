"""Vectorised simulation of factored substrates over many states at once.

Works from the per-unit tables (never a 2^m TPM): units are grouped by their
number of inputs and each group is updated with one fancy-indexing look-up
per tick, for all rows (states) of the state matrix simultaneously.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from iitcore import Substrate

from pipelines.families.errors import FamilyError


class Stepper:
    """Synchronous update of a substrate applied to a matrix of states (rows)."""

    def __init__(self, substrate: Substrate, free_units: Sequence[int] = ()) -> None:
        self.substrate = substrate
        self.free = np.asarray(sorted(free_units), dtype=np.int64)
        groups: dict[int, list[int]] = {}
        for j, ins in enumerate(substrate.inputs):
            groups.setdefault(len(ins), []).append(j)
        self._groups = []
        for k, units in sorted(groups.items()):
            ins = np.array([substrate.inputs[j] for j in units], dtype=np.int64).reshape(len(units), k)
            tables = np.stack([substrate.tables[j] for j in units])
            self._groups.append((np.array(units, dtype=np.int64), ins, tables))

    def probabilities(self, states: np.ndarray) -> np.ndarray:
        """P(unit ON at t+1) for every row of ``states`` (shape (S, n)) and every unit."""
        x = np.asarray(states, dtype=np.int64)
        out = np.empty(x.shape, dtype=float)
        for units, ins, tables in self._groups:
            idx = (x[:, ins] << np.arange(ins.shape[1])).sum(axis=2) if ins.shape[1] else np.zeros((len(x), len(units)), np.int64)
            out[:, units] = tables[np.arange(len(units)), idx]
        return out

    def step(self, states: np.ndarray) -> np.ndarray:
        """Deterministic next states; free (externally driven) units are left at 0."""
        p = self.probabilities(states)
        p[:, self.free] = 0.0
        if np.any((p != 0.0) & (p != 1.0)):
            units = sorted({int(j) for j in np.nonzero((p != 0.0) & (p != 1.0))[1]})
            labels = [self.substrate.labels[j] for j in units[:5]]
            raise FamilyError(f"simulation needs deterministic units; probabilistic units: {labels}")
        return p.astype(np.int8)


def all_states(n: int) -> np.ndarray:
    """All 2^n states of n units as rows, little-endian (unit 0 varies fastest)."""
    idx = np.arange(1 << n, dtype=np.int64)
    return ((idx[:, None] >> np.arange(n)) & 1).astype(np.int8)

