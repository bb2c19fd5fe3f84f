"""Phi-structures against the PyPhi reference and the spec's worked examples."""

from __future__ import annotations

import json
import pickle
import random
from functools import lru_cache
from math import comb

import numpy as np
import pytest

import iitcore
from iitcore import Substrate, phi_structure
from iitcore.mechanism_partitions import count_partitions, distinct_permutations, k_partition_labels, partition_table
from iitcore.relations import Relata, enumerate_relations, relation_totals, totals_of
from tests.reference import close, network, networks, substrate

FEAT = "pyphi-feature-iit4"


def _cases() -> list[tuple[str, str]]:
    out = []
    for net in networks():
        for key in ("phi_structure", "phi_structure_whole"):
            if isinstance(net["results"].get(key), dict):
                out.append((net["name"], key))
    return out


CASES = _cases()


@lru_cache(maxsize=None)
def computed(name: str, key: str, formalism: str) -> iitcore.PhiStructure:
    net = network(name)
    return phi_structure(substrate(net), net["state"], net["results"][key]["nodes"], formalism=formalism)


def _choice(side) -> tuple[list[int], list[int]]:
    return list(side.purview), list(side.state)


def _ref_options(ref_side: dict) -> list[tuple[list[int], list[int]]]:
    alts = [(a["purview"], a["state"]) for a in ref_side["tied_alternatives"]]
    return [(ref_side["purview"], ref_side["state"]), *alts]


def _assert_totals(res: iitcore.PhiStructure, ref: dict) -> None:
    assert res.n_relations == ref["num_relations"]
    assert close(res.sum_phi_relations, ref["sum_phi_relations"])
    assert close(res.sum_phi_distinctions, ref["sum_phi_distinctions"])
    assert close(res.big_phi, ref["big_phi"])
    assert {str(h): c for h, c in res.relations_by_degree.items()} == ref["num_relations_by_degree"]


# ------------------------------------------------------------- reference
@pytest.mark.parametrize(("name", "key"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_phi_structure_matches_reference_branch(name, key):
    """formalism='pyphi-feature-iit4' reproduces the recorded Phi-structure."""
    ref = network(name)["results"][key]
    res = computed(name, key, FEAT)
    assert list(res.units) == ref["nodes"]
    assert res.n_candidate_distinctions == ref["num_distinctions_before_congruence"]
    ours = {d.mechanism: d for d in res.distinctions}
    refs = {tuple(d["mechanism"]): d for d in ref["distinctions"]}
    assert set(ours) == set(refs)
    for mech, d in ours.items():
        r = refs[mech]
        assert list(d.mechanism_state) == r["mechanism_state"]
        assert close(d.phi, r["phi"])
        for side in ("cause", "effect"):
            a, b = getattr(d, side), r[side]
            assert close(a.phi, b["phi"]) and close(a.ii, b["intrinsic_information"])
            assert _choice(a) in _ref_options(b)
    _assert_totals(res, ref)
    if "congruence_filter_applied" in ref:
        assert res.congruence_filter_applied == ref["congruence_filter_applied"]


@pytest.mark.parametrize(("name", "key"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_default_mode_agrees_where_the_spec_says_so(name, key):
    """R-main and R-feat agree unless the SIA is null (congruence filter), the
    system's specified states tie (state-pair search), or a distinction has
    several congruent tied choices (spec 10, items 3-4)."""
    net = network(name)
    feat_sia = computed(name, key, FEAT).sia
    if feat_sia.is_null or feat_sia.cause_state.ties or feat_sia.effect_state.ties:
        pytest.skip("modes differ by design here")
    ref = net["results"][key]
    res = computed(name, key, "iit4_2023")
    refs = {tuple(d["mechanism"]): d for d in ref["distinctions"]}
    assert {d.mechanism for d in res.distinctions} == set(refs)
    same_choices = True
    for d in res.distinctions:
        assert close(d.phi, refs[d.mechanism]["phi"])
        for side in ("cause", "effect"):
            options = _ref_options(refs[d.mechanism][side])
            assert _choice(getattr(d, side)) in options
            same_choices &= _choice(getattr(d, side)) == options[0]
    if same_choices:
        _assert_totals(res, ref)


def test_null_sia_congruence_modes():
    """Spec 6.4: R-feat keeps every candidate for a null SIA; R-main filters with
    the first-tied system states (pyphi_fig5b, rand_sigmoid_n4_s3402)."""
    for name in ("pyphi_fig5b", "rand_sigmoid_n4_s3402"):
        feat = computed(name, "phi_structure_whole", FEAT)
        main = computed(name, "phi_structure_whole", "iit4_2023")
        assert feat.sia.is_null and not feat.congruence_filter_applied and main.congruence_filter_applied
        assert len(main.distinctions) < len(feat.distinctions) == feat.n_candidate_distinctions


# ------------------------------------------------------- worked examples
def _basic() -> Substrate:
    return substrate(network("pyphi_basic"))


def test_basic_substrate():
    """Spec 9.1: distinctions B and C, congruent tie resolution, no relations, Phi = 1."""
    res = phi_structure(_basic(), (1, 0, 0))
    assert [d.mechanism for d in res.distinctions] == [(1,), (2,)]
    b, c = res.distinctions
    assert (b.phi, b.cause.purview, b.cause.state, b.effect.purview, b.effect.state) == (0.5, (2,), (0,), (0,), (0,))
    assert (c.phi, c.cause.purview, c.cause.state, c.effect.purview, c.effect.state) == (0.5, (0, 1), (1, 1), (1,), (0,))
    assert c.cause.n_state_ties == 1 and c.effect.n_purview_ties == 1
    assert res.n_relations == 0 and res.big_phi == 1.0
    sub = phi_structure(_basic(), (1, 0, 0), units=[1, 2])
    assert [(d.mechanism, d.phi, d.cause.purview, d.effect.purview) for d in sub.distinctions] == [((1,), 1.0, (2,), (2,)), ((2,), 1.0, (1,), (1,))]
    assert sub.big_phi == 2.0


def test_xor_triangle():
    """Spec 9.2: 4 distinctions, 15 relations, sum phi_r = 7, Phi = 9.5 (R-main)."""
    xor = Substrate.from_gates([{"gate": "XOR", "inputs": [1, 2]}, {"gate": "XOR", "inputs": [0, 2]}, {"gate": "XOR", "inputs": [0, 1]}])
    res = phi_structure(xor, (0, 0, 0))
    assert [(d.mechanism, d.phi) for d in res.distinctions] == [((0, 1), 0.5), ((0, 2), 0.5), ((1, 2), 0.5), ((0, 1, 2), 1.0)]
    assert res.n_relations == 15 and close(res.sum_phi_relations, 7.0) and close(res.big_phi, 9.5)
    assert res.relations_by_degree == {1: 4, 2: 6, 3: 4, 4: 1}


def test_r_main_goldens():
    """Spec 9.4 goldens of the default configuration."""
    grid3 = substrate(network("pyphi_grid3"))
    res = phi_structure(grid3, (1, 0, 0))
    assert res.sia.phi == 0.0 and res.n_relations == 6
    phis = {d.mechanism: d.phi for d in res.distinctions}
    expected = {(0,): 0.8016405749325938, (1,): 0.7841927397132662, (2,): 0.8016405749325938, (1, 2): 0.0987274209394442}
    assert phis.keys() == expected.keys() and all(close(phis[m], v) for m, v in expected.items())
    assert close(res.sum_phi_relations, 2.53556502098762) and close(res.big_phi, 5.021766331505518)
    assert (len(phi_structure(grid3, (0, 0, 0)).distinctions), phi_structure(grid3, (0, 0, 0)).n_relations) == (7, 39)
    rule110 = substrate(network("pyphi_rule110"))
    res = phi_structure(rule110, (1, 0, 1))
    assert (len(res.distinctions), res.n_relations) == (5, 29) and close(res.big_phi, 7.485088712233704)
    res = phi_structure(rule110, (0, 0, 0))  # state-pair search gives phi_s = 2 and congruent distinctions
    assert res.sia.phi == 2.0 and (len(res.distinctions), res.n_relations) == (4, 11)
    spins = ((np.arange(8)[:, None] >> np.arange(3)) & 1) * 2 - 1
    logistic3 = Substrate.from_tpm(1.0 / (1.0 + np.exp(-8.0 * (spins @ np.full((3, 3), 0.3)))))
    res = phi_structure(logistic3, (0, 0, 0))
    assert (len(res.distinctions), res.n_relations) == (7, 127) and close(res.big_phi, 45.41420280245964)


def _logistic(weights, k: float = 4.0) -> Substrate:
    W = np.asarray(weights, dtype=float)
    spins = ((np.arange(1 << len(W))[:, None] >> np.arange(len(W))) & 1) * 2 - 1
    return Substrate.from_tpm(1.0 / (1.0 + np.exp(-k * (spins @ W))), (W != 0).astype(int))


def test_paper_figures_2_6_and_7():
    """Spec 9.5-9.7 ([P] Figs 2, 6, 7; the paper truncates to two decimals)."""
    fig2 = phi_structure(substrate(network("iit4_paper_fig1")), (0, 1, 1), units=[0, 1])
    assert [(d.mechanism, round(d.phi, 2), d.cause.purview, d.effect.purview) for d in fig2.distinctions] == [
        ((0,), 0.33, (1,), (1,)),
        ((1,), 0.32, (0,), (0, 1)),
        ((0, 1), 0.07, (1,), (0, 1)),
    ]
    state = (1, 0, 0, 0, 0, 0)
    s, w, j = 0.1, 0.9, 0.22
    b = (1 - j) / 4
    fig6a = _logistic([[0, w, w, w, w, w], [j, s, 0, 0, 0, 0], [b, 0, s, 0, 0, 0], [b, 0, 0, s, 0, 0], [b, 0, 0, 0, s, 0], [b, 0, 0, 0, 0, s]])
    res = phi_structure(fig6a, state, units=[0, 1])
    assert (len(res.distinctions), res.n_relations, round(res.sum_phi_distinctions, 3), round(res.big_phi, 2)) == (2, 2, 0.244, 0.49)
    cycle = np.zeros((6, 6))
    for i in range(6):
        cycle[i, (i + 1) % 6] = 1.0
    res = phi_structure(_logistic(cycle), state)
    assert [(d.cause.purview, d.effect.purview) for d in res.distinctions] == [((5,), (1,)), ((0,), (2,)), ((1,), (3,)), ((2,), (4,)), ((3,), (5,)), ((4,), (0,))]
    assert (res.n_relations, round(res.big_phi, 2)) == (4, 7.65)
    s, m = 0.8, 0.4
    w = (1 - s) / 4
    fig7 = _logistic([[w, s, w, w, -w], [-w, w, s, w, w], [w, -w, w, s, w], [m, w, -w, w, s], [s, w, w, -w, w]])
    res = phi_structure(fig7, (1, 1, 0, 0, 1))
    assert (len(res.distinctions), res.n_relations, round(res.big_phi, 2)) == (23, 13740, 22.27)
    top = res.distinctions[-1]
    assert (top.mechanism, top.cause.purview, top.cause.state, top.effect.purview, round(top.phi, 6)) == ((0, 1, 2, 3, 4), (2, 3, 4), (0, 1, 1), (1, 2), 0.002781)


# ------------------------------------------------------------ relabelling
@pytest.mark.parametrize(
    ("name", "key"),
    [("rand_dense_n4_s7400", "phi_structure_whole"), ("rand_det_n5_s1503", "phi_structure"), ("rand_noisy_n3_s2300", "phi_structure"), ("iit4_paper_fig1", "phi_structure_whole")],
)
def test_relabelled_copy_has_the_same_structure(name, key):
    """Permuting units permutes the Phi-structure. Tied choices are resolved in
    the reference's label-dependent candidate order, so a relabelled copy may
    pick another of the tied options; without such choices it is identical."""
    net = network(name)
    original = computed(name, key, FEAT)
    n = net["n_units"]
    perm = list(range(n))
    random.Random(n).shuffle(perm)  # new unit i is old unit perm[i]
    new_of = {old: new for new, old in enumerate(perm)}
    state = [net["state"][old] for old in perm]
    res = phi_structure(substrate(net).relabel(perm), state, sorted(new_of[u] for u in original.units), formalism=FEAT)

    def mapped(units):
        return tuple(sorted(new_of[u] for u in units))

    def options(side):
        pairs = [(side.purview, side.state), *side.tied_alternatives]
        return {tuple(sorted((new_of[u], v) for u, v in zip(p, s))) for p, s in pairs}

    relabelled = {d.mechanism: d for d in res.distinctions}
    assert set(relabelled) == {mapped(d.mechanism) for d in original.distinctions}
    ties = False
    for d in original.distinctions:
        e = relabelled[mapped(d.mechanism)]
        assert close(e.phi, d.phi)
        for side in ("cause", "effect"):
            a, b = getattr(d, side), getattr(e, side)
            assert close(a.phi, b.phi) and tuple(sorted(zip(b.purview, b.state))) in options(a)
            ties |= bool(a.tied_alternatives)
    if not ties:
        assert res.n_relations == original.n_relations and res.relations_by_degree == original.relations_by_degree
        assert close(res.sum_phi_relations, original.sum_phi_relations) and close(res.big_phi, original.big_phi)


# -------------------------------------------------------------- relations
@pytest.mark.parametrize(("name", "key"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_closed_form_relations_equal_enumeration_on_reference(name, key):
    res = computed(name, key, FEAT)
    listed = totals_of(res.relations())
    assert listed.n_relations == res.n_relations and listed.by_degree == res.relations_by_degree
    assert close(listed.sum_phi, res.sum_phi_relations)


def test_closed_form_relations_equal_enumeration_on_random_structures():
    rng = random.Random(7)
    for _ in range(40):
        ds = []
        for _ in range(rng.randint(0, 12)):
            sides = [frozenset((u, rng.randint(0, 1)) for u in rng.sample(range(5), rng.randint(1, 4))) for _ in range(2)]
            ds.append(Relata(sides[0], sides[1], rng.random()))
        closed, listed = relation_totals(ds), totals_of(enumerate_relations(ds))
        assert closed.n_relations == listed.n_relations and closed.by_degree == listed.by_degree
        assert abs(closed.sum_phi - listed.sum_phi) <= 1e-9 * max(1.0, listed.sum_phi)
    same = [Relata(frozenset({(0, 0)}), frozenset({(1, 1)}), 1.0)] * 10  # all share both unit-states
    assert relation_totals(same).n_relations == 2**10 - 10 - 1
    assert relation_totals(same).by_degree == {h: comb(10, h) for h in range(2, 11)}


def test_relation_phi_by_hand():
    """Spec 7.1: phi_r = |overlap| * min v; self-relation |C & E| * v."""
    a = Relata(frozenset({(0, 1), (1, 0)}), frozenset({(0, 1)}), 0.6)  # U = {A1, B0}, v = 0.3, self-relation over A1
    b = Relata(frozenset({(0, 1)}), frozenset({(0, 0), (2, 1)}), 0.9)  # U = {A1, A0, C1}, v = 0.3
    c = Relata(frozenset({(1, 0)}), frozenset({(2, 1)}), 0.2)  # U = {B0, C1}, v = 0.1
    rels = {r.relata: r for r in enumerate_relations([a, b, c])}
    assert set(rels) == {(0,), (0, 1), (0, 2), (1, 2)}
    assert close(rels[(0,)].phi, 0.3) and close(rels[(0, 1)].phi, 0.3) and close(rels[(0, 2)].phi, 0.1)
    assert rels[(1, 2)].purview == ((2, 1),)
    totals = relation_totals([a, b, c])
    assert (totals.n_relations, totals.by_degree) == (4, {1: 1, 2: 3}) and close(totals.sum_phi, 0.8)


# ------------------------------------------------------------ partitions
def test_mechanism_partition_generators():
    """Spec 6.2: Knuth's k-partition order, lexicographic distinct permutations,
    and the size of JOINT_PARTITION_ALL."""
    assert k_partition_labels(3, 2) == [(0, 0, 1), (0, 1, 1), (0, 1, 0)]
    stirling = {(4, 1): 1, (4, 2): 7, (4, 3): 6, (4, 4): 1, (5, 3): 25}
    for (n, k), count in stirling.items():
        labels = k_partition_labels(n, k)
        assert len(labels) == len(set(labels)) == count and all(max(x) == k - 1 for x in labels)
    assert distinct_permutations([(1,), (), ()]) == [((), (), (1,)), ((), (1,), ()), ((1,), (), ())]
    assert len(partition_table(1, 3).N) == 1  # a single unit: only the complete partition
    # every (mechanism set partition into r blocks, map from Z to r + 1 parts), minus
    # the unsplit mechanism holding purview units: sum_r S(m, r) (r + 1)^z - (2^z - 1)
    bell_rows = {(2, 2): 1 * 4 + 1 * 9 - 3, (3, 2): 1 * 4 + 3 * 9 + 1 * 16 - 3}
    for (m, z), count in bell_rows.items():
        assert len(partition_table(m, z).N) == count_partitions(m, z) == count
    assert all(len(partition_table(m, z).N) == count_partitions(m, z) for m in range(1, 5) for z in range(1, 5))
    table = partition_table(2, 2)
    assert table.parts(0) == [((0, 1), ()), ((), (0, 1))] and table.N[0] == 4  # the complete partition first
    with pytest.raises(ValueError):
        partition_table(7, 7)


# ---------------------------------------------------------------- results
def test_result_is_plain_data_and_picklable():
    res = computed("rand_noisy_n3_s2300", "phi_structure", FEAT)
    data = json.loads(json.dumps(res.to_dict()))
    assert data["big_phi"] == res.big_phi and data["num_relations"] == 28
    assert data["distinctions"][0]["cause"]["mip"] and data["sia"]["phi"] == res.sia.phi
    assert pickle.loads(pickle.dumps(res)).to_dict() == res.to_dict()
    assert isinstance(res.distinctions[0], iitcore.Distinction)


def test_reuses_a_given_sia_and_rejects_a_foreign_one():
    s = _basic()
    given = iitcore.sia(s, (1, 0, 0))
    assert phi_structure(s, (1, 0, 0), sia_result=given).sia is given
    with pytest.raises(ValueError):
        phi_structure(s, (1, 0, 0), units=[1, 2], sia_result=given)
    with pytest.raises(ValueError):
        phi_structure(s, (1, 0, 0), formalism="nope")


def test_structure_of_a_system_inside_a_large_substrate():
    """A complex inside 50 disjoint copies of a 4-unit module has the same
    distinctions as inside one module, without 2^n work over the substrate.
    (Which of several exactly tied purviews is chosen follows a set order that
    depends on unit indices, so relations may differ; spec 6.1.)"""
    module = [("XOR", [1, 3]), ("AND", [0, 2]), ("OR", [1, 3]), ("MAJ", [0, 1, 2])]

    def copies(m: int) -> Substrate:
        return Substrate.from_gates(
            [{"gate": g, "inputs": [4 * c + i for i in ins]} for c in range(m) for g, ins in module]
        )

    state = copies(1).step((1, 0, 1, 1))
    small = phi_structure(copies(1), state, (0, 1, 2, 3))
    big = phi_structure(copies(50), state * 50, (196, 197, 198, 199))
    assert [tuple(u - 196 for u in d.mechanism) for d in big.distinctions] == [d.mechanism for d in small.distinctions]
    assert [d.phi for d in big.distinctions] == pytest.approx([d.phi for d in small.distinctions])
    assert big.sum_phi_distinctions == pytest.approx(small.sum_phi_distinctions)
