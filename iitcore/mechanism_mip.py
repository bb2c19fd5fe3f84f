"""Exact mechanism MIP search without tabulating the partitions (spec 6.2, 6.3).

A partition (row) of mechanism M over purview Z is a set partition pi of M
(row order: ``set_partition_labels``) with blocks M_0..M_{r-1}, an extra
part M_r = {} and a part for every purview unit (all (r+1)^z functions;
for the unsplit pi, only "every purview unit in the extra part"). With the
purview state fixed, phi = sel * sum_u t_u(mask_u) (spec 4.8 for
mechanisms) and N = sum_k |M_k| |Z \\ Z_k|:

* **Effect side** (units: purview positions p). mask_p = M_{k(p)}, the
  mechanism block of p's part, and N = sum_p (m - |M_{k(p)}|). For a fixed
  pi both sums are separable over p: each p picks a part independently.
* **Cause side** (units: mechanism positions q). mask_q = Z_{k(q)}, the
  purview block of q's part, and N = sum_q (z - |Z_{k(q)}|). A row fixes
  for each q a purview set Y_q; two q's in one block share it, nonempty
  purview blocks are disjoint. Conversely every map q -> Y_q whose nonempty
  images are pairwise equal or disjoint is the map of at least one row
  (q's with the same nonempty Y form a block, those with Y = {} any blocks),
  except the maps sending every q to one nonempty Y (that is the unsplit
  mechanism with a purview, not a partition); every row of one map has the
  same phi and N. Such maps are exactly "each q picks an option from a
  family": the family is a set partition of Z + {*} whose blocks without *
  are the options (plus {}); a map picking from a family that leaves some
  block unused is a map of the smaller family, so minimising over families
  and per-q choices (excluding unanimous nonempty choices, whose best valid
  alternative moves the one q that loses least) is exactly the minimum over
  rows.

In both cases the rows are "groups" (pi or family) in which each unit picks
an option, value a[u, g, j] and size w[g, j], so min phi/N follows from
Dinkelbach's iteration (mu_{t+1} = ratio of a minimiser of
sum (a - mu w)), each step one vectorised pass over groups x units x
options (Bell(m) (m+1) z or Bell(z+1) (z+1) m cells instead of
sum_r S(m, r) (r+1)^z rows). Ties: every (group, choice) within a few
tolerances of the minimum is listed (a depth-first walk whose bound is the
exact per-unit minimum), evaluated exactly, then filtered as the reference
does (normalised phi equal to the minimum, then the largest phi, then the
first row).

**Early stop.** The reference stops at the first row whose phi is not
positive. The first group holding such a row is found from per-group
minima (separable on the effect side; on the cause side an exact dynamic
programme over purview subsets per pi), then the first such row inside it
by a depth-first walk in row order (:func:`_first_in_order`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from iitcore.mechanism_partitions import count_partitions, k_partition_labels, partition_table, row_of
from iitcore.numerics import EPS, eq_mask
from iitcore.partitions import set_partition_labels
from iitcore.system_mip import disjoint_pairs, popcount

SLACK = 1e-12  # relative slack of candidate lists (supersets; exact filters follow)
TABULATED_ROWS = 1 << 14  # shapes with at most this many partitions are evaluated row by row


# ------------------------------------------------------------ groups
@dataclass(frozen=True)
class _Groups:
    """Options per group: ``masks[g, j]`` (bitmask the unit's term is read at),
    ``valid[g, j]``, ``size[g, j]`` (its share of N), ``forbid[g, j]``: every
    unit choosing j is not a partition."""

    masks: np.ndarray
    valid: np.ndarray
    size: np.ndarray
    forbid: np.ndarray


@lru_cache(maxsize=32)
def _mechanism_groups(m: int) -> _Groups:
    """Effect side: one group per set partition of the mechanism, options = its
    blocks (part index) then the extra part at index r."""
    labels = set_partition_labels(m).astype(np.int64)
    P = len(labels)
    r = labels.max(axis=1) + 1
    masks = np.zeros((P, m + 1), dtype=np.int64)
    for q in range(m):
        masks[np.arange(P), labels[:, q]] |= 1 << q
    valid = np.arange(m + 1)[None, :] <= r[:, None]
    valid[0, 0] = False  # the unsplit mechanism gives no purview unit to its block
    size = (m - popcount(m)[masks]).astype(float)
    return _Groups(masks, valid, size, np.zeros_like(valid))


@lru_cache(maxsize=32)
def _purview_families(z: int) -> _Groups:
    """Cause side: one group per set partition of Z + {*}; options = {} then
    the blocks without * (by label); a unanimous nonempty choice is forbidden."""
    labels = set_partition_labels(z + 1).astype(np.int64)
    F = len(labels)
    star = labels[:, z]
    masks = np.zeros((F, z + 2), dtype=np.int64)
    for p in range(z):
        masks[np.arange(F), labels[:, p] + 1] |= 1 << p
    valid = (np.arange(z + 2)[None, :] != star[:, None] + 1) & (
        np.arange(z + 2)[None, :] <= labels.max(axis=1)[:, None] + 1
    )
    masks[~valid] = 0
    size = (z - popcount(z)[masks]).astype(float)
    forbid = valid & (masks != 0)
    return _Groups(masks, valid, size, forbid)


# ------------------------------------------------------------ the search
class _Choices:
    """Each unit u picks an option j of group g: value sum_u a[u, g, j], size sum_u w[g, j]."""

    def __init__(self, terms: np.ndarray, groups: _Groups):
        self.terms = terms
        self.groups = groups
        self.a = np.where(groups.valid[None], terms[:, groups.masks], np.inf)

    def best(self, mu: float) -> tuple[np.ndarray, np.ndarray]:
        """Per group, the minimum of sum_u (a - mu w) over valid choices and a minimiser (U, G)."""
        c = self.a - mu * self.groups.size[None] if mu else self.a
        j1 = c.argmin(axis=2)
        c1 = c.min(axis=2)
        total = c1.sum(axis=0)
        G = np.arange(c.shape[1])
        unanimous = (j1 == j1[0]).all(axis=0) & self.groups.forbid[G, j1[0]]
        if unanimous.any():
            g = np.flatnonzero(unanimous)
            cg = c[:, g, :].copy()
            np.put_along_axis(cg, j1[:, g, None], np.inf, axis=2)
            j2 = cg.argmin(axis=2)
            delta = np.take_along_axis(cg, j2[:, :, None], axis=2)[:, :, 0] - c1[:, g]
            mover = delta.argmin(axis=0)
            total[g] += delta[mover, np.arange(len(g))]
            j1[mover, g] = j2[mover, np.arange(len(g))]
        return total, j1

    def masks_of(self, g: np.ndarray, choice: np.ndarray) -> np.ndarray:
        """(candidates, U) bitmasks each unit reads its term at."""
        return self.groups.masks[g[:, None], choice]

    def exact(self, g: np.ndarray, choice: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(sum of terms in unit order, N) of candidate choices, as the reference sums."""
        masks = self.masks_of(g, choice)
        value = self.terms[0][masks[:, 0]]
        for u in range(1, masks.shape[1]):
            value = value + self.terms[u][masks[:, u]]
        return value, self.groups.size[g[:, None], choice].sum(axis=1)

    def ratio_minimum(self, start: tuple[np.ndarray, np.ndarray]) -> float:
        """min over rows of value / N (Dinkelbach from the row ``start``)."""
        value, N = self.exact(*start)
        mu = float(value[0] / N[0])
        while True:
            total, j = self.best(mu)
            best = int(total.argmin())
            if total[best] >= -SLACK * max(1.0, abs(mu) * N[0]):
                return mu
            value, N = self.exact(np.array([best]), j[:, best][None, :])
            if value[0] / N[0] >= mu:
                return mu
            mu = float(value[0] / N[0])

    def within(self, mu: float, budget: float) -> tuple[np.ndarray, np.ndarray]:
        """Every (group, choice) with sum_u (a - mu w) <= budget, as arrays (C,), (C, U)."""
        c = self.a - mu * self.groups.size[None]
        c1 = c.min(axis=2)
        total, _ = self.best(mu)
        passing = np.flatnonzero(total <= budget)
        feasible = c[:, passing, :] - c1[:, passing, None] + c1[:, passing].sum(axis=0)[None, :, None] <= budget
        if self.groups.forbid.any():  # a family whose blocks cannot all be used lists nothing new
            covered = feasible.any(axis=0) | ~self.groups.forbid[passing]
            keep = covered.all(axis=1)
            passing, feasible = passing[keep], feasible[:, keep]
        unique = (feasible.sum(axis=2) == 1).all(axis=0)
        groups, choices = [passing[unique]], [feasible[:, unique].argmax(axis=2).T]
        for i in np.flatnonzero(~unique):
            g = int(passing[i])
            for choice in _walk(c[:, g, :], feasible[:, i, :], budget):
                groups.append(np.array([g]))
                choices.append(np.array([choice]))
        g = np.concatenate(groups)
        choice = np.concatenate(choices).reshape(len(g), c.shape[0])
        forbidden = (choice == choice[:, :1]).all(axis=1) & self.groups.forbid[g, choice[:, 0]]
        return g[~forbidden], choice[~forbidden]


def _walk(c: np.ndarray, feasible: np.ndarray, budget: float):
    """Choices (one option per unit) with sum c <= budget among the feasible options."""
    U = len(c)
    low = np.where(feasible, c, np.inf).min(axis=1)
    rest = np.concatenate([np.cumsum(low[::-1])[::-1], [0.0]])
    out: list[int] = []

    def go(u: int, acc: float):
        if u == U:
            yield list(out)
            return
        for j in np.flatnonzero(feasible[u]):
            if acc + c[u, j] + rest[u + 1] <= budget:
                out.append(int(j))
                yield from go(u + 1, acc + c[u, j])
                out.pop()

    yield from go(0, 0.0)


# ------------------------------------------------------------ early stop
@lru_cache(maxsize=64)
def _sorted_blocks(z: int, b: int) -> np.ndarray:
    """Partitions of z purview positions into b blocks (Knuth order) as block
    bitmasks sorted by smallest element, shape (S, b)."""
    rows = []
    for labels in k_partition_labels(z, b):
        blocks = sorted(tuple(p for p in range(z) if labels[p] == c) for c in range(b))
        rows.append([sum(1 << p for p in blk) for blk in blocks])
    return np.array(rows, dtype=np.int64).reshape(-1, b)


def _first_in_order(blockcost: np.ndarray, base: float, limit: float, z: int) -> list[int] | None:
    """First purview assignment (part per position) in ``purview_assignments``
    order with base + sum over nonempty parts k of blockcost[Z_k, k] <= limit."""
    parts = blockcost.shape[1]
    for b in range(1, min(z, parts) + 1):
        sigma = _sorted_blocks(z, b)
        C = blockcost[sigma]  # (S, b, parts)
        lower = base + C.min(axis=2).sum(axis=1)
        for s in np.flatnonzero(lower <= limit):
            seq = _first_arrangement(C[s], base, limit, parts - b)
            if seq is not None:
                assignment = [0] * z
                for k, sym in enumerate(seq):
                    if sym:
                        for p in range(z):
                            if sigma[s, sym - 1] >> p & 1:
                                assignment[p] = k
                return assignment
    return None


def _first_arrangement(C: np.ndarray, base: float, limit: float, zeros: int) -> list[int] | None:
    """Lexicographically first placement (0: empty part, i + 1: block i) of the
    blocks into the parts with base + cost <= limit."""
    b, parts = C.shape
    seq: list[int] = []

    def go(pos: int, acc: float, free: list[int], zeros_left: int) -> bool:
        if pos == parts:
            return True
        bound = acc + sum(C[i, pos:].min() for i in free)
        if bound > limit:
            return False
        options = ([0] if zeros_left else []) + [i + 1 for i in free]
        for sym in options:
            seq.append(sym)
            if sym == 0:
                ok = go(pos + 1, acc, free, zeros_left - 1)
            else:
                ok = go(pos + 1, acc + C[sym - 1, pos], [i for i in free if i != sym - 1], zeros_left)
            if ok:
                return True
            seq.pop()
        return False

    return seq if go(0, base, list(range(b)), zeros) else None


def _row_value(terms: np.ndarray, masks: list[int], N: float, sel: float) -> tuple[float, float]:
    total = terms[0][masks[0]]
    for u in range(1, len(masks)):
        total = total + terms[u][masks[u]]
    phi = sel * float(total)
    return phi, phi / N


def _effect_row(terms: np.ndarray, m: int, s: int, assignment: list[int], sel: float) -> tuple[float, float, int]:
    """(phi, normalized phi, row) of effect row (s, assignment), summed as the reference."""
    masks = _mechanism_groups(m).masks[s]
    ms = [int(masks[k]) for k in assignment]
    N = float(sum(m - bin(x).count("1") for x in ms))
    return (*_row_value(terms, ms, N, sel), row_of(m, s, assignment))


def _cause_row(terms: np.ndarray, m: int, s: int, assignment: list[int], sel: float) -> tuple[float, float, int]:
    """(phi, normalized phi, row) of cause row (s, assignment), summed as the reference."""
    z = len(assignment)
    labels = set_partition_labels(m)[s]
    part_mask = [sum(1 << p for p in range(z) if assignment[p] == k) for k in range(int(labels.max()) + 2)]
    ms = [part_mask[int(labels[q])] for q in range(m)]
    N = float(sum(z - bin(x).count("1") for x in ms))
    return (*_row_value(terms, ms, N, sel), row_of(m, s, assignment))


def _first_nonpositive_effect(terms: np.ndarray, m: int, z: int, sel: float):
    groups = _mechanism_groups(m)
    a = np.where(groups.valid[None], terms[:, groups.masks], np.inf)
    minima = a.min(axis=2).sum(axis=0)
    for s in np.flatnonzero(sel * minima <= EPS + SLACK * EPS):
        s = int(s)
        if s == 0:
            return _effect_row(terms, m, 0, [1] * z, sel)
        parts = int(groups.valid[s].sum())
        blockcost = np.zeros((1 << z, parts))
        for p in range(z):
            blockcost += ((np.arange(1 << z) >> p) & 1)[:, None] * terms[p][groups.masks[s, :parts]][None, :]
        assignment = _first_in_order(blockcost, 0.0, EPS / sel, z)
        if assignment is not None:
            result = _effect_row(terms, m, s, assignment, sel)
            if result[0] <= EPS:
                return result
    return None


@lru_cache(maxsize=16)
def _subset_splits(z: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Y, S \\ Y) for every pair Y within S, sorted by S, and each S's first pair."""
    Y, R = disjoint_pairs(z)
    S = Y | R
    order = np.argsort(S, kind="stable")
    Y, R, S = Y[order], R[order], S[order]
    return Y, R, np.flatnonzero(np.r_[True, S[1:] != S[:-1]])


def _cause_part_tables(terms: np.ndarray, labels: np.ndarray, first_unsplit: bool) -> np.ndarray:
    """T[pi, k, Y] = sum_{q in block k} t_q(Y); blocks that pi lacks only take Y = {},
    and so does the unsplit mechanism (the first row of ``labels`` if ``first_unsplit``)."""
    P, m = labels.shape
    T = np.zeros((P, m, terms.shape[1]))
    for q in range(m):
        T[np.arange(P), labels[:, q]] += terms[q]
    r = labels.max(axis=1) + 1
    absent = np.arange(m)[None, :] >= r[:, None]
    T[:, :, 1:] = np.where(absent[:, :, None], np.inf, T[:, :, 1:])
    if first_unsplit:
        T[0, 0, 1:] = np.inf
    return T


def _first_nonpositive_cause(terms: np.ndarray, m: int, z: int, sel: float):
    labels_all = set_partition_labels(m).astype(np.int64)
    Y, R, starts = _subset_splits(z)
    lo, size = 0, 16
    while lo < len(labels_all):
        hi = min(len(labels_all), lo + size)
        labels = labels_all[lo:hi]
        T = _cause_part_tables(terms, labels, lo == 0)
        D = T[:, 0, :]
        for k in range(1, m):
            D = np.minimum.reduceat(T[:, k, Y] + D[:, R], starts, axis=1)
        minima = D.min(axis=1)  # the extra part takes the rest at no cost
        for i in np.flatnonzero(sel * minima <= EPS + SLACK * EPS):
            s = lo + int(i)
            if s == 0:
                return _cause_row(terms, m, 0, [1] * z, sel)
            r = int(labels_all[s].max()) + 1
            part = T[i, :r, :]
            base = float(part[:, 0].sum())
            blockcost = np.concatenate([part.T - part[:, 0][None, :], np.zeros((1 << z, 1))], axis=1)
            assignment = _first_in_order(blockcost, base, EPS / sel, z)
            if assignment is not None:
                result = _cause_row(terms, m, s, assignment, sel)
                if result[0] <= EPS:
                    return result
        lo, size = hi, size * 4
    return None


# ------------------------------------------------------------ public
def _resolve(sel: float, value: np.ndarray, N: np.ndarray) -> np.ndarray:
    """Candidates the reference keeps: normalised phi equal to the minimum, then the largest phi."""
    phi = sel * value
    norm = phi / N
    cand = eq_mask(norm, float(norm.min()))
    return np.flatnonzero(cand & eq_mask(phi, float(phi[cand].max())))


def tabulated_mip(sel: float, probs: np.ndarray, masks: np.ndarray, N: np.ndarray) -> tuple[float, float, int]:
    """The MIP by evaluating every row of a :class:`PartitionTable` (spec 6.3).
    ``probs[u, mask]`` is unit u's probability of its specified value with the
    inputs in ``mask`` fixed (last column: uncut); ``masks[u, row]`` is the mask
    partition ``row`` leaves unit u. Returns (phi, normalized phi, row)."""
    terms = np.log2(probs[:, -1:] / probs)
    total = terms[0][masks[0]]
    for u in range(1, len(terms)):
        total = total + terms[u][masks[u]]
    phi = sel * total
    bad = phi <= EPS  # not positive: the reference stops at the first such partition
    if bad.any():
        row = int(np.argmax(bad))
        return float(phi[row]), float(phi[row] / N[row]), row
    norm = phi / N
    cand = eq_mask(norm, float(norm.min()))
    row = int(np.argmax(cand & eq_mask(phi, float(phi[cand].max()))))
    return float(phi[row]), float(norm[row]), row


def effect_mip(sel: float, probs: np.ndarray, m: int, z: int) -> tuple[float, float, int]:
    """MIP of one effect purview state (see :func:`tabulated_mip`): ``probs[p, mask]``
    is purview unit p's probability of its state with the mechanism units in
    ``mask`` fixed. Small shapes are tabulated, larger ones searched."""
    if count_partitions(m, z) <= TABULATED_ROWS:
        table = partition_table(m, z)
        return tabulated_mip(sel, probs, table.emask, table.N)
    return searched_effect_mip(sel, probs, m, z)


def cause_mip(sel: float, probs: np.ndarray, m: int, z: int) -> tuple[float, float, int]:
    """MIP of one cause purview state: ``probs[q, mask]`` is mechanism unit q's
    probability of its state with the purview units in ``mask`` fixed."""
    if count_partitions(m, z) <= TABULATED_ROWS:
        table = partition_table(m, z)
        return tabulated_mip(sel, probs, table.cmask, table.N)
    return searched_cause_mip(sel, probs, m, z)


def searched_effect_mip(sel: float, probs: np.ndarray, m: int, z: int) -> tuple[float, float, int]:
    """:func:`effect_mip` by the exact search (no table)."""
    found = _search(sel, probs, m, z, _mechanism_groups(m), _first_nonpositive_effect)
    if not isinstance(found[0], _Choices):
        return found
    choices, g, choice = found
    value, N = choices.exact(g, choice)
    keep = _resolve(sel, value, N)
    keep = keep[g[keep] == g[keep].min()]  # rows are ordered by mechanism partition first
    row, i = min((row_of(m, int(g[i]), [int(x) for x in choice[i]]), i) for i in keep)
    phi = sel * float(value[i])
    return phi, phi / float(N[i]), row


def searched_cause_mip(sel: float, probs: np.ndarray, m: int, z: int) -> tuple[float, float, int]:
    """:func:`cause_mip` by the exact search (no table)."""
    found = _search(sel, probs, m, z, _purview_families(z), _first_nonpositive_cause)
    if not isinstance(found[0], _Choices):
        return found
    choices, g, choice = found
    masks, idx = np.unique(choices.masks_of(g, choice), axis=0, return_index=True)
    value, N = choices.exact(g[idx], choice[idx])
    keep = _resolve(sel, value, N)
    row, i = min((_first_row_of_map(m, z, masks[i]), i) for i in keep)
    phi = sel * float(value[i])
    return phi, phi / float(N[i]), row


def _search(sel: float, probs: np.ndarray, m: int, z: int, groups: _Groups, first_nonpositive):
    """The reference's early-stop result (phi, normalized phi, row) if some row is
    not positive, else (choices, candidate groups, candidate choices)."""
    terms = np.log2(probs[:, -1:] / probs)
    if m == 1:  # one row: everything cut
        return (*_row_value(terms, [0] * len(terms), float(z), sel), 0)
    choices = _Choices(terms, groups)
    start = _nonpositive_or_start(choices, sel)
    if start is None:
        first = first_nonpositive(terms, m, z, sel)
        if first is not None:
            return first
        start = _nonpositive_or_start(choices, -np.inf)
    return (choices, *_candidates(choices, sel, start))


def _nonpositive_or_start(choices: _Choices, sel: float) -> tuple[np.ndarray, np.ndarray] | None:
    """None if some row may have phi <= EPS (the early stop applies), else the
    row of least value (to start Dinkelbach's iteration from)."""
    total, j = choices.best(0.0)
    g = int(total.argmin())
    if sel * total[g] <= EPS + SLACK * EPS:
        return None
    return np.array([g]), j[:, g][None, :]


def _candidates(choices: _Choices, sel: float, start: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Every (group, choice) whose normalised phi may tie with the minimum."""
    lam = choices.ratio_minimum(start)
    mu = lam + 4 * EPS * max(abs(lam), EPS / sel)
    return choices.within(mu, SLACK * max(1.0, abs(mu) * float(choices.groups.size.max()) * choices.a.shape[0]))


def _first_row_of_map(m: int, z: int, masks: np.ndarray) -> int:
    """First row whose purview set per mechanism unit is ``masks``."""
    labels = set_partition_labels(m)
    ok = np.ones(len(labels), dtype=bool)
    for q in range(m):
        for q2 in range(q + 1, m):
            same = labels[:, q] == labels[:, q2]
            if masks[q] and masks[q] == masks[q2]:
                ok &= same
            elif masks[q] != masks[q2]:
                ok &= ~same
    s = int(np.argmax(ok))
    r = int(labels[s].max()) + 1
    assignment = [r] * z
    for q in range(m):
        for p in range(z):
            if masks[q] >> p & 1:
                assignment[p] = int(labels[s, q])
    return row_of(m, s, assignment)
