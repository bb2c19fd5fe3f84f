"""Candidate systems worth evaluating, with every left-out group accounted for.

A candidate whose *effective* connectivity is not strongly connected has
phi_s = 0: some part receives no effective input from the rest, so the
partition cutting those inputs changes nothing. An edge i -> j inside
candidate C is effective on the effect side if unit j's effect factor
(background clamped at its current state) depends on i, and on the cause
side if its cause factor (background weighted by its posterior) does.
phi_s = min(phi_c, phi_e) of the MIP, so it is 0 as soon as *either* side's
effective connectivity is not strongly connected.

Planning: (1) the *potential* connectivity keeps the edges the unit tables
actually use; candidates lie inside one of its strongly connected
components (SCCs). This depends on the wiring only and is cached by it.
(2) Inside each SCC, effect-side effectiveness is monotone: if i -> j is
effective when the inputs A of j are inside, it is effective for any larger
inside set (hold the extra inputs at their current values: the same witness
works). So for a partial choice (units ``inside`` a candidate must contain,
units ``free`` it may contain), the effective graph with inside + free all
inside bounds the graph of every completion from above. Branch and reduce:
a completion lies in the SCC of that bound containing ``inside`` (and, under
``max_size``, within ``max_size - 1`` steps of it both ways); drop the other
free units, repeat, then branch on one free unit. Every node left after
reduction (without a bound) has a strongly connected completion, inside +
free itself, so the work grows with the subsets that survive, not with the
strongly connected subsets of the potential connectivity (four million for
a 5-unit target's computer). The result depends only on the states of the
component and its inputs and is cached by them. (3) Survivors are checked
on the cause side (not monotone: the posterior changes with the candidate)
and for reachability (spec 1.5, check b).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from math import comb
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, shortest_path

from iitcore.background import posterior
from iitcore.cache import KeyedCache, wiring_key
from iitcore.errors import InvalidSubstrateError, StateUnreachableError
from iitcore.substrate import Substrate
from iitcore.system import System, effect_reachable, expand

EFFECT_SIDE = "not strongly connected under effective connectivity (effect side)"
CAUSE_SIDE = "not strongly connected under effective connectivity (cause side)"
PRUNED_EXAMPLES = 5  # candidates listed per pruned group (the count covers all of them)


@dataclass(frozen=True)
class CandidatePlan:
    """Candidates to evaluate, in the reference's order, and what was left out and why.

    ``pruned``: records with a ``reason`` and a ``count`` (exact number of
    left-out candidates), plus ``units`` (a group of units) or, for candidates
    pruned inside a component, their ``component`` and a few ``examples``.
    The effect-side record of a component also counts its subsets that are
    not strongly connected even potentially (their effective graph is a
    subgraph of the potential one). ``components``: one record per
    non-trivial SCC of the potential connectivity. ``complete`` is false when
    ``max_size`` cut any component; its record then says how many subsets
    lie beyond the bound.
    """

    candidates: list[tuple[int, ...]]
    pruned: list[dict[str, Any]]
    components: list[dict[str, Any]]
    complete: bool
    max_size: int | None
    counts: dict[str, int] = field(default_factory=dict)

    def component_of(self, units: Sequence[int]) -> dict[str, Any] | None:
        """The component record containing ``units`` (None if they span several)."""
        first = units[0]
        for comp in self.components:
            if first in comp["units"]:
                return comp if set(units) <= set(comp["units"]) else None
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "candidates": [list(c) for c in self.candidates],
            "pruned": self.pruned,
            "components": self.components,
            "complete": self.complete,
            "max_size": self.max_size,
            "counts": self.counts,
        }


def candidate_order_key(units: Sequence[int]) -> tuple:
    """The reference's candidate order: largest first, then PyPhi's reversed powerset order."""
    return (-len(units), tuple(-u for u in sorted(units, reverse=True)))


def potential_inputs(substrate: Substrate) -> tuple[tuple[int, ...], ...]:
    """For each unit, the cm inputs its table actually depends on."""
    out = []
    for ins, table in zip(substrate.inputs, substrate.tables):
        grid = table.reshape((2,) * len(ins), order="F")
        out.append(tuple(i for a, i in enumerate(ins) if np.any(np.take(grid, 0, a) != np.take(grid, 1, a))))
    return tuple(out)


# ------------------------------------------------------------ graph routines
def _reversed_csr(units: Sequence[int], inputs: Mapping[int, Sequence[int]]) -> csr_matrix:
    """Adjacency j -> i for i in ``inputs[j]`` (the graph's edges reversed), both in ``units``, local indices."""
    local = {u: a for a, u in enumerate(units)}
    indices = [local[i] for j in units for i in inputs[j] if i in local]
    indptr = np.cumsum([0] + [sum(1 for i in inputs[j] if i in local) for j in units])
    m = len(units)
    return csr_matrix((np.ones(len(indices)), np.asarray(indices, dtype=np.int32), indptr.astype(np.int32)), shape=(m, m))


def strong_components(units: Sequence[int], inputs: Mapping[int, Sequence[int]]) -> list[frozenset[int]]:
    """The SCCs that contain a cycle (several units, or one with a self-loop) of the graph
    with edges i -> j for i in ``inputs[j]``, restricted to ``units``."""
    units = sorted(units)
    if len(units) <= 1:
        return [frozenset(units)] if units and units[0] in inputs[units[0]] else []
    _, labels = connected_components(_reversed_csr(units, inputs), directed=True, connection="strong")
    groups: dict[int, list[int]] = {}
    for u, label in zip(units, labels.tolist()):
        groups.setdefault(label, []).append(u)
    return [frozenset(g) for g in groups.values() if len(g) > 1 or g[0] in inputs[g[0]]]


def _near(source: int, units: Sequence[int], inputs: Mapping[int, Sequence[int]], radius: int) -> frozenset[int]:
    """Units at most ``radius`` edges from ``source`` and back (graph restricted to ``units``)."""
    units = sorted(units)
    reverse = _reversed_csr(units, inputs)
    a = units.index(source)
    back = shortest_path(reverse, unweighted=True, indices=a)
    out = shortest_path(reverse.T.tocsr(), unweighted=True, indices=a)
    return frozenset(u for u, d, e in zip(units, out.tolist(), back.tolist()) if max(d, e) <= radius)


# ------------------------------------------------------- branch and reduce
@dataclass(frozen=True)
class SubsetSearch:
    """Outcome of :func:`strongly_connected_subsets`.

    ``subsets``: every subset (at most ``max_size`` units) strongly connected
    under its own graph, sorted tuples. ``left_out``: how many other
    non-empty subsets of at most ``max_size`` units there are. ``examples``:
    a few of those. ``nodes``: search nodes visited.
    """

    subsets: tuple[tuple[int, ...], ...]
    left_out: int
    examples: tuple[tuple[int, ...], ...]
    nodes: int


@lru_cache(maxsize=65536)
def _count(inside: int, free: int, bound: int) -> int:
    """Non-empty subsets with all of ``inside`` units and any of ``free`` units, at most ``bound`` units."""
    if inside > bound:
        return 0
    top = bound - inside
    total = 1 << free if top >= free else sum(comb(free, s) for s in range(top + 1))
    return total - (inside == 0)


def strongly_connected_subsets(
    units: Sequence[int],
    inputs_within: Callable[[frozenset[int]], Mapping[int, Sequence[int]]],
    max_size: int | None = None,
) -> SubsetSearch:
    """Every subset C of ``units`` strongly connected under the graph ``inputs_within(C)``.

    ``inputs_within(S)`` gives, for each unit j of S, its inputs in S that
    count as edges when S is the chosen subset; it must be monotone (a
    larger S never loses an edge between units it keeps). A fixed graph is
    the special case that ignores S beyond restricting to it.
    """
    bound = len(units) if max_size is None else max_size
    found: list[tuple[int, ...]] = []
    examples: list[tuple[int, ...]] = []
    left, nodes = 0, 0

    def leave(count: int, example: frozenset[int] | None) -> None:
        """Count left-out subsets; ``example`` is one of them (not strongly connected), if known."""
        nonlocal left
        left += count
        if count and example is not None and len(examples) < PRUNED_EXAMPLES and len(example) <= bound:
            examples.append(tuple(sorted(example)))

    stack: list[tuple[frozenset[int], frozenset[int]]] = [(frozenset(), frozenset(units))]
    while stack:
        inside, free = stack.pop()
        nodes += 1
        done = False  # the node was split into sub-searches or left out whole
        while True:  # reduce ``free`` to a fixed point
            allowed = inside | free
            edges = inputs_within(allowed)
            groups = strong_components(allowed, edges)
            whole = groups == [allowed]
            if not inside:
                if not whole:  # independent sub-searches, one per SCC with a cycle
                    leave(_count(0, len(allowed), bound) - sum(_count(0, len(g), bound) for g in groups), allowed)
                    stack.extend((frozenset(), g) for g in groups)
                    done = True
                break
            home = next((g for g in groups if inside <= g), None)
            if home is None:
                leave(_count(len(inside), len(free), bound), allowed)
                done = True
                break
            keep = home - inside
            if len(inside) == bound:
                keep = frozenset()
            elif len(home) > bound:
                keep &= _near(min(inside), home, edges, bound - 1)
            if keep == free:
                break
            lost = _count(len(inside), len(free), bound) - _count(len(inside), len(keep), bound)
            leave(lost, None if whole else allowed)
            free = keep
        if done:
            continue
        if not free:
            found.append(tuple(sorted(inside)))
            continue
        if inside:
            v = min((j for j in free if any(i in inside for i in edges[j])), default=min(free))
        else:
            v = min(free)
        rest = free - {v}
        stack.append((inside, rest))
        stack.append((inside | {v}, rest))
    return SubsetSearch(tuple(found), left, tuple(examples), nodes)


# ---------------------------------------------------------------- planning
@dataclass(frozen=True)
class PotentialGraph:
    """What planning needs from the wiring alone (cached by :func:`iitcore.cache.wiring_key`)."""

    inputs: tuple[tuple[int, ...], ...]  # potential inputs of each unit
    significant: tuple[int, ...]  # units with a used input and a used output
    components: tuple[tuple[int, ...], ...]  # SCCs with a cycle, among significant units
    acyclic: tuple[int, ...]  # significant units on no cycle
    spanning: int  # subsets of significant units spanning several SCCs
    closures: tuple[tuple[int, ...], ...]  # per component: its units and their potential inputs


_POTENTIAL = KeyedCache("potential graph (by wiring)", 64)
_SEARCH = KeyedCache("effect-side subsets (by wiring, component, states of it and its inputs)", 4096)
_CHECKS = KeyedCache("cause side and reachability (by wiring, candidate, states, background posteriors)", 65536)


def potential_graph(substrate: Substrate) -> PotentialGraph:
    """The potential connectivity's significant units and SCCs (cached by wiring)."""
    return _POTENTIAL.get(wiring_key(substrate), lambda: _potential_graph(substrate))


def _potential_graph(substrate: Substrate) -> PotentialGraph:
    pot_in = potential_inputs(substrate)
    used = {i for ins in pot_in for i in ins}
    significant = tuple(u for u in range(substrate.n) if pot_in[u] and u in used)
    sig = set(significant)
    sig_in = {j: tuple(i for i in pot_in[j] if i in sig) for j in significant}
    comps = sorted((tuple(sorted(c)) for c in strong_components(significant, sig_in)), key=lambda c: c[0])
    on_cycle = {u for c in comps for u in c}
    spanning = (1 << len(significant)) - 1 - sum((1 << len(c)) - 1 for c in comps) - (len(significant) - len(on_cycle))
    closures = tuple(tuple(sorted(set(c).union(*(pot_in[j] for j in c)))) for c in comps)
    acyclic = tuple(u for u in significant if u not in on_cycle)
    return PotentialGraph(pot_in, significant, tuple(comps), acyclic, spanning, closures)


class _EffectInputs:
    """Effect-side effective inputs of a unit given which of its inputs are inside (the rest clamped)."""

    def __init__(self, substrate: Substrate, state: tuple[int, ...], pot_in: tuple[tuple[int, ...], ...]):
        self.substrate, self.state, self.pot_in = substrate, state, pot_in
        self._cache: dict[tuple[int, tuple[int, ...]], tuple[int, ...]] = {}

    def __call__(self, allowed: frozenset[int]) -> dict[int, tuple[int, ...]]:
        return {j: self.of(j, tuple(i for i in self.pot_in[j] if i in allowed)) for j in allowed}

    def of(self, j: int, inside: tuple[int, ...]) -> tuple[int, ...]:
        key = (j, inside)
        if key not in self._cache:
            ins = self.substrate.inputs[j]
            grid = self.substrate.tables[j].reshape((2,) * len(ins), order="F")
            factor = grid[tuple(slice(None) if i in inside else self.state[i] for i in ins)]
            self._cache[key] = _depends_on(factor, inside)
        return self._cache[key]


def _depends_on(factor: np.ndarray, inside: tuple[int, ...]) -> tuple[int, ...]:
    """The members of ``inside`` (the factor's axes, in order) the factor depends on."""
    grid = factor.reshape((2,) * len(inside), order="F")
    return tuple(i for r, i in enumerate(inside) if np.any(np.take(grid, 0, r) != np.take(grid, 1, r)))


class _CauseSide:
    """Per (unit, its inputs inside the candidate): cause-side effective inputs and both factors."""

    def __init__(self, substrate: Substrate, state: tuple[int, ...]):
        self.substrate, self.state = substrate, state
        self._cache: dict[tuple[int, tuple[int, ...]], tuple[tuple[int, ...], np.ndarray, np.ndarray]] = {}

    def get(self, j: int, inside: tuple[int, ...]) -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
        key = (j, inside)
        if key not in self._cache:
            units = tuple(sorted(set(inside) | {j}))
            system = expand(self.substrate, self.state, units)
            a = units.index(j)
            self._cache[key] = (_depends_on(system.cause[a], inside), system.effect[a], system.cause[a])
        return self._cache[key]


def _check(units: tuple[int, ...], substrate: Substrate, state: tuple[int, ...], cause: _CauseSide) -> dict | None:
    """None if ``units`` (strongly connected on the effect side) should be evaluated, else its pruning record."""
    member = set(units)
    pos = {u: a for a, u in enumerate(units)}
    inside = {j: tuple(i for i in substrate.inputs[j] if i in member) for j in units}
    info = {j: cause.get(j, inside[j]) for j in units}
    effective = {j: info[j][0] for j in units}
    if strong_components(units, effective) != [frozenset(units)]:
        ineffective = [[i, j] for j in units for i in inside[j] if i not in effective[j] and (i != j or len(units) == 1)]
        return {"reason": CAUSE_SIDE, "units": list(units), "ineffective_edges": ineffective}
    system = System(
        units,
        tuple(state[u] for u in units),
        tuple(tuple(pos[i] for i in inside[j]) for j in units),
        tuple(info[j][1] for j in units),
        tuple(info[j][2] for j in units),
    )
    if not effect_reachable(system):
        return {"reason": "unreachable", "units": list(units),
                "detail": "no prior state of the candidate leads to its current state with the background clamped"}
    return None


def _check_key(units: tuple[int, ...], substrate: Substrate, state: tuple[int, ...]) -> tuple:
    """Everything :func:`_check` depends on: the candidate's and its inputs' states, its background's posterior."""
    member = set(units)
    post = posterior(substrate, state)
    background = []
    for j in units:
        bg = tuple(i for i in substrate.inputs[j] if i not in member)
        background.append((tuple(state[i] for i in bg), post.marginal(bg).tobytes() if bg else b""))
    return wiring_key(substrate), units, tuple(state[u] for u in units), tuple(background)


def _effect_example(units: tuple[int, ...], pot_in: tuple[tuple[int, ...], ...], effect: _EffectInputs) -> dict:
    member = set(units)
    ineffective = []
    for j in units:
        inside = tuple(i for i in pot_in[j] if i in member)
        used = effect.of(j, inside)
        ineffective += [[i, j] for i in inside if i not in used and (i != j or len(units) == 1)]
    return {"units": list(units), "ineffective_edges": ineffective}


def plan_candidates(substrate: Substrate, state: Sequence[int], max_size: int | None = None) -> CandidatePlan:
    """Candidates that can have phi_s > 0 (at most ``max_size`` units), and every group left out.

    Pruning is exact: a candidate is left out only if its phi_s is 0 for
    certain or its state is unreachable. Raises :class:`StateUnreachableError`
    if the substrate's current state itself is unreachable.
    """
    st = substrate.validate_state(state)
    n = substrate.n
    if max_size is not None and max_size < 1:
        raise InvalidSubstrateError(f"max_size must be at least 1, got {max_size}")
    bound = n if max_size is None else min(max_size, n)
    if not posterior(substrate, st).reachable:
        raise StateUnreachableError(f"state {list(st) if n <= 32 else ''} cannot be reached from any prior state")
    graph = potential_graph(substrate)
    m = len(graph.significant)
    pruned: list[dict[str, Any]] = []
    if m < n:
        pruned.append({"reason": "not causally significant (no input or no output that the unit tables use)",
                       "units": sorted(set(range(n)) - set(graph.significant)), "count": (1 << n) - (1 << m)})
    if graph.spanning:
        pruned.append({"reason": "spans several strongly connected components (of the potential connectivity)",
                       "count": graph.spanning})
    if graph.acyclic:
        pruned.append({"reason": "on no cycle (a single unit without a self-loop)", "units": list(graph.acyclic),
                       "count": len(graph.acyclic)})
    effect = _EffectInputs(substrate, st, graph.inputs)
    cause = _CauseSide(substrate, st)
    candidates, components, complete, checked, nodes = [], [], True, 0, 0
    for comp, closure in zip(graph.components, graph.closures):
        k = len(comp)
        size = min(bound, k)
        key = (wiring_key(substrate), comp, size, tuple(st[u] for u in closure))
        search = _SEARCH.get(key, lambda: strongly_connected_subsets(comp, effect, size))
        nodes += search.nodes
        checked += len(search.subsets)
        groups: dict[str, dict[str, Any]] = {}
        if search.left_out:
            groups[EFFECT_SIDE] = {"component": list(comp), "count": search.left_out,
                                   "examples": [_effect_example(u, graph.inputs, effect) for u in search.examples]}
        kept = 0
        for units in search.subsets:
            record = _CHECKS.get(_check_key(units, substrate, st), lambda: _check(units, substrate, st, cause))
            if record is None:
                candidates.append(units)
                kept += 1
                continue
            group = groups.setdefault(record["reason"], {"component": list(comp), "count": 0, "examples": []})
            group["count"] += 1
            if len(group["examples"]) < PRUNED_EXAMPLES:
                group["examples"].append({k: v for k, v in record.items() if k != "reason"})
        pruned.extend({"reason": reason, **group} for reason, group in groups.items())
        beyond = (1 << k) - 1 - _count(0, k, bound)
        complete &= beyond == 0
        components.append({
            "units": list(comp),
            "complete": beyond == 0,
            "max_size": max_size,
            "effect_strongly_connected": len(search.subsets),
            "candidates": kept,
            "left_out_by_bound": None if beyond == 0 else {
                "subsets_beyond_bound": beyond,
                "strongly_connected_at_least": 1,
                "strongly_connected_at_most": beyond,
            },
        })
    candidates.sort(key=candidate_order_key)
    counts = {"candidates": len(candidates), "enumerated": checked, "search_nodes": nodes,
              "pruned_records": len(pruned)}
    return CandidatePlan(candidates, pruned, components, complete, max_size, counts)
