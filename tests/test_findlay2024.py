"""Findlay et al. 2024: the published showcase values, the ring computer on both targets, isolated subgraphs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import iitcore
from iitcore import InvalidSubstrateError, Substrate
from iitcore.isolated import isolated_phi_structure, plan_isolated
from pipelines.families import FamilyError, implement, make_target, wiring_fingerprint

FEAT = "pyphi-feature-iit4"  # the reference branch the authors computed with
PUBLISHED = json.loads((Path(__file__).parent / "data" / "findlay2024.json").read_text())["networks"]
PHI_TOL, BIG_PHI_TOL = 1e-9, 0.005


def target(name: str):
    return make_target(f"findlay2024:{name}")


def names(labels, units) -> str:
    return "".join(labels[u] for u in units)


@pytest.mark.parametrize("name", ["pqrs", "wxyz"])
def test_shipped_targets_are_the_published_tpms(name):
    t = target(name)
    assert t.labels == tuple(PUBLISHED[name]["labels"])
    assert np.array_equal(t.substrate.tpm(), np.array(PUBLISHED[name]["tpm"], dtype=float))
    assert tuple(t.info["state"]) == tuple(PUBLISHED[name]["showcase"]["state"])
    assert all(len(ins) == 4 for ins in t.substrate.inputs)  # full connectivity, as the authors' networks
    assert t.id == target(name).id != target("wxyz" if name == "pqrs" else "pqrs").id


def test_unknown_findlay_target_is_named():
    with pytest.raises(FamilyError, match="no Findlay et al. 2024 target 'abcd'"):
        make_target("findlay2024:abcd")
    with pytest.raises(FamilyError, match="suffix"):
        make_target("findlay2024")


def test_pqrs_showcase_as_published():
    pub, t = PUBLISHED["pqrs"]["showcase"], target("pqrs")
    state = tuple(pub["state"])
    (whole,) = iitcore.complexes(t.substrate, state, formalism=FEAT)
    s = whole.sia
    assert names(t.labels, whole.units) == "".join(pub["complex"])
    assert s.phi == pytest.approx(pub["phi_s"], abs=PHI_TOL)
    assert s.normalized_phi == pytest.approx(pub["normalized_phi_s"], abs=PHI_TOL)
    assert s.cause_state.state == tuple(pub["cause_state"]) and s.effect_state.state == tuple(pub["effect_state"])
    assert s.cause_state.ii == pytest.approx(pub["ii_cause"], abs=PHI_TOL)
    assert s.effect_state.ii == pytest.approx(pub["ii_effect"], abs=PHI_TOL)
    assert sorted(names(t.labels, p) for p in s.partition.parts) == sorted("".join(p) for p in pub["mip_parts"])
    assert len(s.partition.severed_edges) == pub["mip_severed_edges"]
    ps = iitcore.phi_structure(t.substrate, state, whole.units, formalism=FEAT)
    assert ps.big_phi == pytest.approx(pub["big_phi"], abs=BIG_PHI_TOL)
    assert len(ps.distinctions) == pub["num_distinctions"] and ps.n_relations == pub["num_relations"]
    assert sorted(names(t.labels, d.mechanism) for d in ps.distinctions) == sorted(pub["distinction_mechanisms"])


def test_wxyz_showcase_as_published():
    pub, t = PUBLISHED["wxyz"]["showcase"], target("wxyz")
    state = tuple(pub["state"])
    found = iitcore.complexes(t.substrate, state, formalism=FEAT)
    assert [names(t.labels, c.units) for c in found] == ["".join(c["units"]) for c in pub["complexes"]]
    for c, want in zip(found, pub["complexes"]):
        assert c.phi == pytest.approx(want["phi_s"], abs=PHI_TOL)
        assert c.sia.normalized_phi == pytest.approx(want["normalized_phi_s"], abs=PHI_TOL)
        ps = iitcore.phi_structure(t.substrate, state, c.units, formalism=FEAT)
        assert ps.big_phi == pytest.approx(want["big_phi"], abs=BIG_PHI_TOL)
        assert len(ps.distinctions) == want["num_distinctions"] and ps.n_relations == want["num_relations"]


def test_ring_computer_runs_both_targets_and_random_ones_with_one_wiring():
    fingerprints = set()
    targets = [target("pqrs"), target("wxyz")]
    targets += [make_target("random", {"n": 4, "k": 1 + seed % 4, "self_loops": True}, 100 + seed) for seed in range(20)]
    for t in targets:
        impl = implement(t, "ring_computer")
        assert impl.verification["verified"] and impl.verification["states_checked"] == 16
        fingerprints.add(wiring_fingerprint(impl.substrate))
    assert len(fingerprints) == 1 and len({t.id for t in targets}) == 22


# ------------------------------------------------------------ isolated subgraphs
def copy_ring(n: int = 4) -> Substrate:
    return Substrate.from_gates([{"gate": "COPY", "inputs": [(i + 1) % n]} for i in range(n)])


def register() -> Substrate:
    """A toggle register: R0 = XOR(R0, R1), R1 = AND(R2, E), R2 = XOR(R0, B), with drivers E and B."""
    return Substrate.from_gates([
        {"gate": "XOR", "inputs": [0, 1], "label": "R0"},
        {"gate": "AND", "inputs": [2, 3], "label": "R1"},
        {"gate": "XOR", "inputs": [0, 4], "label": "R2"},
        {"gate": "NOT", "inputs": [3], "label": "E"},
        {"gate": "COPY", "inputs": [4], "label": "B"},
    ])


def test_copy_ring_isolated_hand_checked():
    ring = copy_ring()
    (c,) = iitcore.complexes(ring, (0, 0, 0, 0), formalism=FEAT, candidates="isolated")
    assert c.units == (0, 1, 2, 3) and c.phi == pytest.approx(2.0, abs=1e-12)
    ps = isolated_phi_structure(ring, (0, 0, 0, 0), c.units, formalism=FEAT)
    assert ps.big_phi == pytest.approx(6.0, abs=1e-12)


def test_toggle_isolated_as_one_unit_is_a_copy():
    sub = register()
    alone = sub.isolated(["R0"])
    assert alone.inputs == ((0,),) and alone.tables[0].tolist() == [0.0, 1.0] and alone.labels == ("R0",)
    for state in ((0, 0, 0, 0, 0), (1, 1, 0, 1, 0)):
        (s,) = iitcore.evaluate_candidates(sub, state, [["R0"]], formalism=FEAT, candidates="isolated")
        assert s.units == (0,) and s.phi == pytest.approx(1.0, abs=1e-12)
        assert isolated_phi_structure(sub, state, ["R0"], formalism=FEAT).big_phi == pytest.approx(2.0, abs=1e-12)


def test_isolation_rules():
    sub = register()
    iso = sub.isolated([0, 1, 2])  # E and B are outside: R1 = AND(R2), R2 = XOR(R0)
    assert iso.inputs == ((0, 1), (2,), (0,))
    assert [t.tolist() for t in iso.tables] == [[0, 1, 1, 0], [0, 1], [0, 1]]
    lone = sub.isolated(["R1"])  # no input left: keeps its state
    assert lone.inputs == ((0,),) and lone.tables[0].tolist() == [0, 1]
    mux = Substrate.from_gates([{"gate": "MUX", "inputs": [0, 1, 2]}, {"gate": "COPY", "inputs": [1]},
                                {"gate": "COPY", "inputs": [2]}])
    assert mux.isolated([0, 2]).tables[0].tolist() == [0, 0, 0, 1]  # a lost data input reads 0: s AND b
    thr = Substrate.from_gates([{"gate": "THRESHOLD", "inputs": [0, 1, 2], "weights": [1, 1, -1], "threshold": 1,
                                 "negated": [0]}, {"gate": "COPY", "inputs": [0]}, {"gate": "COPY", "inputs": [1]}])
    assert thr.isolated([0, 2]).tables[0].tolist() == [1, 0, 0, 0]  # (NOT x0) - x2 >= 1; x1 (weight 1) is gone
    noisy = Substrate.from_gates([{"gate": "AND", "inputs": [0, 1], "noise": 0.1}, {"gate": "NOT", "inputs": [0]}])
    assert noisy.isolated([0]).tables[0] == pytest.approx([0.1, 0.9])
    relabelled = sub.relabel([4, 3, 2, 1, 0])
    assert relabelled.isolated(["R0"]).tables[0].tolist() == [0.0, 1.0]
    assert relabelled.isolated(["R2", "B"]).inputs == ((0,), (0,))  # B copies itself, R2 = XOR(B) (R0 outside)
    with pytest.raises(InvalidSubstrateError, match="given only as a table"):
        Substrate.from_units([[0, 1]], [[0]], ["A"]).isolated(["A"])
    with pytest.raises(InvalidSubstrateError, match="'embedded' or 'isolated'"):
        iitcore.complexes(sub, (0,) * 5, candidates="bare")


def test_ring_computer_hand_picked_candidates_isolated_and_embedded():
    t = target("pqrs")
    impl = implement(t, "ring_computer")
    sub, state = impl.substrate, impl.encode(t.info["state"])
    rings = [[f"T{j}/{c}" for j in range(4)] for c in range(16)]
    singles = [["C0"], ["X1"], ["A1"], ["X2"], ["A2"]] + [[f"T{i}R0"] for i in range(4)]
    isolated = iitcore.evaluate_candidates(sub, state, rings + singles, formalism=FEAT, candidates="isolated")
    embedded = iitcore.evaluate_candidates(sub, state, rings + singles, formalism=FEAT)
    assert [s.phi for s in isolated] == pytest.approx([2.0] * 16 + [1.0] * 9, abs=1e-12)
    ring_phi = [isolated_phi_structure(sub, state, r, formalism=FEAT).big_phi for r in rings]
    assert min(ring_phi) == pytest.approx(4.0) and max(ring_phi) == pytest.approx(6.0)
    dropped = [" ".join(c) for c, s in zip(rings + singles, embedded) if s.phi == 0]
    assert dropped == ["A1", "A2", "T0R0"]  # the paper: 22 embedded complexes, A2 and T0R0 drop out (A1 was 0)


def test_isolating_every_unit_changes_nothing_and_plans_count_every_subset():
    for seed in range(5):
        sub = make_target("random", {"n": 5, "k": 2, "self_loops": True,
                                     "gates": ["AND", "OR", "XOR", "NAND", "MAJ", "THRESHOLD", "NOT"]}, seed).substrate
        whole = sub.isolated(range(sub.n))
        assert whole.inputs == sub.inputs and all(np.array_equal(a, b) for a, b in zip(whole.tables, sub.tables))
        plan = plan_isolated(sub)
        assert len(plan.candidates) + sum(r["count"] for r in plan.pruned) == 2**sub.n - 1
        assert all((u,) in plan.candidates for u in range(sub.n)) and plan.complete
        bounded = plan_isolated(sub, max_size=2)
        assert bounded.complete == all(len(c["units"]) <= 2 for c in plan.components)
        assert set(bounded.candidates) == {c for c in plan.candidates if len(c) <= 2}


def test_negated_inputs_are_checked():
    with pytest.raises(InvalidSubstrateError, match="negated input positions"):
        Substrate.from_gates([{"gate": "AND", "inputs": [0], "negated": [1]}])


def test_isolated_results_use_the_substrates_unit_indices():
    t = target("pqrs")
    impl = implement(t, "ring_computer")
    sub, state = impl.substrate, impl.encode(t.info["state"])
    ring = [f"T{j}/5" for j in range(4)]
    units = sub.validate_units(ring)
    (s,) = iitcore.evaluate_candidates(sub, state, [ring], formalism=FEAT, candidates="isolated")
    ps = isolated_phi_structure(sub, state, ring, formalism=FEAT)
    assert s.units == ps.units == units and set(u for p in s.partition.parts for u in p) == set(units)
    assert {u for d in ps.distinctions for u in d.mechanism + d.cause.purview + d.effect.purview} <= set(units)
    assert len(ps.relations()) == ps.n_relations
