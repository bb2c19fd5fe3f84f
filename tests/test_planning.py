"""The branch-and-reduce planner: same candidates and pruning counts as the enumerating planner
(recorded in tests/data/planning_base.json), brute force on random substrates, caches change nothing."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iitcore import StateUnreachableError, Substrate, complexes, plan_candidates
from iitcore.cache import cache_info, caching, clear_caches
from iitcore.candidates import CAUSE_SIDE, EFFECT_SIDE, potential_inputs, strongly_connected_subsets
from iitcore.system import effect_reachable, expand
from pipelines.families import implement, make_target
from tests.reference import network, substrate
from tests.test_complexes import random_substrate

BASE = json.loads((Path(__file__).parent / "data" / "planning_base.json").read_text())


def summary(plan) -> list[list]:
    """Pruned counts by (reason, component), as recorded."""
    totals: dict[tuple[str, tuple[int, ...]], int] = {}
    for r in plan.pruned:
        key = (r["reason"], tuple(r.get("component", ())))
        totals[key] = totals.get(key, 0) + r["count"]
    return sorted([reason, list(comp), str(count)] for (reason, comp), count in totals.items())


def accounted(plan) -> int:
    return len(plan.candidates) + sum(r["count"] for r in plan.pruned) + sum(
        c["left_out_by_bound"]["subsets_beyond_bound"] for c in plan.components if c["left_out_by_bound"]
    )


# ------------------------------------------------- the enumerating planner
@pytest.mark.parametrize("name", sorted(BASE["reference"]))
def test_reference_networks_as_the_enumerating_planner(name):
    net = network(name.split("@")[0])
    max_size = int(name.split("=")[1]) if "@" in name else None
    plan = plan_candidates(substrate(net), net["state"], max_size)
    recorded = BASE["reference"][name]
    assert [list(c) for c in plan.candidates] == recorded["candidates"]
    assert summary(plan) == recorded["pruned"] and plan.complete == recorded["complete"]
    assert accounted(plan) == 2 ** net["n_units"] - 1


def test_computer_states_as_the_enumerating_planner():
    impls = {}
    for rec in BASE["computer"]:
        key = (rec["n"], rec["seed"])
        if key not in impls:
            impls[key] = implement(make_target("random", {"n": rec["n"], "k": 2, "self_loops": False}, rec["seed"]), "computer")
        impl = impls[key]
        assert list(impl.phase_states(rec["target_state"])[rec["phase"]]) == rec["state"]
        plan = plan_candidates(impl.substrate, rec["state"])
        assert [list(c) for c in plan.candidates] == rec["candidates"], (key, rec["phase"])
        assert summary(plan) == rec["pruned"] and plan.complete
        assert accounted(plan) == 2 ** impl.substrate.n - 1


def test_five_unit_target_computer_as_the_enumerating_planner():
    """The enumerating planner took 200-250 s for this state (4 million strongly connected subsets):
    174 candidates; 3,993,919 + 2,199,019,261,622 subsets of the 41-unit component pruned."""
    impl = implement(make_target("random", {"n": 5, "k": 2, "self_loops": False}, 1), "computer")
    plan = plan_candidates(impl.substrate, impl.phase_states((1, 0, 0, 0, 0))[0])
    assert len(plan.candidates) == 174 and plan.complete
    big = [r for r in plan.pruned if r["reason"] == EFFECT_SIDE and len(r["component"]) == 41]
    assert [r["count"] for r in big] == [3_993_919 + 2_199_019_261_622]
    assert accounted(plan) == 2**580 - 1


# ------------------------------------------------------------ brute force
def strongly_connected(units: tuple[int, ...], inputs: dict[int, set[int]]) -> bool:
    """Every unit reaches every other (a single unit: a self-loop), by plain search."""
    if len(units) == 1:
        return units[0] in inputs[units[0]]
    for forward in (True, False):
        seen, todo = {units[0]}, [units[0]]
        while todo:
            u = todo.pop()
            nxt = [j for j in units if u in inputs[j]] if forward else [i for i in inputs[u] if i in units]
            for w in nxt:
                if w not in seen:
                    seen.add(w)
                    todo.append(w)
        if len(seen) < len(units):
            return False
    return True


def depends(factor: np.ndarray, axis: int, k: int) -> bool:
    grid = factor.reshape((2,) * k, order="F")
    return bool(np.any(np.take(grid, 0, axis) != np.take(grid, 1, axis)))


def brute_force(sub: Substrate, state: tuple[int, ...], max_size: int | None) -> tuple[set, dict[str, int]]:
    """Candidates and counts by reason from the definitions, subset by subset."""
    n = sub.n
    pot = potential_inputs(sub)
    used = {i for ins in pot for i in ins}
    significant = {u for u in range(n) if pot[u] and u in used}
    reach = {u: {u} for u in range(n)}
    for _ in range(n):
        for j in range(n):
            for i in pot[j]:
                if i in significant and j in significant:
                    reach[i] |= reach[j]
    same = lambda a, b: b in reach[a] and a in reach[b]  # noqa: E731
    counts: dict[str, int] = {}
    found = set()
    for k in range(1, n + 1):
        for units in combinations(range(n), k):
            if not set(units) <= significant:
                reason = "not causally significant"
            elif not all(same(units[0], u) for u in units):
                reason = "spans"
            elif k == 1 and units[0] not in pot[units[0]] and not any(same(units[0], w) for w in significant - set(units)):
                reason = "on no cycle"
            elif max_size is not None and k > max_size:
                reason = "beyond bound"
            else:
                system = expand(sub, state, units)
                sides = {}
                for side in ("effect", "cause"):
                    factors = getattr(system, side)
                    sides[side] = {
                        units[b]: {units[system.inputs[b][a]] for a in range(len(system.inputs[b]))
                                   if depends(factors[b], a, len(system.inputs[b]))}
                        for b in range(k)
                    }
                if not strongly_connected(units, sides["effect"]):
                    reason = EFFECT_SIDE
                elif not strongly_connected(units, sides["cause"]):
                    reason = CAUSE_SIDE
                elif not effect_reachable(system):
                    reason = "unreachable"
                else:
                    found.add(units)
                    continue
            counts[reason] = counts.get(reason, 0) + 1
    return found, counts


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 8), bound=st.sampled_from([None, 1, 2, 3, 5]))
def test_plan_is_brute_force(seed, n, bound):
    rng = np.random.default_rng(seed)
    sub = random_substrate(rng, n)
    state = sub.step(rng.integers(0, 2, n)) if sub.is_deterministic else tuple(rng.integers(0, 2, n).tolist())
    try:
        plan = plan_candidates(sub, state, bound)
    except StateUnreachableError:
        return
    found, counts = brute_force(sub, state, bound)
    assert set(plan.candidates) == found
    by_reason: dict[str, int] = {}
    for r in plan.pruned:
        short = next((s for s in ("not causally significant", "spans", "on no cycle") if r["reason"].startswith(s)), r["reason"])
        by_reason[short] = by_reason.get(short, 0) + r["count"]
    beyond = sum(c["left_out_by_bound"]["subsets_beyond_bound"] for c in plan.components if c["left_out_by_bound"])
    if beyond:
        by_reason["beyond bound"] = beyond
    assert by_reason == counts
    assert plan.complete == (beyond == 0)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 9), density=st.floats(0.1, 0.6), bound=st.integers(1, 9))
def test_strongly_connected_subsets_of_a_fixed_graph(seed, n, density, bound):
    rng = np.random.default_rng(seed)
    adj = rng.random((n, n)) < density
    inputs = {j: {i for i in range(n) if adj[i, j]} for j in range(n)}
    expected = {s for k in range(1, bound + 1) for s in combinations(range(n), k) if strongly_connected(s, inputs)}
    search = strongly_connected_subsets(range(n), lambda allowed: {j: [i for i in inputs[j] if i in allowed] for j in allowed}, bound)
    assert len(search.subsets) == len(set(search.subsets)) and set(search.subsets) == expected
    within = sum(1 for k in range(1, min(bound, n) + 1) for _ in combinations(range(n), k))
    assert search.left_out == within - len(expected)
    assert all(not strongly_connected(e, inputs) and len(e) <= bound for e in search.examples)


# ------------------------------------------------------------------ caches
def computer_states(n: int, seed: int, targets: int) -> tuple[Substrate, list[tuple[int, ...]]]:
    impl = implement(make_target("random", {"n": n, "k": 2, "self_loops": False}, seed), "computer")
    states = []
    for s in range(targets):
        states += impl.phase_states(tuple((s >> i) & 1 for i in range(n)))
    return impl.substrate, states


def test_caches_never_change_a_plan():
    """Every phase of two programs' computers: plans with caches (cold and warm) equal plans without."""
    runs = [computer_states(4, seed, 1) for seed in (1, 2)]
    with caching(False):
        plain = [plan_candidates(sub, s).to_dict() for sub, states in runs for s in states]
    clear_caches()
    cold = [plan_candidates(sub, s).to_dict() for sub, states in runs for s in states]
    warm = [plan_candidates(sub, s).to_dict() for sub, states in runs for s in states]
    assert plain == cold == warm
    info = cache_info()
    # one wiring for both programs; consecutive phases share components' states and background
    assert info["potential graph (by wiring)"]["misses"] == 1
    for name in info:
        assert info[name]["hits"] > info[name]["misses"] > 0, name


def test_caches_never_change_complexes():
    sub, states = computer_states(3, 3, 1)
    for s in states[:6]:
        with caching(False):
            plain = complexes(sub, s).to_dict()
        assert complexes(sub, s).to_dict() == plain == complexes(sub, s).to_dict()


def test_noisy_gate_held_by_its_background_stays_pruned():
    """Flip noise keeps an AND whose other input is held at 0 constant: A <-> B through the AND is pruned."""
    gates = [{"gate": "AND", "inputs": [1, 2]}, {"gate": "COPY", "inputs": [0]}, {"gate": "COPY", "inputs": [2]}]
    for eps in (0.0, 0.01, 0.1):
        sub = Substrate.from_gates(gates, noise=eps)
        plan = plan_candidates(sub, (0, 0, 0))
        assert plan.candidates == [(2,)]
        assert any(r["reason"] == EFFECT_SIDE and r["count"] == 3 for r in plan.pruned)
        on = plan_candidates(sub, (0, 0, 1))  # the held input is ON: the AND passes B through
        assert (0, 1) in on.candidates
