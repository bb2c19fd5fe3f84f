"""Substrate construction, bad input, and phi_s invariants (hypothesis)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iitcore import (
    CMMismatchWarning,
    InvalidStateError,
    InvalidSubstrateError,
    Substrate,
    sia,
)
from iitcore.substrate import state_by_node
from tests.reference import network, networks, substrate

BASIC_TPM = network("pyphi_basic")["tpm"]
BASIC_CM = network("pyphi_basic")["cm"]


# ------------------------------------------------------------ constructors
def test_from_tpm_keeps_only_cm_inputs():
    s = Substrate.from_tpm(BASIC_TPM, BASIC_CM)
    assert s.inputs == ((1, 2), (2,), (0, 1))
    assert s.labels == ("A", "B", "C")
    np.testing.assert_array_equal(s.tpm(), np.asarray(BASIC_TPM))


def test_constructors_agree():
    gates = Substrate.from_gates(
        [{"gate": "OR", "inputs": [1, 2]}, {"gate": "COPY", "inputs": [2]}, {"gate": "XOR", "inputs": [0, 1]}]
    )
    units = Substrate.from_units([[0, 1, 1, 1], [0, 1], [0, 1, 1, 0]], [[1, 2], [2], [0, 1]])
    ref = Substrate.from_tpm(BASIC_TPM, BASIC_CM)
    for other in (gates, units):
        assert other.inputs == ref.inputs
        np.testing.assert_array_equal(other.tpm(), ref.tpm())


def test_from_units_accepts_unsorted_inputs_and_shaped_tables():
    # unit 0 = A AND NOT B, given with inputs in the order (B, A) as a [2, 2] table
    table = np.zeros((2, 2))
    table[0, 1] = 1.0  # B = 0, A = 1
    s = Substrate.from_units([table, [0.5, 0.5]], [[1, 0], [0]])
    assert s.inputs[0] == (0, 1)
    assert s.on_probabilities((1, 0))[0] == 1.0
    assert s.on_probabilities((1, 1))[0] == 0.0
    assert s.on_probabilities((0, 0))[0] == 0.0


def test_multidimensional_and_state_by_state_tpms():
    sbn = np.asarray(BASIC_TPM, dtype=float)
    multi = sbn.reshape([2, 2, 2, 3], order="F")
    np.testing.assert_array_equal(state_by_node(multi), sbn)
    sbs = np.zeros((8, 8))
    for row, nxt in enumerate(sbn.astype(int)):
        sbs[row, int(nxt @ (1 << np.arange(3)))] = 1.0
    np.testing.assert_array_equal(state_by_node(sbs), sbn)


def test_state_by_state_must_be_conditionally_independent():
    sbs = np.zeros((4, 4))
    sbs[:, 0] = sbs[:, 3] = 0.5  # next state 00 or 11: the units are correlated
    with pytest.raises(InvalidSubstrateError, match="conditionally independent"):
        Substrate.from_tpm(sbs)


def test_gates_with_noise_and_threshold():
    s = Substrate.from_gates(
        [{"gate": "THRESHOLD", "inputs": [0, 1, 2], "threshold": 2}, {"gate": "NOT", "inputs": [0]}, {"gate": "MAJ", "inputs": [0, 1, 2]}],
        noise=0.1,
    )
    np.testing.assert_allclose(s.on_probabilities((1, 1, 0)), [0.9, 0.1, 0.9])
    with pytest.raises(InvalidSubstrateError, match="unknown gate"):
        Substrate.from_gates([{"gate": "FOO", "inputs": [0]}])
    with pytest.raises(InvalidSubstrateError, match="takes 1 input"):
        Substrate.from_gates([{"gate": "NOT", "inputs": [0, 0]}, {"gate": "COPY", "inputs": [0]}])


def test_large_factored_substrate_is_cheap():
    rng = np.random.default_rng(0)
    n = 1000
    gates = [{"gate": "MAJ", "inputs": sorted(rng.choice(n, 3, replace=False).tolist())} for _ in range(n)]
    s = Substrate.from_gates(gates)
    assert s.n == n and sum(t.size for t in s.tables) == 8 * n


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "tpm, match",
    [
        (np.zeros((3, 2)), "not a power of two"),
        (np.zeros((4, 3)), "neither state-by-node"),
        (np.full((4, 2), 1.5), "outside \\[0, 1\\]"),
        (np.full((4, 2), np.nan), "NaN"),
        (np.zeros((2, 2, 3)), "must be 2-D"),
    ],
)
def test_malformed_tpm(tpm, match):
    with pytest.raises(InvalidSubstrateError, match=match):
        Substrate.from_tpm(tpm)


@pytest.mark.parametrize(
    "cm, match",
    [(np.ones((2, 3)), "shape"), (np.full((3, 3), 2), "0 or 1")],
)
def test_malformed_cm(cm, match):
    with pytest.raises(InvalidSubstrateError, match=match):
        Substrate.from_tpm(BASIC_TPM, cm)


def test_cm_omitting_a_dependence_warns_and_is_averaged_out():
    residue = network("pyphi_residue")
    with pytest.warns(CMMismatchWarning, match="C depends on C"):
        s = Substrate.from_tpm(residue["tpm"], residue["cm"], residue["node_labels"])
    assert 2 not in s.inputs[2]
    with pytest.raises(InvalidSubstrateError, match="omits dependences"):
        Substrate.from_tpm(residue["tpm"], residue["cm"], on_cm_mismatch="error")


def test_cm_with_unused_edge_is_fine():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = Substrate.from_tpm(BASIC_TPM)  # default cm: all ones
    assert all(len(ins) == 3 for ins in s.inputs)
    assert sia(s, (1, 0, 0)).phi == pytest.approx(sia(Substrate.from_tpm(BASIC_TPM, BASIC_CM), (1, 0, 0)).phi)


@pytest.mark.parametrize(
    "state, match",
    [((1, 0), "3 units"), ((1, 0, 2), "only 0 and 1"), ((1, 0, 0.5), "only 0 and 1"), ("abc", "0/1")],
)
def test_bad_states(state, match):
    with pytest.raises(InvalidStateError, match=match):
        sia(substrate(network("pyphi_basic")), state)


def test_units_that_do_not_exist():
    s = substrate(network("pyphi_basic"))
    with pytest.raises(InvalidSubstrateError, match="does not exist"):
        sia(s, (1, 0, 0), units=[0, 5])
    with pytest.raises(InvalidSubstrateError, match="no unit labelled 'Z'"):
        sia(s, (1, 0, 0), units=["Z"])


def test_from_dict_rejects_non_mappings_and_unknown_forms():
    with pytest.raises(InvalidSubstrateError, match="must be a mapping"):
        Substrate.from_dict([[0, 1]])  # type: ignore[arg-type]
    with pytest.raises(InvalidSubstrateError, match="'tpm', 'units' or 'gates'"):
        Substrate.from_dict({"cm": [[1]]})
    data = substrate(network("pyphi_basic")).to_dict()
    assert sia(Substrate.from_dict(data), (1, 0, 0)).phi == pytest.approx(np.log2(4 / 3))


# ------------------------------------------------------------- invariants
@st.composite
def random_substrates(draw, max_n: int = 4):
    n = draw(st.integers(1, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    inputs = [sorted(rng.choice(n, size=int(rng.integers(1, n + 1)), replace=False).tolist()) for _ in range(n)]
    deterministic = draw(st.booleans())
    tables = []
    for ins in inputs:
        t = rng.random(1 << len(ins))
        tables.append(np.round(t) if deterministic else np.round(t, 3))
    sub = Substrate.from_units(tables, inputs)
    state = tuple(int(x) for x in rng.integers(0, 2, n))
    return sub, state, rng.permutation(n).tolist()


def _sia_or_none(sub, state, units=None):
    try:
        return sia(sub, state, units)
    except Exception as exc:  # unreachable states are legitimate here
        assert type(exc).__name__ == "StateUnreachableError"
        return None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_substrates())
def test_relabelling_permutes_but_keeps_phi(case):
    sub, state, perm = case
    res = _sia_or_none(sub, state)
    moved = sub.relabel(perm)
    res2 = _sia_or_none(moved, tuple(state[p] for p in perm))
    assert (res is None) == (res2 is None)
    if res is not None:
        assert res2.phi == pytest.approx(res.phi, abs=1e-9)
        assert res.phi >= 0.0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_substrates(), st.integers(0, 2**16))
def test_phi_nonnegative_and_zero_when_not_strongly_connected(case, pick):
    sub, state, _ = case
    units = [u for u in range(sub.n) if (pick >> u) & 1] or [0]
    res = _sia_or_none(sub, state, units)
    if res is None:
        return
    assert res.phi >= 0.0 and res.normalized_phi >= 0.0
    cm = sub.cm[np.ix_(units, units)].astype(bool)
    reach = cm | np.eye(len(units), dtype=bool)
    for _ in range(len(units)):
        reach = reach | ((reach.astype(int) @ reach.astype(int)) > 0)
    if not reach.all():
        assert res.phi == 0.0 and res.reasons == ("NO_STRONG_CONNECTIVITY",)


def test_reference_substrates_round_trip_through_json():
    for net in networks()[:10]:
        s = substrate(net)
        again = Substrate.from_dict(s.to_dict())
        np.testing.assert_array_equal(again.tpm(), s.tpm())
