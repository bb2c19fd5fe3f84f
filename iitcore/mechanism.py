"""Mechanism level (spec 2, 3, 6.1-6.3): repertoires, intrinsic information,
mechanism MIPs and maximally irreducible causes/effects.

Every probability here is a product of per-unit factors, and every factor is
one unit's ON probability with some of its in-system inputs fixed and the
rest uniformly averaged. :func:`cut_table` tabulates, per unit, that
probability for every (input state, averaged-input mask); a partition then
only changes which mask each unit uses. With the specified state fixed, the
integration of a partition is the selectivity times a sum of per-unit
``log2(uncut / cut)`` terms (spec 4.8 applied to mechanisms); the MIP over
the partitions of a (mechanism, purview) pair is found by
:mod:`iitcore.mechanism_mip`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from iitcore.mechanism_mip import cause_mip, effect_mip
from iitcore.mechanism_partitions import parts_of_row
from iitcore.numerics import eq_mask
from iitcore.substrate import Substrate
from iitcore.system import System

CAUSE, EFFECT = "cause", "effect"
Parts = tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]


def cut_table(f: np.ndarray) -> np.ndarray:
    """``T[point, mask]``: mean of ``f`` (a unit's ON probability over its L
    inputs, little-endian) over the inputs in ``mask``, the others at ``point``."""
    L = len(f).bit_length() - 1
    g = f.reshape([2] * L, order="F") if L else f.reshape(())
    for a in range(L):
        g = np.stack([g, np.broadcast_to(g.mean(axis=a, keepdims=True), g.shape)], axis=-1)
    return np.asarray(g).reshape(-1, order="F").reshape((1 << L, 1 << L), order="F")


def _fixed_bits(inputs: tuple[int, ...], positions: tuple[int, ...]) -> np.ndarray:
    """For every subset F (bitmask over ``positions``), the bitmask of the
    unit's inputs that lie in F."""
    F = np.arange(1 << len(positions), dtype=np.int64)
    out = np.zeros_like(F)
    for r, i in enumerate(inputs):
        if i in positions:
            out |= ((F >> positions.index(i)) & 1) << r
    return out


@dataclass(frozen=True)
class StateResult:
    """A purview state with its integration at the mechanism MIP (row of the partition table)."""

    state: tuple[int, ...]
    phi: float
    normalized_phi: float
    mip_row: int


@dataclass(frozen=True)
class PurviewResult:
    """One candidate purview: intrinsic information and its phi-tied states (LE order)."""

    purview: tuple[int, ...]
    ii: float
    states: tuple[StateResult, ...]

    @property
    def phi(self) -> float:
        return self.states[0].phi


def mip_parts(mechanism: tuple[int, ...], purview: tuple[int, ...], row: int) -> Parts:
    """Parts (mechanism, purview) of partition ``row`` of this mechanism over this purview."""
    parts = parts_of_row(len(mechanism), len(purview), row)
    return tuple((tuple(mechanism[q] for q in mq), tuple(purview[p] for p in zp)) for mq, zp in parts)


def _bits(index: int, z: int) -> tuple[int, ...]:
    return tuple((index >> p) & 1 for p in range(z))


class Evaluator:
    """Mechanism-level computations within one system (positions 0..k-1).

    Per unit, ``cut_table`` of its effect and cause factors; per (unit,
    mechanism) and (unit, purview), the factors every candidate shares are
    cached. ``clamp`` applies ``|.|+`` to mechanism phi (R-main).
    """

    def __init__(self, system: System, clamp: bool):
        self.system = system
        self.clamp = clamp
        self._effect_on = [cut_table(f) for f in system.effect]
        self._cause_on = [cut_table(f) for f in system.cause]
        self._point = [sum(system.state[i] << r for r, i in enumerate(ins)) for ins in system.inputs]
        self._effect_cache: dict[tuple[int, tuple[int, ...]], tuple[np.ndarray, np.ndarray]] = {}
        self._cause_cache: dict[tuple[int, tuple[int, ...]], np.ndarray] = {}

    def _effect_factor(self, j: int, mech: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """P(j ON | m') over mechanism states m', and P(j ON | F fixed at the
        current state) over subsets F of the mechanism."""
        key = (j, mech)
        if key not in self._effect_cache:
            fb = _fixed_bits(self.system.inputs[j], mech)
            full = (1 << len(self.system.inputs[j])) - 1
            table = self._effect_on[j]
            self._effect_cache[key] = (table[fb, full ^ fb[-1]], table[self._point[j], full ^ fb])
        return self._effect_cache[key]

    def _cause_factor(self, i: int, purview: tuple[int, ...]) -> np.ndarray:
        """P(i = its state | G fixed at z) as [z, G] over purview states z and
        subsets G of the purview (column -1: the uncut factor)."""
        key = (i, purview)
        if key not in self._cause_cache:
            fb = _fixed_bits(self.system.inputs[i], purview)
            full = (1 << len(self.system.inputs[i])) - 1
            p = self._cause_on[i][fb[:, None], full ^ fb[None, :]]
            self._cause_cache[key] = p if self.system.state[i] else 1.0 - p
        return self._cause_cache[key]

    def _resolve(self, purview: tuple[int, ...], ii: float, results: list[StateResult]) -> PurviewResult:
        """Keep the states tied at the maximal phi (spec 6.3)."""
        if self.clamp:
            results = [StateResult(r.state, max(r.phi, 0.0), max(r.normalized_phi, 0.0), r.mip_row) for r in results]
        if len(results) > 1:
            phis = np.array([r.phi for r in results])
            results = [r for r, k in zip(results, eq_mask(phis, float(phis.max()))) if k]
        return PurviewResult(purview, ii, tuple(results))

    def effect(self, mech: tuple[int, ...], candidates: list[tuple[int, ...]]) -> list[PurviewResult]:
        """Effect side of ``mech`` over each candidate purview."""
        m = len(mech)
        m_idx = sum(self.system.state[q] << a for a, q in enumerate(mech))
        out = []
        for Z in candidates:
            z = len(Z)
            joint = np.ones((1 << m, 1))
            for j in Z:
                p = self._effect_factor(j, mech)[0][:, None]
                joint = np.concatenate([joint * (1.0 - p), joint * p], axis=1)
            fwd = joint[m_idx]
            with np.errstate(divide="ignore", invalid="ignore"):
                ii = np.where(fwd > 0, fwd * np.log2(fwd / joint.mean(axis=0)), 0.0)
                on = np.stack([self._effect_factor(j, mech)[1] for j in Z])
                results = _tied_states(
                    ii, fwd, fwd, lambda s, state: np.where(np.array(state)[:, None] == 1, on, 1.0 - on),
                    lambda sel, probs: effect_mip(sel, probs, m, z), z,
                )
            out.append(self._resolve(Z, float(ii.max()), results))
        return out

    def cause(self, mech: tuple[int, ...], candidates: list[tuple[int, ...]]) -> list[PurviewResult]:
        """Cause side of ``mech`` over each candidate purview."""
        m = len(mech)
        out = []
        for Z in candidates:
            z = len(Z)
            factors = [self._cause_factor(i, Z) for i in mech]
            fwd = factors[0][:, -1]
            for f in factors[1:]:
                fwd = fwd * f[:, -1]
            total = fwd.sum()
            if total == 0.0:  # mechanism state impossible: phi = 0
                out.append(PurviewResult(Z, 0.0, (StateResult((0,) * z, 0.0, 0.0, 0),)))
                continue
            sel = fwd / total
            with np.errstate(divide="ignore", invalid="ignore"):
                ii = np.where(fwd > 0, sel * np.log2(fwd / fwd.mean()), 0.0)
                results = _tied_states(
                    ii, fwd, sel, lambda s, state: np.stack([f[s] for f in factors]),
                    lambda sel_s, probs: cause_mip(sel_s, probs, m, z), z,
                )
            out.append(self._resolve(Z, float(ii.max()), results))
        return out


def _tied_states(
    ii: np.ndarray,
    fwd: np.ndarray,
    selectivity: np.ndarray,
    probs_of: Callable[[int, tuple[int, ...]], np.ndarray],
    mip: Callable[[float, np.ndarray], tuple[float, float, int]],
    z: int,
) -> list[StateResult]:
    """The MIP of every purview state tied at the maximal ii (exact equality, LE order)."""
    results = []
    for s in np.flatnonzero(ii == ii.max()):
        state = _bits(int(s), z)
        if fwd[s] == 0.0:
            results.append(StateResult(state, 0.0, 0.0, 0))
        else:
            results.append(StateResult(state, *mip(float(selectivity[s]), probs_of(int(s), state))))
    return results


# ------------------------------------------------------ candidate purviews
def _block_reducible(src: tuple[int, ...], dst: tuple[int, ...], out_mask: list[int], in_mask: list[int]) -> bool:
    """The reference's ``block_reducible(cm, src, dst)`` on bitmasks (spec 6.1 rule 2)."""
    if not src or not dst:
        return True
    smask = sum(1 << u for u in src)
    dmask = sum(1 << v for v in dst)
    if any(not out_mask[u] & dmask for u in src) or any(not in_mask[v] & smask for v in dst):
        return True
    if len(src) == 1 or len(dst) == 1:
        return False
    reached = 1 << src[0]
    while True:  # grow the connected component of the bipartite src -> dst graph
        sinks = 0
        for u in src:
            if reached >> u & 1:
                sinks |= out_mask[u] & dmask
        grown = 0
        for v in dst:
            if sinks >> v & 1:
                grown |= in_mask[v] & smask
        if grown == reached:
            return reached != smask
        reached = grown


MAX_MIRRORED_SET_UNITS = 14


def candidate_purviews(substrate: Substrate, units: tuple[int, ...], mechanism: tuple[int, ...], direction: str) -> list[tuple[int, ...]]:
    """Candidate purviews (global indices) of ``mechanism`` in the reference's
    evaluation order: the iteration order of the Python set of the substrate's
    non-reducible purviews, restricted to the system (spec 6.1).

    That order needs every subset of the substrate; above
    ``MAX_MIRRORED_SET_UNITS`` units (far beyond the reference) only subsets of
    the system are put in the set, so exactly tied purviews may be chosen
    differently from the reference there (phi_d is unaffected)."""
    n = substrate.n
    pool = range(n) if n <= MAX_MIRRORED_SET_UNITS else units
    in_mask = [sum(1 << i for i in ins) for ins in substrate.inputs]
    out_mask = [0] * n
    for j, ins in enumerate(substrate.inputs):
        for i in ins:
            out_mask[i] |= 1 << j
    kept = []
    for r in range(len(pool) + 1):
        for Z in combinations(pool, r):
            src, dst = (Z, mechanism) if direction == CAUSE else (mechanism, Z)
            if not _block_reducible(src, dst, out_mask, in_mask):
                kept.append(Z)
    system = set(units)
    return [Z for Z in set(kept) if set(Z) <= system]
