"""Posterior of the substrate's prior state given its whole current state.

The cause TPM of a candidate system weights the prior state of the
background by its posterior given the *whole* current state (spec 1.5,
uniform prior over prior states). That posterior does not depend on the
candidate, only on which background units feed it, so it is computed once
per (substrate, state) and marginalised on demand.

Small substrates enumerate all 2^n prior states. Larger ones use exact
inference on the two-time-slice factor graph: one variable per unit's prior
state, one factor per unit, ``P(u_j | prior states of j's inputs)``.
Constraint propagation through the factors' zeros first pins the priors
that deterministic units fix; the remaining factors split into independent
components, and each queried component gets a junction tree built from a
min-fill elimination order (bounded by a maximum width, past which
:class:`EliminationWidthError` is raised; there is no approximate fallback).
"""

from __future__ import annotations

import heapq
from functools import cached_property, lru_cache
from itertools import combinations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from iitcore.cache import KeyedCache, register_memo, wiring_key
from iitcore.errors import EliminationWidthError, InvalidSubstrateError, StateUnreachableError
from iitcore.substrate import Substrate, le_states

MAX_BRUTE_FORCE_UNITS = 20
BRUTE_FORCE_UNITS = 12  # ``posterior`` enumerates up to this many units, eliminates above
MAX_ELIMINATION_WIDTH = 20  # default bound on the number of neighbours of an eliminated variable

Factor = tuple[tuple[int, ...], np.ndarray]  # (variables, table with one axis of length 2 per variable)


def _unreachable(state: tuple[int, ...]) -> StateUnreachableError:
    shown = list(state) if len(state) <= 32 else f"of {len(state)} units"
    return StateUnreachableError(f"state {shown} cannot be reached from any prior state of the substrate")


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
        self.state = state
        self.total = float(likelihood.sum())
        self._grid = likelihood.reshape([2] * n, order="F") if n else likelihood
        self._cache: dict[tuple[int, ...], np.ndarray] = {}

    @property
    def reachable(self) -> bool:
        return self.total > 0.0

    def marginal(self, units: tuple[int, ...]) -> np.ndarray:
        """Joint posterior of the prior states of ``units`` (sorted), little-endian."""
        if not self.reachable:
            raise _unreachable(self.state)
        if units not in self._cache:
            others = tuple(i for i in range(self.n) if i not in units)
            m = self._grid.sum(axis=others) if others else self._grid
            table = np.asarray(m, float).reshape(-1, order="F") / self.total
            table.setflags(write=False)
            self._cache[units] = table
        return self._cache[units]


# ------------------------------------------------------------ elimination
def _contract(factors: list[Factor], out: tuple[int, ...]) -> np.ndarray:
    """Sum over all variables not in ``out`` of the product of ``factors`` (axes in ``out`` order)."""
    if len(factors) > 8:  # einsum takes a limited number of operands: fold the first eight into one table
        head = factors[:8]
        union = tuple(dict.fromkeys(v for vs, _ in head for v in vs))
        factors = [(union, _contract(head, union))] + factors[8:]
        return _contract(factors, out)
    local: dict[int, int] = {}
    args: list = []
    for vs, table in factors:
        args += [table, [local.setdefault(v, len(local)) for v in vs]]
    missing = tuple(v for v in out if v not in local)
    if missing:  # the product does not depend on these variables
        args += [np.ones((2,) * len(missing)), [local.setdefault(v, len(local)) for v in missing]]
    if not args:
        return np.ones(())
    return np.einsum(*args, [local[v] for v in out])


def _normalised(table: np.ndarray) -> np.ndarray:
    total = table.sum()
    return table / total if total > 0.0 else table


def _min_fill_order(
    scopes: list[tuple[int, ...]], keep: frozenset[int], max_width: int, what: str
) -> list[tuple[int, tuple[int, ...]]]:
    """Greedy min-fill (then min-degree, then index) elimination of every variable not in ``keep``.

    Returns ``(variable, its neighbours when eliminated)`` pairs in order;
    raises :class:`EliminationWidthError` if a variable would have more than
    ``max_width`` neighbours.
    """
    adj: dict[int, set[int]] = {}
    for scope in scopes:
        for v in scope:
            adj.setdefault(v, set()).update(scope)
    for v, ns in adj.items():
        ns.discard(v)

    def score(v: int) -> tuple[int, int, int]:
        ns = adj[v]
        fill = sum(1 for a, b in combinations(ns, 2) if b not in adj[a])
        return fill, len(ns), v

    current = {v: score(v) for v in adj if v not in keep}
    heap = list(current.values())
    heapq.heapify(heap)
    order = []
    while heap:
        key = heapq.heappop(heap)
        v = key[2]
        if current.get(v) != key:
            continue
        del current[v]
        ns = adj.pop(v)
        if len(ns) > max_width:
            raise EliminationWidthError(
                f"exact background inference for {what} needs elimination width {len(ns)} "
                f"(> max_width {max_width}, min-fill order); raise max_width or use a smaller substrate"
            )
        order.append((v, tuple(sorted(ns))))
        for a in ns:
            adj[a].discard(v)
            adj[a].update(ns - {a})
        affected = set(ns).union(*(adj[a] for a in ns)) if ns else set()
        for u in affected:
            if u in current:
                current[u] = score(u)
                heapq.heappush(heap, current[u])
    return order


def _eliminate(factors: list[Factor], keep: tuple[int, ...], max_width: int, what: str) -> np.ndarray:
    """Normalised marginal over ``keep`` of the product of ``factors`` by variable elimination."""
    order = _min_fill_order([vs for vs, _ in factors], frozenset(keep), max_width, what)
    pool = list(factors)
    for v, ns in order:
        touching = [f for f in pool if v in f[0]]
        pool = [f for f in pool if v not in f[0]]
        pool.append((ns, _normalised(_contract(touching, ns))))
    return _normalised(_contract(pool, keep))


class _JunctionTree:
    """Calibrated clique tree of one connected component of the reduced factor graph.

    Clique ``C_v = {v} + sep[v]`` is formed when v is eliminated; the upward
    message of v is the usual elimination message over ``sep[v]``. Downward
    messages are computed on demand, so a query costs one path from the root.
    """

    def __init__(self, factors: list[Factor], max_width: int, what: str):
        self.factors, self.max_width = factors, max_width
        self._joints: dict[tuple[int, ...], np.ndarray] = {}
        self.order = _min_fill_order([vs for vs, _ in factors], frozenset(), max_width, what)
        self.pos = {v: i for i, (v, _) in enumerate(self.order)}
        self.sep = dict(self.order)
        self.parent = {v: min(ns, key=self.pos.__getitem__) if ns else None for v, ns in self.order}
        self.children: dict[int, list[int]] = {v: [] for v, _ in self.order}
        for v, p in self.parent.items():
            if p is not None:
                self.children[p].append(v)
        self.assigned: dict[int, list[Factor]] = {v: [] for v, _ in self.order}
        for f in factors:
            self.assigned[min(f[0], key=self.pos.__getitem__)].append(f)
        self.up: dict[int, Factor] = {}
        self.zero = False
        for v, ns in self.order:
            msg = _contract(self.assigned[v] + [self.up[c] for c in self.children[v]], ns)
            self.zero |= not msg.sum() > 0.0
            self.up[v] = (ns, _normalised(msg))
        self.down: dict[int, Factor] = {}

    def _incoming(self, v: int, skip: int | None = None) -> list[Factor]:
        msgs = self.assigned[v] + [self.up[c] for c in self.children[v] if c != skip]
        if self.parent[v] is not None:
            msgs.append(self._down(v))
        return msgs

    def _down(self, v: int) -> Factor:
        """Message from v's parent into v's clique, over ``sep[v]``."""
        path = []
        while v not in self.down and self.parent[v] is not None:
            path.append(v)
            v = self.parent[v]
        for w in reversed(path):
            p = self.parent[w]
            self.down[w] = (self.sep[w], _normalised(_contract(self._incoming(p, skip=w), self.sep[w])))
        return self.down[path[0]] if path else self.down[v]

    def clique_of(self, units: tuple[int, ...]) -> int | None:
        """A variable whose clique contains all of ``units``, if any."""
        v = min(units, key=self.pos.__getitem__)
        return v if set(units) <= {v, *self.sep[v]} else None

    def marginal(self, units: tuple[int, ...]) -> np.ndarray:
        """Normalised joint over ``units``, which must lie in one clique."""
        v = self.clique_of(units)
        return _normalised(_contract(self._incoming(v), units))

    def joint(self, units: tuple[int, ...], what: str) -> np.ndarray:
        """Normalised joint over ``units`` (from a clique, else by elimination), remembered."""
        if units not in self._joints:
            if self.clique_of(units) is not None:
                self._joints[units] = self.marginal(units)
            else:
                self._joints[units] = _eliminate(self.factors, units, self.max_width, what)
        return self._joints[units]


def _arc_consistency(n: int, factors: list[Factor]) -> np.ndarray | None:
    """Generalised arc consistency on the factors' supports: each variable's possible prior values.

    Rounds over every factor whose variables changed, vectorised per arity
    (the fixed point is the unique largest consistent one, whatever the
    order). None if some factor has no support left (a wipe-out).
    """
    domain = np.ones((n, 2), dtype=bool)
    by_arity: dict[int, list[int]] = {}
    for f, (vs, table) in enumerate(factors):
        if not np.all(table > 0.0):
            by_arity.setdefault(len(vs), []).append(f)
    groups = []
    for k, members in sorted(by_arity.items()):
        if k == 0:
            return None  # a constant factor that is zero
        scopes = np.array([factors[f][0] for f in members], dtype=np.int64)
        support = np.stack([factors[f][1].reshape(-1, order="F") > 0.0 for f in members])
        groups.append((scopes, support, le_states(k).astype(bool)))
    active = [np.ones(len(scopes), dtype=bool) for scopes, _, _ in groups]
    while any(a.any() for a in active):
        before = domain.copy()
        for (scopes, support, bits), act in zip(groups, active):
            vs, allowed = scopes[act], support[act]
            for a in range(vs.shape[1]):
                allowed = allowed & before[vs[:, a]][:, bits[:, a].astype(np.int64)]
            if not allowed.any(axis=1).all():
                return None
            for a in range(vs.shape[1]):
                for b in (0, 1):
                    seen = allowed[:, bits[:, a] == bool(b)].any(axis=1)
                    np.logical_and.at(domain[:, b], vs[:, a], seen)
        changed = np.any(domain != before, axis=1)
        active = [changed[scopes].any(axis=1) for scopes, _, _ in groups]
    return domain


_TREES = KeyedCache("junction trees (by wiring and reduced factors)", 512)


class EliminationPosterior:
    """Exact posterior by constraint propagation and variable elimination (large substrates).

    The junction tree of each component of the reduced factor graph is
    shared through a cache keyed by exactly what its factors are made of:
    each unit's table, its current state and the pinned values of its
    pinned inputs (consecutive phases of a computer share most of them).
    """

    def __init__(self, substrate: Substrate, state: tuple[int, ...], max_width: int = MAX_ELIMINATION_WIDTH):
        self.n = substrate.n
        self.state = state
        self.max_width = max_width
        self.wiring = wiring_key(substrate)
        factors = []
        for j, (ins, table) in enumerate(zip(substrate.inputs, substrate.tables)):
            like = table if state[j] else 1.0 - table
            factors.append((ins, like.reshape((2,) * len(ins), order="F") if ins else like.reshape(())))
        domain = _arc_consistency(self.n, factors)
        self.impossible = domain is None
        self.domain = np.ones((self.n, 2), dtype=bool) if domain is None else domain
        self.pinned = {} if domain is None else {v: int(d[1]) for v, d in enumerate(domain) if d.sum() == 1}
        reduced = [] if self.impossible else [self._reduce(f) for f in factors]
        self.impossible |= any(not t.sum() > 0.0 for vs, t in reduced if not vs)
        keys = [
            (j, state[j], tuple((i, self.pinned[i]) for i in substrate.inputs[j] if i in self.pinned))
            for j, (vs, _) in enumerate(reduced) if vs
        ]
        self.components, self.component_of, self.component_keys = self._split([f for f in reduced if f[0]], keys)
        self.trees: dict[int, _JunctionTree] = {}
        self._cache: dict[tuple[int, ...], np.ndarray] = {}

    def _reduce(self, factor: Factor) -> Factor:
        vs, table = factor
        index = tuple(self.pinned.get(v, slice(None)) for v in vs)
        return tuple(v for v in vs if v not in self.pinned), table[index]

    @staticmethod
    def _split(factors: list[Factor], keys: list[tuple]) -> tuple[list[list[Factor]], dict[int, int], list[tuple]]:
        """Connected components of the factor graph (scipy.sparse.csgraph over variables).

        Components are ordered by their first factor, factors keep their order;
        ``keys`` (one per factor) are collected per component.
        """
        variables = sorted({v for vs, _ in factors for v in vs})
        local = {v: a for a, v in enumerate(variables)}
        rows = [local[vs[0]] for vs, _ in factors for _ in vs]
        cols = [local[v] for vs, _ in factors for v in vs]
        m = len(variables)
        graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(m, m))
        _, labels = connected_components(graph, directed=False)
        label: dict[int, int] = {}
        components: list[list[Factor]] = []
        component_keys: list[list] = []
        for f, key in zip(factors, keys):
            c = label.setdefault(int(labels[local[f[0][0]]]), len(components))
            if c == len(components):
                components.append([])
                component_keys.append([])
            components[c].append(f)
            component_keys[c].append(key)
        component_of = {v: label[int(labels[a])] for v, a in local.items()}
        return components, component_of, [tuple(k) for k in component_keys]

    # ------------------------------------------------------- queries
    def _tree(self, c: int, what: str) -> _JunctionTree:
        if c not in self.trees:
            key = (self.wiring, self.max_width, self.component_keys[c])
            self.trees[c] = _TREES.get(key, lambda: _JunctionTree(self.components[c], self.max_width, what))
        return self.trees[c]

    @cached_property
    def reachable(self) -> bool:
        """Whether the current state has positive probability (exact zero check per component)."""
        if self.impossible:
            return False
        for c, factors in enumerate(self.components):
            if all(np.all(t > 0.0) for _, t in factors):
                continue  # a product of positive factors cannot vanish
            units = sorted({v for vs, _ in factors for v in vs})
            shown = units if len(units) <= 12 else f"{units[:12]}... ({len(units)} units)"
            if self._tree(c, f"the reachability check of component {shown}").zero:
                return False
        return True

    def marginal(self, units: tuple[int, ...]) -> np.ndarray:
        """Joint posterior of the prior states of ``units`` (sorted), little-endian."""
        if not self.reachable:
            raise _unreachable(self.state)
        if units not in self._cache:
            pieces: list[Factor] = []
            by_component: dict[int, list[int]] = {}
            for u in units:
                if u in self.pinned:
                    pieces.append(((u,), np.eye(2)[self.pinned[u]]))
                elif u in self.component_of:
                    by_component.setdefault(self.component_of[u], []).append(u)
            for c, group in by_component.items():
                what = f"units {list(units)}"
                group_t = tuple(group)
                pieces.append((group_t, self._tree(c, what).joint(group_t, what)))
            table = _normalised(_contract(pieces, units)).reshape(-1, order="F")  # units in no factor stay uniform
            table.setflags(write=False)
            self._cache[units] = table
        return self._cache[units]


@lru_cache(maxsize=64)  # a work unit's candidates come from a few states; keep theirs
def _posterior(
    substrate: Substrate, state: tuple[int, ...], method: str, max_width: int
) -> BruteForcePosterior | EliminationPosterior:
    if method == "brute" or (method == "auto" and substrate.n <= BRUTE_FORCE_UNITS):
        return BruteForcePosterior(substrate, state)
    return EliminationPosterior(substrate, state, max_width)


register_memo("posteriors (by substrate object and state)", _posterior)


def posterior(
    substrate: Substrate, state: tuple[int, ...], *, method: str = "auto", max_width: int | None = None
) -> BruteForcePosterior | EliminationPosterior:
    """The cached posterior for a (substrate, state) pair.

    ``method``: "auto" (enumeration up to ``BRUTE_FORCE_UNITS`` units, exact
    elimination above), "brute" or "elimination". ``max_width`` bounds the
    elimination width (default ``MAX_ELIMINATION_WIDTH``, read at call time).
    """
    if method not in ("auto", "brute", "elimination"):
        raise ValueError(f"method must be 'auto', 'brute' or 'elimination', got {method!r}")
    return _posterior(substrate, tuple(state), method, MAX_ELIMINATION_WIDTH if max_width is None else max_width)
