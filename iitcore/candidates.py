"""Candidate systems worth evaluating, with every left-out group accounted for.

A candidate whose *effective* connectivity is not strongly connected has
phi_s = 0: some part receives no effective input from the rest, so the
partition cutting those inputs changes nothing. An edge i -> j inside
candidate C is effective on the effect side if unit j's effect factor
(background clamped at its current state) depends on i, and on the cause
side if its cause factor (background weighted by its posterior) does.
phi_s = min(phi_c, phi_e) of the MIP, so it is 0 as soon as *either* side's
effective connectivity is not strongly connected (a fortiori if their union
is not). The factors depend only on which of j's inputs lie in C, so they
are computed once per (unit, inputs inside C) and cached.

Planning: (1) the *potential* connectivity keeps the edges the unit tables
actually use; an edge that is effective in some candidate is one of these.
(2) Candidates lie inside one strongly connected component (SCC) of it.
(3) Inside each SCC, the strongly connected subsets (up to ``max_size``) are
enumerated directly by ear decomposition: a shortest cycle through the
subset's smallest unit, then ears that are shortest paths back into the
set. (4) Each enumerated subset is checked under its own effective
connectivity (each side) and for reachability (spec 1.5, check b).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import comb
from typing import Any, Iterator, Sequence

import numpy as np

from iitcore.background import posterior
from iitcore.errors import InvalidSubstrateError, StateUnreachableError
from iitcore.formalism import Formalism, as_formalism
from iitcore.substrate import Substrate
from iitcore.system import System, effect_reachable, expand


@dataclass(frozen=True)
class CandidatePlan:
    """Candidates to evaluate, in the reference's order, and what was left out and why.

    ``pruned``: records with a ``reason`` and a ``count`` (exact number of
    left-out candidates), plus ``units`` (a group of units) or, for candidates
    pruned one by one, their ``component`` and a few ``examples``. ``components``: one record per non-trivial SCC of the
    potential connectivity. ``complete`` is false when ``max_size`` cut any
    component; its record then says how many subsets lie beyond the bound.
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


def strongly_connected_components(succ: Sequence[Sequence[int]]) -> list[list[int]]:
    """Tarjan's algorithm (iterative); components as sorted lists."""
    n = len(succ)
    index, low, on_stack = [-1] * n, [0] * n, [False] * n
    stack: list[int] = []
    comps: list[list[int]] = []
    counter = 0
    for root in range(n):
        if index[root] >= 0:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack[v] = True
            if i < len(succ[v]):
                work.append((v, i + 1))
                w = succ[v][i]
                if index[w] < 0:
                    work.append((w, 0))
                elif on_stack[w]:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    comp.append(w)
                    if w == v:
                        break
                comps.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return comps


def _distances(start: int, nbrs: Sequence[Sequence[int]], allowed: set[int]) -> dict[int, int]:
    dist, frontier = {start: 0}, [start]
    while frontier:
        nxt = []
        for u in frontier:
            for w in nbrs[u]:
                if w in allowed and w not in dist:
                    dist[w] = dist[u] + 1
                    nxt.append(w)
        frontier = nxt
    return dist


def strongly_connected_subsets(
    succ: Sequence[Sequence[int]], pred: Sequence[Sequence[int]], component: Sequence[int], max_size: int
) -> Iterator[frozenset[int]]:
    """Every subset of ``component`` with 2..max_size units whose induced subgraph is strongly connected.

    Subsets are grouped by their smallest unit v. Each is reached from a
    shortest cycle through v by adding ears, each a shortest path from a
    successor of the set back into it (no chords, no early return), which
    exists for every strongly connected superset; duplicates are skipped.
    """
    comp = sorted(component)
    for v in comp:
        allowed = {u for u in comp if u >= v}
        d_out, d_in = _distances(v, succ, allowed), _distances(v, pred, allowed)
        ball = {u for u in allowed if u in d_out and u in d_in and max(d_out[u], d_in[u]) < max_size}
        if len(ball) < 2:
            continue
        out = {u: [w for w in succ[u] if w in ball and w != u] for u in ball}
        seen: set[frozenset[int]] = set()
        queue: list[frozenset[int]] = []

        def record(s: frozenset[int]) -> None:
            if s not in seen:
                seen.add(s)
                queue.append(s)

        # shortest cycles through v: stop at the first unit that returns to v
        stack = [[v]]
        while stack:
            path = stack.pop()
            earlier = set().union(*(out[p] for p in path[:-1])) if len(path) > 1 else set()
            for q in out[path[-1]]:
                if q == v or q in path or q in earlier:
                    continue
                if v in out[q]:
                    record(frozenset(path + [q]))
                elif len(path) + 1 < max_size:
                    stack.append(path + [q])
        while queue:
            s = queue.pop()
            yield s
            if len(s) >= max_size:
                continue
            starts = {w for u in s for w in out[u] if w not in s}
            stack = [[p] for p in sorted(starts)]
            while stack:
                path = stack.pop()
                last = path[-1]
                if any(w in s for w in out[last]):
                    record(s.union(path))
                    continue
                if len(s) + len(path) >= max_size:
                    continue
                earlier = set().union(*(out[p] for p in path[:-1])) if len(path) > 1 else set()
                for q in out[last]:
                    if q not in s and q not in path and q not in earlier:
                        stack.append(path + [q])


PRUNED_EXAMPLES = 5  # candidates listed per pruned group (the count covers all of them)


class _UnitFactors:
    """Per (unit, its inputs inside the candidate): effect and cause factors and the inputs each depends on."""

    def __init__(self, substrate: Substrate, state: tuple[int, ...]):
        self.substrate, self.state = substrate, state
        self._cache: dict[tuple[int, tuple[int, ...]], tuple[dict[str, frozenset[int]], np.ndarray, np.ndarray]] = {}

    def get(self, j: int, inside: tuple[int, ...]) -> tuple[dict[str, frozenset[int]], np.ndarray, np.ndarray]:
        key = (j, inside)
        if key not in self._cache:
            units = tuple(sorted(set(inside) | {j}))
            system = expand(self.substrate, self.state, units)
            a = units.index(j)
            effect, cause = system.effect[a], system.cause[a]
            effective = {side: _depends_on(f, inside) for side, f in (("effect", effect), ("cause", cause))}
            self._cache[key] = (effective, effect, cause)
        return self._cache[key]


def _depends_on(factor: np.ndarray, inside: tuple[int, ...]) -> frozenset[int]:
    grid = factor.reshape((2,) * len(inside), order="F")
    return frozenset(i for r, i in enumerate(inside) if np.any(np.take(grid, 0, r) != np.take(grid, 1, r)))


def _strongly_connected(units: tuple[int, ...], effective: dict[int, frozenset[int]]) -> bool:
    if len(units) == 1:
        return units[0] in effective[units[0]]
    succ: dict[int, list[int]] = {u: [] for u in units}
    pred: dict[int, list[int]] = {u: [] for u in units}
    for j in units:
        for i in effective[j]:
            if i != j:
                succ[i].append(j)
                pred[j].append(i)
    member = set(units)
    return len(_distances(units[0], succ, member)) == len(units) == len(_distances(units[0], pred, member))


def _check(units: tuple[int, ...], substrate: Substrate, state: tuple[int, ...], factors: _UnitFactors) -> dict | None:
    """None if ``units`` should be evaluated, else the pruning record."""
    member = set(units)
    pos = {u: a for a, u in enumerate(units)}
    inside = {j: tuple(i for i in substrate.inputs[j] if i in member) for j in units}
    info = {j: factors.get(j, inside[j]) for j in units}
    for side in ("effect", "cause"):
        effective = {j: info[j][0][side] for j in units}
        if not _strongly_connected(units, effective):
            ineffective = [[i, j] for j in units for i in inside[j] if i not in effective[j] and (i != j or len(units) == 1)]
            return {"reason": f"not strongly connected under effective connectivity ({side} side)",
                    "units": list(units), "ineffective_edges": ineffective}
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


def plan_candidates(
    substrate: Substrate, state: Sequence[int], max_size: int | None = None, *, formalism: str | Formalism | None = None
) -> CandidatePlan:
    """Candidates that can have phi_s > 0 (at most ``max_size`` units), and every group left out.

    Pruning is exact: a candidate is left out only if its phi_s is 0 for
    certain (under ``formalism``: single units when its
    ``single_units_with_self_loop_have_phi`` is false) or its state is
    unreachable. Raises :class:`StateUnreachableError` if the substrate's
    current state itself is unreachable.
    """
    monads = as_formalism(formalism).single_units_with_self_loop_have_phi
    st = substrate.validate_state(state)
    n = substrate.n
    if max_size is not None and max_size < 1:
        raise InvalidSubstrateError(f"max_size must be at least 1, got {max_size}")
    bound = n if max_size is None else min(max_size, n)
    if not posterior(substrate, st).reachable:
        raise StateUnreachableError(f"state {list(st) if n <= 32 else ''} cannot be reached from any prior state")
    pot_in = potential_inputs(substrate)
    succ: list[list[int]] = [[] for _ in range(n)]
    for j, ins in enumerate(pot_in):
        for i in ins:
            succ[i].append(j)
    pred = [list(ins) for ins in pot_in]
    significant = [u for u in range(n) if succ[u] and pred[u]]
    sigset = set(significant)
    m = len(significant)
    pruned: list[dict[str, Any]] = []
    if m < n:
        pruned.append({"reason": "not causally significant (no input or no output that the unit tables use)",
                       "units": sorted(set(range(n)) - set(significant)), "count": (1 << n) - (1 << m)})
    sig_succ = [succ[u] if u in sigset else [] for u in range(n)]
    sccs = [c for c in strongly_connected_components(sig_succ) if c[0] in sigset]
    trivial = [c[0] for c in sccs if len(c) == 1 and c[0] not in succ[c[0]]]
    nontrivial = [c for c in sccs if not (len(c) == 1 and c[0] not in succ[c[0]])]
    spanning = (1 << m) - 1 - sum((1 << len(c)) - 1 for c in sccs)
    if spanning:
        pruned.append({"reason": "spans several strongly connected components (of the potential connectivity)",
                       "count": spanning})
    if trivial:
        pruned.append({"reason": "on no cycle (a single unit without a self-loop)", "units": trivial,
                       "count": len(trivial)})
    factors = _UnitFactors(substrate, st)
    candidates, components, complete = [], [], True
    for comp in nontrivial:
        k = len(comp)
        found = [frozenset([u]) for u in comp if u in succ[u]]
        if k > 1 and bound > 1:
            found += list(strongly_connected_subsets(succ, pred, comp, bound))
        within = sum(comb(k, s) for s in range(1, min(bound, k) + 1))
        kept = 0
        groups: dict[str, dict[str, Any]] = {}
        for s in found:
            units = tuple(sorted(s))
            if len(units) == 1 and not monads:
                record = {"reason": "a single unit (the formalism gives single units no phi_s)", "units": list(units)}
            else:
                record = _check(units, substrate, st, factors)
            if record is None:
                candidates.append(units)
                kept += 1
                continue
            group = groups.setdefault(record.pop("reason"), {"component": comp, "count": 0, "examples": []})
            group["count"] += 1
            if len(group["examples"]) < PRUNED_EXAMPLES:
                group["examples"].append(record)
        pruned.extend({"reason": reason, **group} for reason, group in groups.items())
        if within > len(found):
            pruned.append({"reason": "not strongly connected (potential connectivity)", "component": comp,
                           "count": within - len(found)})
        beyond = (1 << k) - 1 - within
        complete &= beyond == 0
        components.append({
            "units": comp,
            "complete": beyond == 0,
            "max_size": max_size,
            "strongly_connected_subsets": len(found),
            "candidates": kept,
            "left_out_by_bound": None if beyond == 0 else {
                "subsets_beyond_bound": beyond,
                "strongly_connected_at_least": 1,
                "strongly_connected_at_most": beyond,
            },
        })
    candidates.sort(key=candidate_order_key)
    counts = {"candidates": len(candidates), "enumerated": sum(c["strongly_connected_subsets"] for c in components),
              "pruned_records": len(pruned)}
    return CandidatePlan(candidates, pruned, components, complete, max_size, counts)
