"""Mechanism level (spec 2, 3, 6.1-6.3): repertoires, intrinsic information,
mechanism MIPs and maximally irreducible causes/effects.

Every probability here is a product of per-unit factors, and every factor is
one unit's ON probability with some of its in-system inputs fixed and the
rest uniformly averaged. :func:`unit_tables` tabulates, per unit, that
probability for every (input state, averaged-input mask); a partition then
only changes which mask each unit uses. With the specified state fixed, the
integration of a partition is the selectivity times a sum of per-unit
``log2(uncut / cut)`` terms (spec 4.8 applied to mechanisms), so all
partitions of a (mechanism, purview) pair are evaluated with a few array
gathers over :class:`~iitcore.mechanism_partitions.PartitionTable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from iitcore.mechanism_partitions import partition_table
from iitcore.numerics import EPS
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


@dataclass(frozen=True)
class UnitTables:
    """Per-unit cut tables of a system (positions within the system)."""

    system: System
    effect_on: tuple[np.ndarray, ...]
    cause_on: tuple[np.ndarray, ...]
    current_point: tuple[int, ...]  # index of each unit's inputs' current state

    @property
    def k(self) -> int:
        return self.system.k


def unit_tables(system: System) -> UnitTables:
    st = system.state
    return UnitTables(
        system,
        tuple(cut_table(f) for f in system.effect),
        tuple(cut_table(f) for f in system.cause),
        tuple(sum(st[i] << r for r, i in enumerate(ins)) for ins in system.inputs),
    )


def _fixed_bits(inputs: tuple[int, ...], positions: tuple[int, ...]) -> np.ndarray:
    """For every subset F (bitmask over ``positions``), the bitmask of the
    unit's inputs that lie in F."""
    F = np.arange(1 << len(positions), dtype=np.int64)
    out = np.zeros_like(F)
    for r, i in enumerate(inputs):
        if i in positions:
            out |= ((F >> positions.index(i)) & 1) << r
    return out


# ------------------------------------------------------------------- MIP
@dataclass(frozen=True)
class StateResult:
    """A purview state with its integration at the mechanism MIP."""

    state: tuple[int, ...]
    phi: float
    normalized_phi: float
    partition: Parts


@dataclass(frozen=True)
class PurviewResult:
    """One candidate purview: intrinsic information and its phi-tied states (LE order)."""

    purview: tuple[int, ...]
    ii: float
    states: tuple[StateResult, ...]

    @property
    def phi(self) -> float:
        return self.states[0].phi


def _eq_mask(x: np.ndarray, ref: float) -> np.ndarray:
    return np.abs(x - ref) <= np.maximum(EPS * np.maximum(np.abs(x), abs(ref)), EPS)


def _mip(sel: float, terms: np.ndarray, masks: np.ndarray, N: np.ndarray) -> tuple[float, float, int]:
    """(phi, normalized phi, partition row) of the MIP; ``terms[u, mask]`` are the
    per-unit log ratios, ``masks[u, row]`` which mask each partition uses."""
    total = terms[0][masks[0]]
    for u in range(1, len(terms)):
        total = total + terms[u][masks[u]]
    phi = sel * total
    bad = phi <= EPS  # not positive: the reference stops at the first such partition
    if bad.any():
        row = int(np.argmax(bad))
        return float(phi[row]), float(phi[row] / N[row]), row
    norm = phi / N
    cand = _eq_mask(norm, float(norm.min()))
    best = float(phi[cand].max())
    row = int(np.argmax(cand & _eq_mask(phi, best)))
    return float(phi[row]), float(norm[row]), row


def _log_ratios(uncut: np.ndarray, cut: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log2(uncut[:, None] / cut)


def _ii(fwd: np.ndarray, sel: np.ndarray, unc: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(fwd > 0, sel * np.log2(fwd / unc), 0.0)


def _bits(index: int, z: int) -> tuple[int, ...]:
    return tuple((index >> p) & 1 for p in range(z))


def _resolve_states(results: list[StateResult], clamp: bool) -> tuple[StateResult, ...]:
    """Keep the states tied at the maximal phi (spec 6.3)."""
    if clamp:
        results = [StateResult(r.state, max(r.phi, 0.0), max(r.normalized_phi, 0.0), r.partition) for r in results]
    phis = np.array([r.phi for r in results])
    keep = _eq_mask(phis, float(phis.max()))
    return tuple(r for r, k in zip(results, keep) if k)


def _parts(table, row: int, mech: tuple[int, ...], purview: tuple[int, ...]) -> Parts:
    return tuple(
        (tuple(mech[q] for q in mq), tuple(purview[p] for p in zp)) for mq, zp in table.parts(row)
    )


def effect_purviews(t: UnitTables, mech: tuple[int, ...], candidates: list[tuple[int, ...]], clamp: bool) -> list[PurviewResult]:
    """Effect-side evaluation of ``mech`` over each candidate purview (positions)."""
    m = len(mech)
    sys = t.system
    m_idx = sum(sys.state[q] << a for a, q in enumerate(mech))
    unc_on, cut_on = {}, {}
    for j in sorted({j for Z in candidates for j in Z}):
        fb = _fixed_bits(sys.inputs[j], mech)
        full = (1 << len(sys.inputs[j])) - 1
        unc_on[j] = t.effect_on[j][fb, full ^ fb[-1]]  # P(j ON | m') over mechanism states m'
        cut_on[j] = t.effect_on[j][t.current_point[j], full ^ fb]  # P(j ON | F fixed), F subset of M
    out = []
    for Z in candidates:
        z = len(Z)
        joint = np.ones((1 << m, 1))
        for j in Z:
            p = unc_on[j][:, None]
            joint = np.concatenate([joint * (1.0 - p), joint * p], axis=1)
        fwd = joint[m_idx]
        ii = _ii(fwd, fwd, joint.mean(axis=0))
        table = partition_table(m, z)
        results = []
        for s in np.flatnonzero(ii == ii.max()):
            state = _bits(int(s), z)
            sel = float(fwd[s])
            if sel == 0.0:
                results.append(StateResult(state, 0.0, 0.0, _parts(table, 0, mech, Z)))
                continue
            probs = np.stack([cut_on[j] if v else 1.0 - cut_on[j] for j, v in zip(Z, state)])
            phi, norm, row = _mip(sel, _log_ratios(probs[:, -1], probs), table.emask, table.N)
            results.append(StateResult(state, phi, norm, _parts(table, row, mech, Z)))
        out.append(PurviewResult(Z, float(ii.max()), _resolve_states(results, clamp)))
    return out


def cause_purviews(t: UnitTables, mech: tuple[int, ...], candidates: list[tuple[int, ...]], clamp: bool) -> list[PurviewResult]:
    """Cause-side evaluation of ``mech`` over each candidate purview (positions)."""
    m = len(mech)
    sys = t.system
    out = []
    for Z in candidates:
        z = len(Z)
        fbs = [_fixed_bits(sys.inputs[i], Z) for i in mech]
        fulls = [(1 << len(sys.inputs[i])) - 1 for i in mech]
        fwd = np.ones(1 << z)
        for i, fb, full in zip(mech, fbs, fulls):
            p = t.cause_on[i][fb, full ^ fb[-1]]  # P(i ON | z) over purview states z
            fwd = fwd * (p if sys.state[i] else 1.0 - p)
        total = fwd.sum()
        table = partition_table(m, z)
        if total == 0.0:  # mechanism state impossible: phi = 0
            zero = StateResult((0,) * z, 0.0, 0.0, _parts(table, 0, mech, Z))
            out.append(PurviewResult(Z, 0.0, (zero,)))
            continue
        sel = fwd / total
        ii = _ii(fwd, sel, fwd.mean())
        results = []
        for s in np.flatnonzero(ii == ii.max()):
            state = _bits(int(s), z)
            if fwd[s] == 0.0:
                results.append(StateResult(state, 0.0, 0.0, _parts(table, 0, mech, Z)))
                continue
            probs = []
            for i, fb, full in zip(mech, fbs, fulls):
                p = t.cause_on[i][fb[s], full ^ fb]  # P(i ON | G fixed at the state), G subset of Z
                probs.append(p if sys.state[i] else 1.0 - p)
            probs = np.stack(probs)
            phi, norm, row = _mip(float(sel[s]), _log_ratios(probs[:, -1], probs), table.cmask, table.N)
            results.append(StateResult(state, phi, norm, _parts(table, row, mech, Z)))
        out.append(PurviewResult(Z, float(ii.max()), _resolve_states(results, clamp)))
    return out


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


def candidate_purviews(substrate: Substrate, units: tuple[int, ...], mechanism: tuple[int, ...], direction: str) -> list[tuple[int, ...]]:
    """Candidate purviews (global indices) of ``mechanism`` in the reference's
    evaluation order: the iteration order of the Python set of the substrate's
    non-reducible purviews, restricted to the system (spec 6.1)."""
    n = substrate.n
    in_mask = [sum(1 << i for i in ins) for ins in substrate.inputs]
    out_mask = [0] * n
    for j, ins in enumerate(substrate.inputs):
        for i in ins:
            out_mask[i] |= 1 << j
    kept = []
    for r in range(n + 1):
        for Z in combinations(range(n), r):
            src, dst = (Z, mechanism) if direction == CAUSE else (mechanism, Z)
            if not _block_reducible(src, dst, out_mask, in_mask):
                kept.append(Z)
    system = set(units)
    return [Z for Z in set(kept) if set(Z) <= system]
