"""phi_s of whole substrates against the PyPhi reference and the spec's worked examples."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

import iitcore
from iitcore import Substrate, sia
from tests.reference import close, network, networks, substrate

FEAT = "pyphi-feature-iit4"
NETWORKS = [n for n in networks() if n["results"].get("sia")]


def _cut(matrix) -> list[list[int]]:
    return [list(map(int, row)) for row in matrix]


@pytest.mark.parametrize("net", NETWORKS, ids=lambda n: n["name"])
def test_sia_matches_reference_branch(net):
    """formalism='pyphi-feature-iit4' reproduces every recorded SIA field."""
    ref = net["results"]["sia"]
    res = sia(substrate(net), net["state"], formalism=FEAT)
    assert close(res.phi, max(ref["phi_s"], 0.0))
    assert res.is_positive == ref["is_positive"]
    if ref["is_null_sia"]:
        assert res.reasons == tuple(ref["shortcircuit_reasons"])
        assert res.partition is None
        return
    assert res.reasons == ()
    assert close(res.signed_phi, ref["phi_s"])
    assert close(res.phi_cause, max(ref["phi_cause"], 0.0))
    assert close(res.phi_effect, max(ref["phi_effect"], 0.0))
    for ours, theirs in ((res.cause_state, ref["cause_state"]), (res.effect_state, ref["effect_state"])):
        assert ours.state == tuple(theirs["state"])
        assert close(ours.ii, theirs["intrinsic_information"])
        assert sorted(ours.ties) == sorted(tuple(s) for s in theirs["tied_states"])
    recorded = [ref["mip"]["cut_matrix"]] + [m["cut_matrix"] for m in ref["tied_mips"]]
    assert _cut(res.partition.cut_matrix) in recorded
    assert res.mip_search_shortcircuited == ref["mip_search_shortcircuited"]
    if ref["is_positive"]:
        ours = [_cut(res.partition.cut_matrix)] + [_cut(m.cut_matrix) for m in res.ties["mips"]]
        assert sorted(map(str, ours)) == sorted(map(str, recorded))
        assert close(res.normalized_phi, ref["normalized_phi_s"])
        assert res.partition.normalization == ref["mip"]["num_severed_edges"]


@pytest.mark.parametrize("net", NETWORKS, ids=lambda n: n["name"])
def test_sia_default_mode_agrees_up_to_state_ties(net):
    """The default (R-main) mode differs from the reference branch only where
    specified states tie: it then searches every tied pair for the largest phi_s."""
    ref = net["results"]["sia"]
    res = sia(substrate(net), net["state"])
    ref_phi = max(ref["phi_s"], 0.0)
    if ref["is_null_sia"]:
        assert res.phi == 0.0 and res.reasons == tuple(ref["shortcircuit_reasons"])
        return
    tied = ref["cause_state"]["num_ties"] or ref["effect_state"]["num_ties"]
    if not tied:
        assert close(res.phi, ref_phi)
        recorded = [ref["mip"]["cut_matrix"]] + [m["cut_matrix"] for m in ref["tied_mips"]]
        if ref["is_positive"]:
            assert _cut(res.partition.cut_matrix) in recorded
    else:
        assert res.phi >= ref_phi - 1e-9
        causes = [tuple(ref["cause_state"]["state"])] + [tuple(s) for s in ref["cause_state"]["tied_states"]]
        effects = [tuple(ref["effect_state"]["state"])] + [tuple(s) for s in ref["effect_state"]["tied_states"]]
        assert res.cause_state.state in causes and res.effect_state.state in effects
        assert max(p["phi"] for p in res.ties["state_pairs"]) == pytest.approx(res.phi)


# --------------------------------------------------- spec worked examples
def basic() -> Substrate:
    return substrate(network("pyphi_basic"))


def test_basic_substrate_values_by_hand():
    """Spec 9.1: phi_s = log2(4/3), MIP {A}{B,C} cutting B->A and C->A."""
    res = sia(basic(), (1, 0, 0))
    assert res.phi == pytest.approx(np.log2(4 / 3), abs=1e-12)
    assert res.cause_state.state == (1, 1, 0) and res.cause_state.ii == pytest.approx(3.0)
    assert res.effect_state.state == (0, 0, 1) and res.effect_state.ii == pytest.approx(3.0)
    assert res.phi_cause == pytest.approx(np.log2(4 / 3)) and res.phi_effect == pytest.approx(2.0)
    assert res.partition.severed_edges == ((1, 0), (2, 0))
    assert res.partition.parts == ((0,), (1, 2)) and res.partition.directions == ("CAUSE", "EFFECT")


def test_basic_subset_with_background():
    """Spec 9.1: subset {B,C} with A as background: phi_s = 2, bidirectional cut wins the tie."""
    res = sia(basic(), (1, 0, 0), units=["B", "C"])
    assert res.phi == pytest.approx(2.0)
    assert res.cause_state.state == (1, 0) and res.effect_state.state == (0, 1)
    assert set(res.partition.severed_edges) == {(1, 2), (2, 1)}


def test_unreachable_candidates_raise():
    """Spec 9.1: {A} and {C} fail reachability check (b) in state (1,0,0)."""
    for units in ([0], [2]):
        with pytest.raises(iitcore.StateUnreachableError):
            sia(basic(), (1, 0, 0), units=units)


def xor_triangle() -> Substrate:
    return Substrate.from_gates([{"gate": "XOR", "inputs": [j for j in range(3) if j != i]} for i in range(3)])


def test_xor_triangle():
    """Spec 9.2: phi_s = 1.5 with all six edges cut; cause states (0,0,0)/(1,1,1) tie."""
    res = sia(xor_triangle(), (0, 0, 0))
    assert res.phi == pytest.approx(1.5)
    assert res.phi_cause == pytest.approx(1.5) and res.phi_effect == pytest.approx(3.0)
    assert res.partition.normalization == 6
    assert sorted([res.cause_state.state, *res.cause_state.ties]) == [(0, 0, 0), (1, 1, 1)]


def test_rule110_state_tie_modes():
    """Spec 9.4 / reference caveat 3: tied cause states give 2.0 (R-main search) or 1.0 (R-feat)."""
    s = substrate(network("pyphi_rule110"))
    assert sia(s, (0, 0, 0)).phi == pytest.approx(2.0)
    assert sia(s, (0, 0, 0), formalism=FEAT).phi == pytest.approx(1.0)


def test_grid3_lexical_mip_tie_break():
    """Spec 9.4: R-main picks C->A, C->B (smaller cut-matrix bytes); R-feat A->B, A->C."""
    s = substrate(network("pyphi_grid3"))
    main = sia(s, (0, 0, 0))
    assert main.phi == pytest.approx(0.024665907374197056, abs=1e-12)
    assert set(main.partition.severed_edges) == {(2, 0), (2, 1)}
    assert set(sia(s, (0, 0, 0), formalism=FEAT).partition.severed_edges) == {(0, 1), (0, 2)}


def test_dual_and_xor_pairs():
    """Spec 9.3: {A1,X1} has phi_s 2, {X1} 1, the 4-unit system is not strongly connected."""
    gates = [
        {"gate": "AND", "inputs": [0, 1]},
        {"gate": "XOR", "inputs": [0, 1]},
        {"gate": "AND", "inputs": [2, 3]},
        {"gate": "XOR", "inputs": [2, 3]},
    ]
    s = Substrate.from_gates(gates, labels=["A1", "X1", "A2", "X2"])
    state = (1, 0, 1, 0)
    assert sia(s, state, units=[0, 1]).phi == pytest.approx(2.0)
    assert sia(s, state, units=["X1"]).phi == pytest.approx(1.0)
    assert sia(s, state).reasons == ("NO_STRONG_CONNECTIVITY",)
    with pytest.raises(iitcore.StateUnreachableError):
        sia(s, state, units=["A1"])


def test_logistic3_k8_golden():
    """Spec 9.4: logistic units with W = 0.3 everywhere, k = 8, state (0,0,0)."""
    n, k = 3, 8.0
    states = ((np.arange(8)[:, None] >> np.arange(n)) & 1) * 2 - 1
    tpm = 1.0 / (1.0 + np.exp(-k * (states @ np.full((n, n), 0.3))))
    res = sia(Substrate.from_tpm(tpm), (0, 0, 0))
    assert close(res.phi, 0.03661738126586076)
    assert set(res.partition.severed_edges) == {(2, 0), (2, 1)}


# --------------------------------------------------------- result objects
def test_results_are_small_picklable_and_json():
    res = sia(basic(), (1, 0, 0))
    data = json.loads(json.dumps(res.to_dict()))
    assert data["phi"] == res.phi and data["partition"]["severed_edges"] == [[1, 0], [2, 0]]
    assert iitcore.sia_from_dict(data) == res
    assert pickle.loads(pickle.dumps(res)) == res
    assert len(pickle.dumps(res)) < 4096


def test_paper_figure_1_values():
    """Spec 9.5 ([P] Figs 1-2): systems of the logistic example in state aBC = (0,1,1)."""
    s = substrate(network("iit4_paper_fig1"))
    ab = sia(s, (0, 1, 1), units=[0, 1])
    assert ab.cause_state.state == (1, 0) and round(ab.cause_state.ii, 2) == 0.84
    assert ab.effect_state.state == (1, 0) and round(ab.effect_state.ii, 1) == 1.1
    assert (round(ab.phi_cause, 2), round(ab.phi_effect, 2), round(ab.phi, 2)) == (0.24, 0.17, 0.17)
    assert round(sia(s, (0, 1, 1), units=[0]).phi, 2) == 0.04
    assert round(sia(s, (0, 1, 1), units=[2]).phi, 2) == 0.21
    assert round(sia(s, (0, 1, 1)).phi, 2) == 0.13


def logistic(weights, k: float = 4.0) -> Substrate:
    """Spec 1.4 logistic units, cm = (W != 0)."""
    W = np.asarray(weights, dtype=float)
    spins = ((np.arange(1 << len(W))[:, None] >> np.arange(len(W))) & 1) * 2 - 1
    return Substrate.from_tpm(1.0 / (1.0 + np.exp(-k * (spins @ W))), (W != 0).astype(int))


def fig6e() -> list[list[float]]:
    s = 0.8
    d = (1 - s) / 10
    m, w = 3 * d, 4 * d
    return [
        [m, s, d, d, d, w],
        [d, d, w, m, d, s],
        [d, m, d + 0.2, s - 0.2, w, d],
        [w, d, m + 0.2, d + 0.2, s - 0.4, d],
        [s, w, d, d, m, d],
        [d, d, s - 0.4, w, d + 0.4, m],
    ]


def test_paper_figures_6_and_7():
    """Spec 9.6-9.7: phi_s of the paper's 5- and 6-unit examples (two-decimal figures)."""
    cycle = np.zeros((6, 6))
    for i in range(6):
        cycle[i, (i + 1) % 6] = 1.0
    assert sia(logistic(cycle), (1, 0, 0, 0, 0, 0)).phi == pytest.approx(1.7467, abs=1e-4)
    e = logistic(fig6e())
    state = (1, 0, 0, 0, 0, 0)
    assert round(sia(e, state, units=[0, 1, 4, 5]).phi, 2) == 0.27
    assert round(sia(e, state, units=[2, 3]).phi, 2) == 0.08
    assert round(sia(e, state).phi, 2) == 0.15
    s, m = 0.8, 0.4
    w = (1 - s) / 4
    q = -w
    fig7 = logistic([[w, s, w, w, q], [q, w, s, w, w], [w, q, w, s, w], [m, w, q, w, s], [s, w, w, q, w]])
    assert round(sia(fig7, (1, 1, 0, 0, 1)).phi, 1) == 1.1
    assert round(sia(fig7, (1, 1, 0, 0, 0)).phi, 2) == 1.31
