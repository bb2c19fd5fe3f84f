"""Targets and their verified implementations (pipelines.families)."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

import iitcore
from iitcore import Substrate
from pipelines.families import (
    KINDS,
    RECIPES,
    FamilyError,
    Implementation,
    VerificationError,
    implement,
    make_target,
    reference_networks,
    verify,
    wiring_fingerprint,
)
from pipelines.families.computer import schedule
from pipelines.families.targets import PQRS_STATE
from pipelines.families.yeast import STATIONARY_G1, TRAJECTORY

GENERATORS = [
    ("random", {"n": 4, "k": 2}),
    ("random", {"n": 3, "k": 3, "self_loops": True, "gates": ["AND", "XOR", "THRESHOLD"]}),
    ("random", {"n": 4, "k": 2, "noise": 0.1}),
]


def same_substrate(a: Substrate, b: Substrate) -> bool:
    return a.inputs == b.inputs and all(np.array_equal(x, y) for x, y in zip(a.tables, b.tables))


# ------------------------------------------------------------------ targets
@pytest.mark.parametrize("recipe,params", GENERATORS)
def test_random_generator_is_reproducible_and_seeded(recipe, params):
    a, b, c = make_target(recipe, params, 7), make_target(recipe, params, 7), make_target(recipe, params, 8)
    assert a.id == b.id and same_substrate(a.substrate, b.substrate)
    assert a.id != c.id and not same_substrate(a.substrate, c.substrate)


@pytest.mark.parametrize(
    "recipe,params",
    [("pqrs", {}), ("reference:pyphi_basic", {}), ("eca", {"rule": 110, "width": 5}), ("yeast", {}), ("pqrs", {"noise": 0.05})],
)
def test_named_generators_are_reproducible(recipe, params):
    a, b = make_target(recipe, params, 0), make_target(recipe, params, 0)
    assert a.id == b.id and same_substrate(a.substrate, b.substrate)
    assert a.id == make_target(recipe, params, 5).id  # the seed is unused, so not part of the id


def test_ids_depend_on_normalised_params():
    assert make_target("pqrs", {}, 0).id == make_target("pqrs", {"noise": 0.0}, 0).id
    assert make_target("pqrs", {}, 0).id != make_target("pqrs", {"noise": 0.1}, 0).id
    assert make_target("eca", {"rule": 30, "width": 4}, 0).id != make_target("eca", {"rule": 90, "width": 4}, 0).id


@pytest.mark.parametrize(
    "recipe,params,match",
    [
        ("nope", {}, "unknown recipe"),
        ("random", {"n": 3}, "missing required parameter 'k'"),
        ("random", {"n": 3, "k": 2, "colour": 1}, "unknown parameter"),
        ("random", {"n": 3, "k": 3}, "k=3"),
        ("random", {"n": 3, "k": 2, "gates": ["FOO"]}, "invalid value for 'gates'"),
        ("eca", {"rule": 300, "width": 4}, "rule"),
        ("reference:no_such_network", {}, "no reference network"),
        ("pqrs:x", {}, "take a ':<name>' suffix"),
    ],
)
def test_bad_recipes_and_params_are_named(recipe, params, match):
    with pytest.raises(FamilyError, match=match):
        make_target(recipe, params, 0)


@pytest.mark.filterwarnings("ignore::iitcore.CMMismatchWarning")
def test_every_reference_network_loads_by_name():
    for name, net in reference_networks().items():
        t = make_target(f"reference:{name}", {}, 0)
        assert t.n == net["n_units"] and t.labels == tuple(net["node_labels"])
        if name != "pyphi_residue":  # its cm omits self-loops its TPM has; the reference averages them out
            assert np.allclose(t.substrate.tpm(), np.asarray(net["tpm"]))


def test_reference_path_is_configurable(tmp_path):
    with pytest.raises(FamilyError, match="reference file not found"):
        make_target("reference:pyphi_basic", {"path": str(tmp_path / "missing.json")}, 0)


def test_pqrs_is_a_single_complex():
    t = make_target("pqrs", {}, 0)
    phis = {}
    for k in range(1, 5):
        for units in itertools.combinations(range(4), k):
            try:
                phis[units] = iitcore.sia(t.substrate, PQRS_STATE, units).phi
            except iitcore.StateUnreachableError:  # not a candidate
                pass
    whole = phis.pop((0, 1, 2, 3))
    assert whole > 0.8 and all(phi == 0 for phi in phis.values())
    assert [c.units for c in iitcore.complexes(t.substrate, PQRS_STATE).complexes] == [(0, 1, 2, 3)]
    assert t.update(PQRS_STATE) == (0, 0, 1, 0)


def test_eca_rules():
    rule90 = make_target("eca", {"rule": 90, "width": 5}, 0)  # left XOR right
    s = (1, 0, 0, 1, 1)
    assert rule90.update(s) == tuple(s[(i - 1) % 5] ^ s[(i + 1) % 5] for i in range(5))
    rule110 = make_target("eca", {"rule": 110, "width": 3}, 0)
    # (left, centre, right) of cells 0, 1, 2 in state 100: 010, 100, 001 -> bits 2, 4, 1 of 110 = 1, 0, 1
    assert rule110.update((1, 0, 0)) == (1, 0, 1)


def test_yeast_trajectory_reaches_stationary_g1():
    t = make_target("yeast", {}, 0)
    state = TRAJECTORY[0][1]
    for _, expected in TRAJECTORY:
        assert state == expected
        state = t.update(state)
    assert state == STATIONARY_G1 == t.update(STATIONARY_G1)


# ------------------------------------------------------------------ implementations
def check_record(impl: Implementation, target) -> None:
    v = impl.verification
    assert v["verified"] and v["states_checked"] == 1 << target.n
    assert impl.target_id == target.id and impl.substrate.n == len(impl.unit_roles)


def test_computer_verifies_for_pqrs_and_its_contract():
    t = make_target("pqrs", {}, 0)
    c = implement(t, "computer")
    check_record(c, t)
    assert c.verification["cycles_checked"] >= 3 and c.cycle_length == schedule(4).cycle_length
    enc = c.encode(PQRS_STATE)
    assert tuple(enc[u] for u in c.target_units) == PQRS_STATE
    phases = c.phase_states(PQRS_STATE)
    assert len(phases) == c.cycle_length and phases[0] == enc
    step = c.substrate.step(phases[-1])
    assert step == c.encode(t.update(PQRS_STATE))
    roles = set(c.unit_roles)
    assert {"clock", "memory", "register", "decoder", "mux", "buffer"} <= roles


@pytest.mark.parametrize("n", [3, 4])
def test_computer_verifies_for_random_targets(n):
    fingerprints = set()
    for seed in range(20):
        t = make_target("random", {"n": n, "k": 2, "self_loops": seed % 2 == 1}, seed)
        c = implement(t, "computer")
        check_record(c, t)
        fingerprints.add(wiring_fingerprint(c.substrate))
    assert len(fingerprints) == 1


def test_computer_wiring_does_not_depend_on_the_program():
    a = implement(make_target("pqrs", {}, 0), "computer")
    b = implement(make_target("eca", {"rule": 30, "width": 4}, 0), "computer")
    assert a.id != b.id and wiring_fingerprint(a.substrate) == wiring_fingerprint(b.substrate)
    assert a.encode(PQRS_STATE) != b.encode(PQRS_STATE)  # only memory contents differ
    assert wiring_fingerprint(a.substrate) != wiring_fingerprint(implement(make_target("yeast", {}, 0), "copy").substrate)


def test_copy_has_the_same_phi_as_its_target():
    t = make_target("pqrs", {}, 0)
    copy = implement(t, "copy", seed=3)
    check_record(copy, t)
    assert copy.params["permutation"] != [0, 1, 2, 3]
    for idx in range(16):
        s = tuple((idx >> i) & 1 for i in range(4))
        try:
            phi = iitcore.sia(t.substrate, s).phi
        except iitcore.StateUnreachableError:
            continue
        assert iitcore.sia(copy.substrate, copy.encode(s)).phi == pytest.approx(phi, abs=1e-12)


def test_copy_of_a_noisy_target_is_verified_by_probabilities():
    t = make_target("random", {"n": 3, "k": 2, "noise": 0.1}, 1)
    copy = implement(t, "copy", permutation=[2, 0, 1])
    assert "probabilities" in copy.verification["method"]
    assert copy.phase_states((1, 0, 1)) == [copy.encode((1, 0, 1))] == [(1, 1, 0)]
    with pytest.raises(FamilyError, match="deterministic"):
        implement(t, "computer")


def test_unfolding_reproduces_f_H_and_has_no_complex():
    t = make_target("pqrs", {}, 0)
    u = implement(t, "unfolding", horizon=3)
    check_record(u, t)
    assert u.cycle_length == 4
    for idx in range(16):
        s = tuple((idx >> i) & 1 for i in range(4))
        expected = s
        for _ in range(3):
            expected = t.update(expected)
        assert tuple(u.encode(s)[j] for j in u.target_units) == expected
    state = u.encode(PQRS_STATE)
    plan = iitcore.plan_candidates(u.substrate, state)
    assert all(iitcore.sia(u.substrate, state, c).phi == 0 for c in plan.candidates)


def test_broken_implementation_fails_with_a_counterexample():
    t = make_target("pqrs", {}, 0)
    c = implement(t, "computer")
    memory = c.unit_roles.index("memory")
    good = c.encoder

    def corrupt(states: np.ndarray) -> np.ndarray:  # one flipped program bit
        x = good(states)
        x[:, memory] ^= 1
        return x

    broken = dataclasses.replace(c, encoder=corrupt, verification={})
    with pytest.raises(VerificationError, match=r"counterexample target state \(\d, \d, \d, \d\)"):
        verify(broken, t)


def test_kinds_and_bad_implementation_params():
    assert set(KINDS) == {"computer", "unfolding", "copy", "ring_computer"} and "random" in RECIPES
    t = make_target("pqrs", {}, 0)
    with pytest.raises(FamilyError, match="unknown implementation kind"):
        implement(t, "abacus")
    with pytest.raises(FamilyError, match="unknown parameter"):
        implement(t, "unfolding", depth=2)
    with pytest.raises(FamilyError, match="permutation"):
        implement(t, "copy", permutation=[0, 0, 1, 2])
