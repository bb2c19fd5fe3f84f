"""Exact system MIP search by dynamic programming over unit subsets (spec 4.2-4.5, 4.8).

The search never visits the ~T_k(3) directional partitions one by one.

**Decomposition.** A directional partition theta is a set partition of the
k units with a direction per block: CAUSE (inputs cut), EFFECT (outputs cut)
or BIDIRECTIONAL. Let O be the union of the EFFECT and BIDIRECTIONAL blocks
(the units whose outputs are cut). theta is exactly the triple (O, a set
partition of S \\ O into CAUSE blocks, a set partition of O with each block
EFFECT or BIDIRECTIONAL); the correspondence is one to one. The edge a -> b
(a != b) is cut iff a and b lie in different blocks and (b's block cuts its
inputs or a is in O). So unit b in block B sees the cut set S \\ B if its
block cuts inputs, and O \\ B if its block is EFFECT: it depends only on
(B, its direction, O).

**Additive cost.** With t_b(C) = log2(uncut / cut) of unit b (spec 4.8) and
T_b(W) = t_b(In(b) & W), one side's integration is F(theta) = sel * sum_b
T_b(cut set of b) and N(theta) = sum_b |cut set of b|. For a fixed mu,
G_mu(theta) = F/sel - mu N is a sum of block costs

    f(B)   = sum_{b in B} T_b(S \\ B) - mu |B| (k - |B|)      CAUSE or BIDIRECTIONAL
    g_O(B) = sum_{b in B} T_b(O \\ B) - mu |B| |O \\ B|        EFFECT (B within O)

so min_theta G_mu = min_O [E_in(S \\ O) + E_O(O)] where E_in(T) is the
cheapest set partition of T with block cost f and E_O(T), T within O, the
cheapest with block cost min(f, g_O). Both are the classic set-partition
recursion E(T) = min over blocks B holding T's lowest unit of cost(B) +
E(T \\ B), exact by induction on |T|. The single-block partition (K = 1) is
excluded at the top level (O empty or O = S). The work is
sum_O 3^|O| / 2 = 4^k / 2 block evaluations, against T_k(3) partitions.

**Ratio.** min F/N is found by Dinkelbach's iteration: mu_{t+1} =
F(theta_t)/N(theta_t) with theta_t a minimiser of G_{mu_t}; the mu_t
decrease strictly until min G_mu = 0, which holds exactly when mu = min F/N
(G_mu(theta) >= 0 for all theta iff F/N >= mu, as N > 0).

**Ties.** Every theta with G_mu(theta) <= budget is listed by a depth-first
walk that takes a block only if its cost plus the exact minimum E of the
rest fits the remaining budget, so no branch is a dead end. With mu just
above the minimum this lists every partition whose normalised phi ties with
the minimum (a superset; the caller keeps the exact ties).

**Early stop.** The reference stops at the first partition (enumeration
order) whose phi is not positive; :meth:`SideSearch.first_at_most` finds it
by descending the enumeration tree with the exact minimum of each subtree
(the same recursion restricted to blocks that respect the elements placed
so far), about k^2 / 2 restricted passes at most.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

import numpy as np

from iitcore.partitions import set_partition_key, set_partition_of_index

CAUSE, EFFECT, BIDIRECTIONAL = 0, 1, 2  # direction digits of partitions.DIRECTIONS

Theta = tuple[tuple[int, int], ...]  # (block bitmask, direction digit) per block
PREFIX_SCANNED = 64  # set partitions checked one by one before the early-stop descent


def bell(k: int) -> int:
    """Number of set partitions of k elements."""
    row = [1]
    for _ in range(k - 1):
        nxt = [row[-1]]
        for x in row:
            nxt.append(nxt[-1] + x)
        row = nxt
    return row[-1]


# ------------------------------------------------------------ subset tables
@lru_cache(maxsize=32)
def popcount(k: int) -> np.ndarray:
    masks = np.arange(1 << k)
    return ((masks[:, None] >> np.arange(max(k, 1))) & 1).sum(axis=1).astype(np.int64)


@lru_cache(maxsize=32)
def _ternary(k: int) -> np.ndarray:
    """sum_{i in mask} 3^i for every bitmask over k units."""
    return (((np.arange(1 << k)[:, None] >> np.arange(max(k, 1))) & 1) * 3 ** np.arange(max(k, 1))).sum(axis=1)


@lru_cache(maxsize=32)
def disjoint_pairs(k: int) -> tuple[np.ndarray, np.ndarray]:
    """(B, W) bitmasks of every ordered pair of disjoint subsets, at index
    tern(B) + 2 tern(W) (one ternary digit per unit: 0 out, 1 in B, 2 in W)."""
    B = np.zeros(1, dtype=np.int64)
    W = np.zeros(1, dtype=np.int64)
    for i in range(k):  # digit i is the most significant so far
        bit = np.int64(1) << i
        B = np.concatenate([B, B | bit, B])
        W = np.concatenate([W, W, W | bit])
    return B, W


@dataclass(frozen=True)
class _Transitions:
    """Set-partition recursion over s local units: T = B | R, B holds T's lowest unit.
    Sorted by (|T|, T); ``levels[p]`` slices the transitions with |T| = p and
    ``targets[p]`` the distinct T of that slice (``starts[p]`` their offsets)."""

    B: np.ndarray
    R: np.ndarray
    levels: tuple[slice, ...]
    targets: tuple[np.ndarray, ...]
    starts: tuple[np.ndarray, ...]


@lru_cache(maxsize=32)
def _transitions(s: int) -> _Transitions:
    B, R = disjoint_pairs(s)
    T = B | R
    low = T & -T
    keep = (T > 0) & ((B & low) > 0)
    B, R, T = B[keep], R[keep], T[keep]
    pc = popcount(s)[T]
    order = np.lexsort((T, pc))
    B, R, T, pc = B[order], R[order], T[order], pc[order]
    levels, targets, starts = [slice(0, 0)], [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for p in range(1, s + 1):
        lo, hi = np.searchsorted(pc, [p, p + 1])
        seg = T[lo:hi]
        first = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
        levels.append(slice(int(lo), int(hi)))
        targets.append(seg[first])
        starts.append(first)
    return _Transitions(B, R, tuple(levels), tuple(targets), tuple(starts))


def _partition_dp(cost: np.ndarray, s: int) -> np.ndarray:
    """E[:, T] = cheapest set partition of local subset T, block costs ``cost[:, B]``."""
    tr = _transitions(s)
    E = np.empty_like(cost)
    E[:, 0] = 0.0
    for p in range(1, s + 1):
        lv = tr.levels[p]
        vals = cost[:, tr.B[lv]] + E[:, tr.R[lv]]
        E[:, tr.targets[p]] = np.minimum.reduceat(vals, tr.starts[p], axis=1)
    return E


def _split_minimum(cost: np.ndarray, E: np.ndarray, s: int) -> np.ndarray:
    """Cheapest partition of the full local set into at least two blocks."""
    tr = _transitions(s)
    lv = tr.levels[s]
    B, R = tr.B[lv], tr.R[lv]
    split = R > 0
    if not split.any():
        return np.full(len(cost), np.inf)
    return (cost[:, B[split]] + E[:, R[split]]).min(axis=1)


@lru_cache(maxsize=64)
def _local_to_global(k: int, s: int) -> tuple[np.ndarray, np.ndarray]:
    """Every O with |O| = s (bitmasks) and the global bitmask of each local subset of O."""
    pc = popcount(k)
    O = np.flatnonzero(pc == s).astype(np.int64)
    bits = np.array([[i for i in range(k) if o >> i & 1] for o in O], dtype=np.int64).reshape(len(O), s)
    local = np.arange(1 << s)
    G = np.zeros((len(O), 1 << s), dtype=np.int64)
    for r in range(s):
        G |= ((local[None, :] >> r) & 1) << bits[:, r : r + 1]
    return O, G


# ------------------------------------------------------------- one side
@dataclass(frozen=True)
class _Tables:
    """For one mu: block costs f, E_in over all subsets, V[O] = min G over the
    partitions with output set O, and E_O per |O| group (rows as the group's O)."""

    mu: float
    f: np.ndarray
    E_in: np.ndarray
    V: np.ndarray
    E_out: tuple[np.ndarray, ...]


class SideSearch:
    """Exact minimisation of one side's integration over directional partitions.

    ``terms[b]`` is unit b's log2(uncut / cut) indexed by the bitmask of its
    cut inputs (positions in ``inputs[b]``), as :func:`iitcore.sia._unit_terms`.
    Values here are F / sel (the integration without the selectivity factor).
    """

    def __init__(self, inputs: Sequence[Sequence[int]], terms: Sequence[np.ndarray]):
        k = len(inputs)
        self.k = k
        self.full = (1 << k) - 1
        W = np.arange(1 << k, dtype=np.int64)
        self.T = np.empty((k, 1 << k))
        for b, ins in enumerate(inputs):
            local = np.zeros_like(W)
            for r, a in enumerate(ins):
                local |= ((W >> a) & 1) << r
            self.T[b] = np.asarray(terms[b])[local]
        self.size = popcount(k)
        self.tern = _ternary(k)
        PB, PW = disjoint_pairs(k)
        g = np.zeros(len(PB))
        for b in range(k):
            g += np.where((PB >> b) & 1, self.T[b][PW], 0.0)
        self.g_sum = g  # sum_{b in B} T_b(W) at pair index tern(B) + 2 tern(W)
        self.f_sum = g[self.tern + 2 * self.tern[self.full ^ W]]
        self._groups = []  # per |O| = s: (O, global masks, pair indices, |B| |O \ B|)
        for s in range(1, k + 1):
            O, G = _local_to_global(k, s)
            pair = self.tern[G] + 2 * self.tern[O[:, None] ^ G]
            self._groups.append((s, O, G, pair, (self.size[G] * (s - self.size[G])).astype(float)))

    # -- costs for one mu
    def _f(self, mu: float) -> np.ndarray:
        return self.f_sum - mu * self.size * (self.k - self.size)

    def _block_options(self, mu: float, f: np.ndarray, O: int, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(EFFECT cost g_O, BIDIRECTIONAL cost f) of blocks B within O."""
        rest = O ^ B
        g = self.g_sum[self.tern[B] + 2 * self.tern[rest]] - mu * self.size[B] * self.size[rest]
        return g, f[B]

    def tables(self, mu: float, allowed: np.ndarray | None = None) -> _Tables:
        """The recursion's tables for one mu; ``allowed[B]`` False excludes block B."""
        k = self.k
        f = self._f(mu)
        if allowed is not None:
            f = np.where(allowed, f, np.inf)
        E_in = _partition_dp(f[None, :], k)[0]
        V = np.full(1 << k, np.inf)
        V[0] = _split_minimum(f[None, :], E_in[None, :], k)[0]
        E_out = []
        for s, O, G, pair, sizes in self._groups:
            cost = np.minimum(f[G], self.g_sum[pair] - mu * sizes)
            if allowed is not None:
                cost = np.where(allowed[G], cost, np.inf)
            E = _partition_dp(cost, s)
            V[O] = _split_minimum(cost, E, s) if s == k else E_in[self.full ^ O] + E[:, -1]
            E_out.append(E)
        return _Tables(mu, f, E_in, V, tuple(E_out))

    def _out_table(self, tables: _Tables, O: int) -> np.ndarray:
        """E_O on the global index (inf outside O)."""
        s = int(self.size[O])
        _, Os, G, _, _ = self._groups[s - 1]
        row = int(np.searchsorted(Os, O))
        out = np.full(1 << self.k, np.inf)
        out[G[row]] = tables.E_out[s - 1][row]
        return out

    def minimum(self, mu: float, allowed: np.ndarray | None = None) -> float:
        """min over partitions (with allowed blocks only) of F/sel - mu N."""
        return float(self.tables(mu, allowed).V.min())

    def first_at_most(self, limit: float) -> Theta | None:
        """The first partition in enumeration order with F/sel <= limit, or None.

        Set partitions are ordered by a tree (spec 4.2: element x is prepended,
        x = k-2 .. 0, to a block of a partition of x+1 .. k-1, in block order,
        or as a new first block); each subtree is a contiguous range of keys.
        Going down, the first child whose subtree holds such a partition is
        kept, tested by the exact minimum over that subtree (the recursion with
        only the blocks that respect the elements placed so far); at the leaf,
        the first direction assignment in product order. The first
        ``PREFIX_SCANNED`` set partitions are checked directly first."""
        k = self.k
        if self.minimum(0.0) > limit:
            return None
        for index in range(1, min(PREFIX_SCANNED, bell(k))):  # the first few directly: cheap
            labels = set_partition_of_index(k, index)
            theta = self._first_direction([sum(1 << a for a in range(k) if labels[a] == b) for b in range(labels.max() + 1)], limit)
            if theta is not None:
                return theta
        order = [1 << (k - 1)]  # blocks of the elements placed so far, generator order
        masks = np.arange(1 << k, dtype=np.int64)
        for x in range(k - 2, -1, -1):
            placed = self.full & ~((1 << x) - 1)
            children = [order[:c] + [order[c] | 1 << x] + order[c + 1 :] for c in range(len(order))]
            children.append([1 << x] + order)
            best = None
            for child in children:
                inside = masks & placed
                allowed = (inside == 0) | np.isin(inside, child)
                value = self.minimum(0.0, allowed)
                if value <= limit:
                    best = (value, child)
                    break
                if best is None or value < best[0]:
                    best = (value, child)
            order = best[1]
        return self._first_direction(order, limit)

    def _first_direction(self, order: list[int], limit: float) -> Theta | None:
        """The set partition with blocks ``order`` (generator order) under its first
        direction assignment (product order) with F/sel <= limit, or None."""
        K = len(order)
        if K < 2:
            return None
        digits = np.array(list(product(range(3), repeat=K)), dtype=np.int64).reshape(-1, K)
        blocks = np.array(order, dtype=np.int64)
        O = ((digits != CAUSE) * blocks).sum(axis=1)
        F = np.zeros(len(digits))
        for b, B in enumerate(blocks):
            rest = O & ~B
            g = self.g_sum[self.tern[B] + 2 * self.tern[rest]]
            F += np.where(digits[:, b] == EFFECT, g, self.f_sum[B])
        hits = np.flatnonzero(F <= limit)
        if not len(hits):
            return None
        return tuple((int(B), int(d)) for B, d in zip(blocks, digits[hits[0]]))

    def value(self, theta: Theta) -> tuple[float, int]:
        """(F / sel, N) of one partition, summed directly."""
        O = sum(B for B, d in theta if d != CAUSE)
        F, N = 0.0, 0
        for B, d in theta:
            cut = (self.full if d != EFFECT else O) & ~B
            N += self.size[B] * self.size[cut]
            F += sum(self.T[b][cut] for b in range(self.k) if B >> b & 1)
        return float(F), int(N)

    def solutions(self, tables: _Tables, budget: float) -> Iterator[Theta]:
        """Every partition with F/sel - mu N <= budget (mu of ``tables``)."""
        mu, f = tables.mu, tables.f
        for O in np.flatnonzero(tables.V <= budget):
            O = int(O)
            if O == 0:
                yield from (t for t, _ in self._walk(mu, f, tables.E_in, None, self.full, budget, single=False))
                continue
            E_O = self._out_table(tables, O)
            for inner, c_in in self._walk(mu, f, tables.E_in, None, self.full ^ O, budget - float(E_O[O]), True):
                for outer, _ in self._walk(mu, f, E_O, O, O, budget - c_in, single=O != self.full):
                    yield inner + outer

    def _walk(
        self, mu: float, f: np.ndarray, E: np.ndarray, O: int | None, T: int, budget: float, single: bool
    ) -> Iterator[tuple[Theta, float]]:
        """Partitions of T (CAUSE blocks if O is None, else EFFECT/BIDIRECTIONAL
        blocks within O) with cost <= budget; ``single`` allows one block."""
        if T == 0:
            yield (), 0.0
            return
        low = T & -T
        subs = _submasks(T ^ low) | low
        if not single:
            subs = subs[subs != T]
        rest = E[T ^ subs]
        if O is None:
            options = [(CAUSE, f[subs])]
        else:
            g, b = self._block_options(mu, f, O, subs)
            options = [(EFFECT, g), (BIDIRECTIONAL, b)]
        slack = 1e-12 * max(1.0, abs(budget))
        for d, cost in options:
            for i in np.flatnonzero(cost + rest <= budget + slack):
                B, c = int(subs[i]), float(cost[i])
                for tail, ct in self._walk(mu, f, E, O, T ^ B, budget - c, True):
                    yield ((B, d),) + tail, c + ct


def _submasks(mask: int) -> np.ndarray:
    bits = [1 << i for i in range(mask.bit_length()) if mask >> i & 1]
    out = np.zeros(1, dtype=np.int64)
    for b in bits:
        out = np.concatenate([out, out | b])
    return out


def ratio_minimum(side: SideSearch) -> float:
    """min over partitions of F/(sel N), by Dinkelbach's iteration."""
    F, N = side.value(((1, CAUSE), (side.full ^ 1, CAUSE)))  # any partition to start from
    mu = F / N
    while True:
        tables = side.tables(mu)
        g_min = float(tables.V.min())
        scale = 1e-12 * max(1.0, abs(mu) * side.k * side.k)
        if g_min >= -scale:
            return mu
        F, N = side.value(next(side.solutions(tables, g_min + scale)))
        if F / N >= mu:  # rounding: no strictly better ratio
            return mu
        mu = F / N


def theta_key(k: int, theta: Theta) -> int:
    """The partition's global enumeration key (see :mod:`iitcore.partitions`)."""
    labels = [next(i for i, (B, _) in enumerate(theta) if B >> a & 1) for a in range(k)]
    return set_partition_key(labels, [d for _, d in theta])


@dataclass(frozen=True)
class Candidates:
    """Partitions whose normalised phi is within tolerance of the minimum."""

    keys: np.ndarray
    values: np.ndarray  # rows: normalized, phi, phi_c, phi_e, N (as sia._search)


def first_nonpositive(cause: SideSearch, effect: SideSearch, sel_c: float, sel_e: float, threshold: float):
    """(key, values row) of the first partition in enumeration order with
    phi = min(sel_c F_c, sel_e F_e) <= threshold, or None if there is none."""
    k = cause.k
    margin = 1e-15 + 1e-12 * threshold
    found = []
    for side, sel in ((cause, sel_c), (effect, sel_e)):
        theta = side.first_at_most(np.inf if sel <= 0 else (threshold + margin) / sel)
        if theta is not None:
            found.append((theta_key(k, theta), theta))
    for key, theta in sorted(found):
        row = _values(cause, effect, sel_c, sel_e, theta)
        if row[1] <= threshold:
            return key, row
    return None


def _values(cause: SideSearch, effect: SideSearch, sel_c: float, sel_e: float, theta: Theta) -> list[float]:
    """[normalized phi, phi, phi_c, phi_e, N] of one partition."""
    Fc, N = cause.value(theta)
    Fe, _ = effect.value(theta)
    phi_c, phi_e = sel_c * Fc, sel_e * Fe
    phi = min(phi_c, phi_e)
    return [phi / N, phi, phi_c, phi_e, float(N)]


def tied_minima(cause: SideSearch, effect: SideSearch, sel_c: float, sel_e: float) -> Candidates:
    """Every partition whose normalised phi = min(sel_c F_c, sel_e F_e) / N is within
    a few tolerances of the minimum, with its exact values (requires phi > 0 throughout)."""
    k = cause.k
    lam = min(sel * ratio_minimum(side) for side, sel in ((cause, sel_c), (effect, sel_e)))
    limit = lam + 4e-13 * max(abs(lam), 1.0)
    found: dict[int, Theta] = {}
    for side, sel in ((cause, sel_c), (effect, sel_e)):
        mu = limit / sel
        for theta in side.solutions(side.tables(mu), 1e-12 * max(1.0, abs(mu) * k * k)):
            found.setdefault(theta_key(k, theta), theta)
    keys = np.array(sorted(found), dtype=np.int64)
    rows = [_values(cause, effect, sel_c, sel_e, found[int(key)]) for key in keys]
    return Candidates(keys, np.array(rows, dtype=float).T.reshape(5, len(keys)))
