"""Candidate planning, exclusion and complexes against the PyPhi reference and brute force."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iitcore import Substrate, Unreachable, complexes, evaluate_candidates, exclusion, maximal_complex, plan_candidates
from iitcore.candidates import candidate_order_key
from tests.reference import close, network, networks, substrate

FEAT = "pyphi-feature-iit4"
NETWORKS = [n for n in networks() if n["results"].get("complexes")]


def all_subsets(n: int) -> list[tuple[int, ...]]:
    return sorted((c for k in range(1, n + 1) for c in combinations(range(n), k)), key=candidate_order_key)


# ------------------------------------------------------------ reference
@pytest.mark.parametrize("net", NETWORKS, ids=lambda n: n["name"])
def test_every_subset_matches_reference(net):
    """All subsets evaluated: the same reachable candidates, in order, with the same phi_s."""
    ref = net["results"]["complexes"]
    out = evaluate_candidates(substrate(net), net["state"], all_subsets(net["n_units"]), compat=FEAT)
    reachable = [e for e in out if not isinstance(e, Unreachable)]
    assert [list(e.units) for e in reachable] == [c["nodes"] for c in ref["candidate_systems"]]
    assert sorted(list(e.units) for e in out if isinstance(e, Unreachable)) == sorted(
        ref["unreachable_candidate_systems"]
    )
    for ours, theirs in zip(reachable, ref["candidate_systems"]):
        assert close(ours.phi, max(theirs["phi_s"], 0.0)), ours.units


@pytest.mark.parametrize("net", NETWORKS, ids=lambda n: n["name"])
def test_plan_prunes_only_zero_or_unreachable(net):
    ref = net["results"]["complexes"]
    phi = {tuple(c["nodes"]): max(c["phi_s"], 0.0) for c in ref["candidate_systems"]}
    unreachable = {tuple(u) for u in ref["unreachable_candidate_systems"]}
    plan = plan_candidates(substrate(net), net["state"])
    assert plan.complete and set(plan.candidates) <= set(phi)
    assert plan.candidates == sorted(plan.candidates, key=candidate_order_key)
    for units, value in phi.items():
        if units not in plan.candidates:
            assert close(0.0, value), units
    for record in plan.pruned:
        if record["reason"] == "unreachable":
            assert 1 <= len(record["examples"]) <= record["count"]
            assert all(tuple(e["units"]) in unreachable for e in record["examples"])
    assert _accounted(plan) == 2 ** net["n_units"] - 1


@pytest.mark.parametrize("net", NETWORKS, ids=lambda n: n["name"])
def test_complexes_match_reference(net):
    ref = net["results"]["complexes"]
    res = complexes(substrate(net), net["state"], compat=FEAT)
    assert [list(c.units) for c in res] == [c["nodes"] for c in ref["complexes"]]
    for ours, theirs in zip(res, ref["complexes"]):
        assert close(ours.phi, theirs["phi_s"]) and ours.complete and ours.sia.units == ours.units
    assert res.exclusion.ambiguous == ref["complexes_ambiguous_due_to_ties"]
    top = maximal_complex(substrate(net), net["state"], compat=FEAT)
    if ref["maximal_complex"] is None:
        assert top is None
    else:
        assert list(top.units) in ref["maximal_complex_ties"] and top.complete
        assert close(top.phi, ref["maximal_complex"]["phi_s"])


def test_default_compat_agrees_where_no_state_ties():
    """R-main mode (default) gives the same complexes on networks without system-state ties."""
    for net in NETWORKS:
        ref = net["results"]["complexes"]
        if any(c["cause_state"] and c.get("num_ties") for c in ref["candidate_systems"]):
            continue
        res = complexes(substrate(net), net["state"])
        for c in res:
            assert c.phi >= 0.0 and c.sia.compat == "iit4_2023"


def _accounted(plan) -> int:
    """Candidates plus every pruned count/record plus subsets beyond the bound."""
    total = len(plan.candidates)
    for r in plan.pruned:
        total += r.get("count", 1)
    for comp in plan.components:
        if comp["left_out_by_bound"]:
            total += comp["left_out_by_bound"]["subsets_beyond_bound"]
    return total


# ------------------------------------------------------- brute force
def random_substrate(rng: np.random.Generator, n: int) -> Substrate:
    """Sparse random gates, some noisy, some with self-loops or unused cm inputs."""
    tables, inputs = [], []
    for _ in range(n):
        k = int(rng.integers(0, min(n, 3) + 1))
        ins = sorted(rng.choice(n, k, replace=False).tolist())
        table = rng.integers(0, 2, 1 << k).astype(float)
        if rng.random() < 0.5:
            table = np.abs(table - rng.choice([0.05, 0.2, 0.4]))
        if k and rng.random() < 0.2:  # an input the table ignores
            table = np.repeat(table.reshape(-1, 1 << (k - 1), order="F")[0], 2) if k > 1 else np.full(2, table[0])
        tables.append(table)
        inputs.append(ins)
    return Substrate.from_units(tables, inputs)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 8))
def test_pruning_never_removes_a_positive_candidate(seed, n):
    rng = np.random.default_rng(seed)
    sub = random_substrate(rng, n)
    state = sub.step(rng.integers(0, 2, n)) if sub.is_deterministic else tuple(rng.integers(0, 2, n).tolist())
    try:
        plan = plan_candidates(sub, state)
    except Exception as exc:  # an unreachable substrate state: every candidate is skipped
        assert type(exc).__name__ == "StateUnreachableError"
        return
    assert _accounted(plan) == 2**n - 1
    planned = set(plan.candidates)
    for e in evaluate_candidates(sub, state, all_subsets(n)):
        if isinstance(e, Unreachable):
            continue
        if e.is_positive:
            assert e.units in planned, e.units


# ------------------------------------------------------------ exclusion
@dataclass(frozen=True)
class Fake:
    units: tuple[int, ...]
    phi: float


def test_exclusion_phi_ties_and_chains():
    a, b, c, d = Fake((0, 1), 1.0), Fake((1, 2), 1.0), Fake((2, 3), 1.0), Fake((3,), 0.5)
    # without Phi: candidate order (reference data); a-b-c chain, c is disjoint from the first chosen
    first = sorted([a, b, c], key=lambda x: candidate_order_key(x.units))[0]
    res = exclusion([a, b, c, d])
    assert res.ambiguous and res.ties[0]["resolved_by"].startswith("candidate order")
    assert first in res.complexes
    # with Phi: the unique max wins, the rest of the component is excluded (spec 5.2)
    calls = []
    res = exclusion([a, b, c, d], big_phi=lambda u: calls.append(u) or {(0, 1): 1.0, (1, 2): 3.0, (2, 3): 2.0}[u])
    assert [x.units for x in res.complexes] == [(1, 2), (3,)] and sorted(calls) == [(0, 1), (1, 2), (2, 3)]
    # Phi tied: none of the component; a lower candidate takes the units
    res = exclusion([a, b, Fake((1,), 0.2)], big_phi=lambda u: 1.0)
    assert [x.units for x in res.complexes] == [(1,)] and res.ties[0]["accepted"] == []
    reasons = {tuple(e["units"]): e["reason"] for e in res.excluded}
    assert "undecided" in reasons[(0, 1)]


def test_exclusion_reports_every_candidate():
    evaluated = [Fake((0,), 0.0), Fake((0, 1), 2.0), Fake((1,), 1.0), Unreachable((2,), "x")]
    res = exclusion(evaluated)
    assert [x.units for x in res.complexes] == [(0, 1)] and not res.ambiguous
    assert {tuple(e["units"]) for e in res.excluded} == {(0,), (1,)}


def test_dual_and_xor_pairs():
    """Spec 9.3: complexes {A1,X1} and {A2,X2}, phi_s = 2 each."""
    gates = [
        {"gate": "AND", "inputs": [0, 1]}, {"gate": "XOR", "inputs": [0, 1]},
        {"gate": "AND", "inputs": [2, 3]}, {"gate": "XOR", "inputs": [2, 3]},
    ]
    res = complexes(Substrate.from_gates(gates, ["A1", "X1", "A2", "X2"]), (1, 0, 1, 0))
    assert sorted((c.units, c.phi) for c in res) == [((0, 1), 2.0), ((2, 3), 2.0)]
    assert {tuple(e["units"]) for e in res.exclusion.excluded if "overlaps" in e["reason"]} == {(1,), (3,)}


def test_max_size_bound_is_reported():
    n = 6
    gates = [{"gate": "XOR", "inputs": [(j - 1) % n, (j + 2) % n]} for j in range(n)]
    sub = Substrate.from_gates(gates, noise=0.1)
    full = plan_candidates(sub, (1, 0, 0, 1, 0, 0))
    bounded = plan_candidates(sub, (1, 0, 0, 1, 0, 0), max_size=3)
    assert full.complete and not bounded.complete
    assert bounded.candidates == [c for c in full.candidates if len(c) <= 3]
    comp = bounded.components[0]
    assert not comp["complete"] and comp["max_size"] == 3
    assert comp["left_out_by_bound"]["subsets_beyond_bound"] == 2**6 - 1 - 6 - 15 - 20
    res = complexes(sub, (1, 0, 0, 1, 0, 0), max_size=3)
    assert all(not c.complete for c in res) and (res.maximal is None or not res.maximal.complete)
    assert _accounted(bounded) == 2**n - 1


# --------------------------------------------------------------- scale
def modular_substrate() -> tuple[Substrate, tuple[int, ...], list[tuple[int, ...]], list[tuple[int, ...]]]:
    """200 units: noisy cycles, feed-forward chains and memory cells (self-loop, write-enable)."""
    rng = np.random.default_rng(7)
    gates, cycles, cells, state = [], [], [], []
    while len(gates) < 195:
        base, kind = len(gates), rng.integers(3)
        if kind == 0:  # cycle of 2-4 noisy COPY/NOT units
            size = int(rng.integers(2, 5))
            for j in range(size):
                gates.append({"gate": str(rng.choice(["COPY", "NOT"])), "inputs": [base + (j - 1) % size], "noise": 0.1})
            cycles.append(tuple(range(base, base + size)))
            state += rng.integers(0, 2, size).tolist()
        elif kind == 1:  # chain: a source and two copies
            gates += [{"gate": "CONST1"}, {"gate": "COPY", "inputs": [base]}, {"gate": "COPY", "inputs": [base + 1]}]
            state += [1, 1, 1]
        else:  # memory cell m' = we ? d : m, with constant write-enable and data
            we = int(rng.integers(2))
            gates += [{"gate": "CONST1" if we else "CONST0"}, {"gate": "CONST1"},
                      {"gate": "MUX", "inputs": [base, base + 2, base + 1], "noise": 0.05}]
            cells.append(((base + 2,), we))
            state += [we, 1, int(rng.integers(2))]
    gates += [{"gate": "CONST0"}] * (200 - len(gates))
    state += [0] * (200 - len(state))
    return Substrate.from_gates(gates), tuple(state), cycles, [c for c, we in cells if not we]


def test_large_substrate_complexes_are_the_cycles_and_memory_cells():
    sub, state, cycles, held = modular_substrate()
    res = complexes(sub, state)
    found = {c.units for c in res}
    # a written cell's self-loop is ineffective on the effect side (write-enable clamped ON), though
    # not on the cause side (its prior write-enable is inferred): phi_e, hence phi_s, is 0
    assert set(res.plan.candidates) == set(cycles) | set(held)
    assert any("effect side" in r["reason"] for r in res.plan.pruned)
    assert len(res.evaluated) == len(res.plan.candidates) <= 2 * max(len(found), 1)
    assert found == {e.units for e in res.evaluated if e.is_positive}
    assert found and res.complete and all(c.complete for c in res)


def test_default_mode_resolves_overlapping_ties_by_phi():
    """Spec 5.2 (R-main): BC, AC and AB tie in phi_s and in Phi, so none of them is a
    complex and the search moves on to the singletons; the reference branch takes
    candidate order instead."""
    net = network("logistic3_k8")
    sub = substrate(net)
    default = complexes(sub, net["state"])
    assert [c.units for c in default] == [(2,), (1,), (0,)]
    tie = default.exclusion.ties[0]
    assert tie["resolved_by"] == "Phi" and tie["accepted"] == []
    assert len(set(round(v, 9) for v in tie["Phi"])) == 1
    feat = complexes(sub, net["state"], compat="pyphi-feature-iit4")
    assert [c.units for c in feat] == [tuple(c["nodes"]) for c in net["results"]["complexes"]["complexes"]]
