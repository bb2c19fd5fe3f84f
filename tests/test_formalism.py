"""The formalism as a value: presets, validation, serialisation, the 2026 cap and S1 tie resolution."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from dataclasses import FrozenInstanceError
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iitcore
from iitcore import FORMALISMS, Formalism, InvalidFormalismError, Substrate, formalism, formalism_from_label

DATA = json.loads((Path(__file__).parent / "data" / "iit4-2026.json").read_text())
TOL = DATA["tolerance"]
S1 = formalism("iit4_2023", tie_rule="s1")
READINGS = {"iit4_2023": "iit4_2023", "iit4_2026": "iit4_2026", "paper_reading": "iit4_2026-paper"}


def close(ours: float, ref: float, digits: int | None = None) -> bool:
    """The file's tolerance; values printed with ``digits`` decimals are compared to half a unit of the last."""
    slack = 0.5 * 10.0**-digits if digits is not None else 0.0
    return abs(ours - ref) <= TOL["abs"] + TOL["rel"] * abs(ref) + slack


def decimals(x: float) -> int | None:
    """Decimals of a value recorded with fewer than 16 significant digits (None: full precision)."""
    text = repr(x)
    return len(text.split(".")[1]) if "." in text and len(text.split(".")[1]) <= 8 else None


def network_substrate(net: dict) -> Substrate:
    return Substrate.from_tpm(np.array(net["tpm"]), cm=np.array(net["cm"]))


# ------------------------------------------------------------ the value
def test_presets_and_default():
    assert FORMALISMS == ("iit4_2023", "pyphi-feature-iit4", "iit4_2026", "iit4_2026-paper")
    assert all(formalism(n).name == n for n in FORMALISMS)
    assert formalism() == formalism("iit4_2023") == Formalism()
    assert len({formalism(n).content_hash() for n in FORMALISMS}) == 4
    feat = formalism("pyphi-feature-iit4")
    assert (feat.clamp_phi, feat.state_pairs, feat.mip_tie_break, feat.exclusion_ties) == (
        False, "first", "enumeration", "candidate_order")
    assert formalism("iit4_2026").ii_cap == "current_state"
    assert formalism("iit4_2026-paper").ii_cap == "specified_state"
    assert iitcore.sia(gates(("NOT", [1]), ("COPY", [0])), (0, 0)).formalism.name == "iit4_2023"


def test_frozen_hashable_and_serialisable():
    f = formalism("iit4_2026", tie_rule="s1")
    with pytest.raises(FrozenInstanceError):
        f.ii_cap = "none"  # type: ignore[misc]
    assert {f: 1}[formalism("iit4_2026", tie_rule="s1")] == 1
    d = f.to_dict()
    assert d["name"] == "iit4_2026" and d["tie_rule"] == "s1" and d["hash"] == f.content_hash()
    assert Formalism.from_dict(json.loads(json.dumps(d))) == f
    assert pickle.loads(pickle.dumps(f)) == f
    assert f.label == "iit4_2026[tie_rule=s1]" and formalism_from_label(f.label) == f
    g = formalism("iit4_2023", clamp_phi=False, max_tie_alternatives=7)
    assert formalism_from_label(g.label) == g


def test_content_hash_is_of_the_choices_and_stable():
    """Equal choices hash equal whatever the preset name; the limit is not a choice; same in a fresh process."""
    assert formalism("iit4_2023", ii_cap="current_state").content_hash() == formalism("iit4_2026").content_hash()
    assert formalism("iit4_2023", max_tie_alternatives=5).content_hash() == formalism("iit4_2023").content_hash()
    assert formalism("iit4_2023", tie_rule="s1").content_hash() != formalism("iit4_2023").content_hash()
    code = "import iitcore; print(iitcore.formalism('iit4_2026-paper').content_hash())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout.strip()
    assert out == formalism("iit4_2026-paper").content_hash()


@pytest.mark.parametrize(
    "name, overrides, message",
    [
        ("iit4_2099", {}, "unknown formalism 'iit4_2099'; presets: iit4_2023, pyphi-feature-iit4"),
        ("iit4_2023", {"tie_break": "x"}, "unknown formalism field 'tie_break'; fields: clamp_phi"),
        ("iit4_2023", {"ii_cap": "both"}, "'ii_cap' must be one of 'none', 'current_state', 'specified_state'; got 'both'"),
        ("iit4_2023", {"clamp_phi": 1}, "'clamp_phi' must be one of True, False; got 1"),
        ("iit4_2023", {"max_tie_alternatives": 0}, "'max_tie_alternatives' must be a positive integer; got 0"),
        ("iit4_2023", {"tie_rule": "s1", "state_pairs": "first"}, "'state_pairs' must be 'all' with tie_rule='s1'"),
    ],
)
def test_bad_formalisms_name_the_problem(name, overrides, message):
    with pytest.raises(InvalidFormalismError) as info:
        formalism(name, **overrides)
    assert message in str(info.value)


def test_entry_points_reject_unknown_presets():
    s = gates(("NOT", [1]), ("COPY", [0]))
    for call in (
        lambda: iitcore.sia(s, (0, 0), formalism="iit5"),
        lambda: iitcore.phi_structure(s, (0, 0), formalism="iit5"),
        lambda: iitcore.complexes(s, (0, 0), formalism="iit5"),
        lambda: iitcore.plan_candidates(s, (0, 0), formalism="iit5"),
        lambda: iitcore.exclusion([], formalism="iit5"),
        lambda: formalism_from_label("iit4_2023[tie_rule]"),
    ):
        with pytest.raises(InvalidFormalismError):
            call()


def test_results_carry_their_formalism():
    s = gates(("NOT", [1]), ("COPY", [0]))
    f = formalism("iit4_2026-paper")
    res = iitcore.sia(s, (0, 0), formalism=f)
    assert res.to_dict()["formalism"] == f.to_dict()
    assert iitcore.sia_from_dict(json.loads(json.dumps(res.to_dict()))) == res
    ps = iitcore.phi_structure(s, (0, 0), formalism=f)
    assert ps.to_dict()["formalism"]["label"] == "iit4_2026-paper" and ps.sia.formalism == f
    found = iitcore.complexes(s, (0, 0), formalism="pyphi-feature-iit4")
    assert all(e.formalism.name == "pyphi-feature-iit4" for e in found.evaluated)
    assert found.to_dict()["formalism"]["name"] == found.exclusion.to_dict()["formalism"]["name"] == "pyphi-feature-iit4"


# ------------------------------------------------------------ IIT 4.0 (2026)
@pytest.mark.parametrize("net", DATA["networks"], ids=lambda n: n["name"])
@pytest.mark.parametrize("key", READINGS)
def test_2026_reference_values(net, key):
    """Every recorded phi_s (and Phi) in each reading."""
    sub = network_substrate(net)
    ref = net[key]
    f = READINGS[key]
    res = iitcore.sia(sub, net["state"], formalism=f)
    assert close(res.phi, ref["phi_s"], decimals(ref["phi_s"]))
    if "big_phi" in ref:
        assert close(iitcore.phi_structure(sub, net["state"], formalism=f, sia_result=res).big_phi, ref["big_phi"])
    for name in ("i_spec", "i_diff"):
        if name in ref:
            assert close(getattr(res, name), ref[name], decimals(ref[name]))


def test_2026_logistic_notes():
    """The values in the notes of logistic3_k8: i_spec per side; i_diff per side in both readings."""
    net = next(n for n in DATA["networks"] if n["name"] == "logistic3_k8")
    sub = network_substrate(net)
    main = iitcore.sia(sub, net["state"], formalism="iit4_2026")
    paper = iitcore.sia(sub, net["state"], formalism="iit4_2026-paper")
    for res in (main, paper):
        assert close(res.cause_state.ii, 0.382447, 6) and close(res.effect_state.ii, 1.266460, 6)
    assert close(main.cause_state.i_diff, 0.003230, 6) and close(main.effect_state.i_diff, 0.003230, 6)
    assert close(paper.cause_state.i_diff, 1.730701, 6) and close(paper.effect_state.i_diff, 0.003230, 6)
    assert iitcore.sia(sub, net["state"]).i_diff is None


def test_2026_deterministic_basic_network():
    """The doc's table: the deterministic `basic` network in 100 has phi_s 0.415 (2023), 0 (2026)."""
    basic = gates(("OR", [1, 2]), ("COPY", [2]), ("XOR", [0, 1]))
    assert close(iitcore.sia(basic, (1, 0, 0)).phi, 0.41503749927884376)
    for f in ("iit4_2026", "iit4_2026-paper"):
        res = iitcore.sia(basic, (1, 0, 0), formalism=f)
        assert res.phi == 0.0 and res.signed_phi <= 0.0 and res.phi_cause > 0 and res.phi_effect > 0


def noisy_case(seed: int, n: int, noise: float) -> tuple[Substrate, tuple[int, ...]]:
    """Random gates over random inputs, each output flipped with probability ``noise``; a random state."""
    rng = np.random.default_rng(seed)
    names = ["AND", "OR", "XOR", "NAND", "NOR", "XNOR", "MAJ"]
    units = []
    for _ in range(n):
        ins = sorted(rng.choice(n, size=int(rng.integers(1, min(3, n) + 1)), replace=False).tolist())
        units.append({"gate": str(rng.choice(names)) if len(ins) > 1 else "NOT", "inputs": ins, "noise": noise})
    return Substrate.from_gates(units), tuple(int(b) for b in rng.integers(0, 2, n))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), noise=st.sampled_from([0.0, 0.05, 0.2]))
def test_2026_never_exceeds_2023_and_is_zero_when_deterministic(seed, n, noise):
    sub, state = noisy_case(seed, n, noise)
    try:
        old = iitcore.sia(sub, state)
    except iitcore.StateUnreachableError:
        return
    for f in ("iit4_2026", "iit4_2026-paper"):
        new = iitcore.sia(sub, state, formalism=f)
        assert new.phi <= old.phi + 1e-12
        if noise == 0.0:
            assert new.phi == 0.0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 4), noise=st.sampled_from([0.0, 0.1]))
def test_phi_structures_are_unchanged_by_the_cap(seed, n, noise):
    sub, state = noisy_case(seed, n, noise)
    try:
        old = iitcore.phi_structure(sub, state)
    except iitcore.StateUnreachableError:
        return
    for f in ("iit4_2026", "iit4_2026-paper"):
        new = iitcore.phi_structure(sub, state, formalism=f)
        assert new.big_phi == old.big_phi and new.n_relations == old.n_relations
        assert [d.mechanism for d in new.distinctions] == [d.mechanism for d in old.distinctions]


# ------------------------------------------------------------ S1 tie resolution
def summary(sub: Substrate, state: tuple[int, ...], f: Formalism, perm: list[int] | None = None) -> list[tuple]:
    """(units in the original labels, phi_s, Phi, #distinctions, #relations) of every complex,
    and of the whole substrate (complex or not)."""
    whole = iitcore.phi_structure(sub, state, formalism=f)
    out = [("whole", round(whole.sia.phi, 9), round(whole.big_phi, 9), len(whole.distinctions), whole.n_relations)]
    for c in iitcore.complexes(sub, state, formalism=f):
        ps = iitcore.phi_structure(sub, state, c.units, formalism=f, sia_result=c.sia)
        units = tuple(sorted(perm[u] for u in c.units)) if perm else c.units
        out.append((units, round(c.phi, 9), round(ps.big_phi, 9), len(ps.distinctions), ps.n_relations))
    return out[:1] + sorted(out[1:])


def relabelled(sub: Substrate, state: tuple[int, ...], perm: list[int]) -> tuple[Substrate, tuple[int, ...]]:
    """New unit i is old unit perm[i]."""
    return sub.relabel(perm), tuple(state[o] for o in perm)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), perm=st.permutations(range(4)))
def test_s1_is_label_free_on_random_deterministic_networks(seed, perm):
    rng = np.random.default_rng(seed)
    sub = Substrate.from_tpm(rng.integers(0, 2, (16, 4)).astype(float))
    state = tuple(int(b) for b in rng.integers(0, 2, 4))
    try:
        original = summary(sub, state, S1)
    except iitcore.StateUnreachableError:
        return
    assert summary(*relabelled(sub, state, list(perm)), S1, list(perm)) == original


def gates(*specs: tuple, labels: str | None = None) -> Substrate:
    """Substrate from (gate, inputs[, noise]) tuples."""
    return Substrate.from_gates([{"gate": g, "inputs": ins, "noise": rest[0] if rest else 0.0} for g, ins, *rest in specs],
                                labels=list(labels) if labels else None)


def pqrs() -> Substrate:
    """Findlay et al.'s PQRS: P = XOR(Q,S), Q = XOR(R,S), R = OR(P,Q), S = AND(P,Q)."""
    return gates(("XOR", [1, 3]), ("XOR", [2, 3]), ("OR", [0, 1]), ("AND", [0, 1]), labels="PQRS")


@pytest.mark.parametrize("state", [(1, 1, 0, 0), (1, 1, 1, 0)])
def test_pqrs_relabelled_copies(state):
    """Enumeration order makes a relabelled PQRS differ in Phi (the flagship's target); S1 does not."""
    perm = [0, 1, 3, 2]
    copy = relabelled(pqrs(), state, perm)
    assert summary(*copy, formalism("iit4_2023"), perm) != summary(pqrs(), state, formalism("iit4_2023"))
    assert summary(*copy, S1, perm) == summary(pqrs(), state, S1)
    ps = iitcore.phi_structure(pqrs(), state, formalism=S1)
    record = ps.ties["distinctions"]
    assert record["joint_choices"] > 1 and record["optimal_choices"] >= 1 and record["evaluated_choices"] >= 1


def test_s1_joint_choice_is_the_maximum_of_phi():
    """The bounded search finds the same optimum as trying every joint choice by hand."""
    import itertools

    from iitcore.ces import candidate_distinctions, cause_effect_structure, states_of
    from iitcore.system import expand

    sub, state = pqrs(), (1, 1, 0, 0)
    res = iitcore.sia(sub, state, formalism=S1)
    system = expand(sub, state, res.units)
    cands = candidate_distinctions(sub, system, S1)
    pair = states_of(system, (res.cause_state.state, res.effect_state.state))
    best = cause_effect_structure(cands, pair, S1, "PQRS")
    # every congruent option per candidate, by brute force
    from iitcore.ces import _congruent_options, _distinction, relata
    from iitcore.relations import relation_totals

    per = []
    for c in cands:
        opts = [_congruent_options(c.sides[d], pair[d]) for d in ("cause", "effect")]
        if all(opts):
            per.append([_distinction(c, a, b) for a, b in itertools.product(*opts)])
    values = []
    for choice in itertools.product(*per):
        t = relation_totals(relata(choice))
        values.append(sum(d.phi for d in choice) + t.sum_phi)
    assert max(values) == pytest.approx(best.big_phi, abs=1e-12)
    assert len(values) == best.ties["joint_choices"]


def test_s1_cap_on_joint_choices_names_the_system():
    with pytest.raises(iitcore.TieLimitError, match=r"PQRS: 24 joint choices .* max_tie_alternatives=5"):
        iitcore.phi_structure(pqrs(), (1, 1, 0, 0), formalism=formalism("iit4_2023", tie_rule="s1", max_tie_alternatives=5))


def test_s1_state_ties_by_phi_and_automorphisms():
    """Specified states tied in phi_s: the larger Phi wins; tied in Phi too, the system is a
    complex only if an automorphism relates the tied states."""
    from iitcore.s1 import automorphisms
    from iitcore.system import expand

    # a 4-unit network in 0000: two cause states tie in phi_s, their Phi differ (13.35 and 255.44)
    rows = [[1, 0, 1, 0], [1, 0, 1, 1], [0, 0, 1, 0], [1, 1, 1, 0], [0, 0, 0, 0], [1, 1, 0, 0], [0, 1, 0, 1],
            [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 1], [0, 1, 0, 0], [1, 0, 1, 0],
            [1, 1, 1, 0], [1, 0, 0, 0]]
    sub = Substrate.from_tpm(np.array(rows, dtype=float))
    first, s1 = iitcore.sia(sub, (0, 0, 0, 0)), iitcore.sia(sub, (0, 0, 0, 0), formalism=S1)
    assert first.phi == s1.phi and first.cause_state.state == (0, 0, 1, 0) and s1.cause_state.state == (0, 0, 0, 1)
    phis = {tuple(p["cause"]): p["big_phi"] for p in s1.ties["state_pairs"]}
    assert phis[(0, 0, 0, 1)] > phis[(0, 0, 1, 0)] and s1.unresolved_tie is None
    assert iitcore.phi_structure(sub, (0, 0, 0, 0), formalism=S1).big_phi == pytest.approx(phis[(0, 0, 0, 1)])
    # A = B = XNOR(A, B) in 00: the tied cause states 10 and 01 are swapped by the automorphism
    sym = Substrate.from_tpm(np.array([[1, 1], [0, 0], [0, 0], [1, 1]], dtype=float))
    assert sorted(automorphisms(expand(sym, (0, 0), (0, 1)))) == [(0, 1), (1, 0)]
    res = iitcore.sia(sym, (0, 0), formalism=S1)
    assert res.unresolved_tie is None and [c.units for c in iitcore.complexes(sym, (0, 0), formalism=S1)] == [(0, 1)]
    # A = XNOR(A, B), B = XOR(A, B) in 10: cause states 00 and 11 tie in Phi, no automorphism: not a complex
    asym = Substrate.from_tpm(np.array([[1, 0], [0, 1], [0, 1], [1, 0]], dtype=float))
    assert automorphisms(expand(asym, (1, 0), (0, 1))) == [(0, 1)]
    res = iitcore.sia(asym, (1, 0), formalism=S1)
    assert res.phi == 1.0 and "not a complex" in res.unresolved_tie
    found = iitcore.complexes(asym, (1, 0), formalism=S1)
    assert len(found) == 0 and found.exclusion.excluded[0]["reason"].startswith("not a complex")
    assert [c.units for c in iitcore.complexes(asym, (1, 0))] == [(0, 1)]  # enumeration: the first pair


def test_s1_unresolved_state_tie_is_not_a_complex():
    """An SIA whose tie S1 could not decide takes no part in exclusion, and says why."""
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Fake:
        units: tuple[int, ...]
        phi: float
        unresolved_tie: str | None = None

    res = iitcore.exclusion([Fake((0, 1), 2.0, "tied"), Fake((1,), 1.0)], formalism=S1)
    assert [c.units for c in res.complexes] == [(1,)]
    assert res.excluded[0]["reason"] == "not a complex: tied"


def test_monads_are_pruned_only_when_the_formalism_says_so():
    s = gates(("COPY", [0], 0.1), ("COPY", [1], 0.1))
    plan = iitcore.plan_candidates(s, (0, 0))
    assert sorted(plan.candidates) == [(0,), (1,)]
    off = formalism("iit4_2023", single_units_with_self_loop_have_phi=False)
    plan = iitcore.plan_candidates(s, (0, 0), formalism=off)
    assert plan.candidates == [] and sum(p["count"] for p in plan.pruned) == 3
    assert iitcore.sia(s, (0, 0), units=[0], formalism=off).reasons == ("SINGLE_UNIT",)
    assert iitcore.sia(s, (0, 0), units=[0]).phi > 0
