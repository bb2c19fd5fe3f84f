"""The exact MIP searches (iitcore.system_mip, iitcore.mechanism_mip) against full enumeration."""

from __future__ import annotations

import importlib
import warnings
from itertools import product

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import iitcore
from iitcore.sia import COMPAT_MODES
from iitcore.mechanism_mip import searched_cause_mip, searched_effect_mip, tabulated_mip
from iitcore.mechanism_partitions import parts_of_row, partition_table, purview_assignments, row_of
from iitcore.partitions import direction_bits, set_partition_key, set_partition_labels
from iitcore.system import expand
from iitcore.system_mip import SideSearch, theta_key

sia_module = importlib.import_module("iitcore.sia")

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def random_substrate(n: int, seed: int, density: float, deterministic: bool, coarse: bool) -> iitcore.Substrate:
    """Random wiring (``density``), deterministic or probabilistic units; ``coarse``
    probabilities come from a few values, so partitions tie."""
    rng = np.random.default_rng(seed)
    cm = (rng.random((n, n)) < density).astype(int)
    for j in range(n):  # every unit keeps at least one input
        if not cm[:, j].any():
            cm[rng.integers(n), j] = 1
    shape = (1 << n, n)
    if deterministic:
        tpm = (rng.random(shape) < 0.5).astype(float)
    elif coarse:
        tpm = rng.choice([0.1, 0.5, 0.9], size=shape)
    else:
        tpm = rng.uniform(0.02, 0.98, size=shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return iitcore.Substrate.from_tpm(tpm, cm)


def mip(system, cause, effect, info, compat, candidates):
    """The MIP from ``sia.enumerated_candidates`` (every partition in enumeration
    order, the code before the search) or ``sia.searched_candidates``."""
    t_e = sia_module._unit_terms(system, "effect", effect)
    t_c = sia_module._unit_terms(system, "cause", cause)
    sel_c = float(info.cause_selectivity[sia_module._le(cause)])
    sel_e = float(info.effect_forward[sia_module._le(effect)])
    first_bad, keys, values = candidates(system, t_c, t_e, sel_c, sel_e)
    if first_bad is not None:
        return np.asarray(first_bad[1]), first_bad[0], [first_bad[0]], True
    return sia_module._resolve_ties(system, keys, values, compat)


systems = st.tuples(
    st.integers(2, 9),  # units
    st.integers(0, 2**32 - 1),  # seed
    st.sampled_from([0.35, 0.6, 1.0]),  # density
    st.booleans(),  # deterministic
    st.booleans(),  # coarse probabilities
)


def _sizes_mostly_small(n: int, seed: int) -> int:
    return n if n < 8 or seed % 4 == 0 else n - 3  # keep the enumerations affordable


@SETTINGS
@given(systems, st.sampled_from(COMPAT_MODES))
def test_system_search_equals_full_enumeration(params, compat):
    n, seed, density, deterministic, coarse = params
    n = _sizes_mostly_small(n, seed)
    sub = random_substrate(n, seed, density, deterministic, coarse)
    state = tuple(int(b) for b in np.random.default_rng(seed + 1).integers(0, 2, n))
    system = expand(sub, state, tuple(range(n)))
    info = sia_module.intrinsic_information(system)
    assume(sia_module._strongly_connected(system.cm) and min(info.ii_cause, info.ii_effect) > 0)
    for cause, effect in product(info.cause_states[:2], info.effect_states[:2]):
        ours = mip(system, cause, effect, info, compat, sia_module.searched_candidates)
        full = mip(system, cause, effect, info, compat, sia_module.enumerated_candidates)
        np.testing.assert_allclose(ours[0], full[0], rtol=1e-12, atol=1e-13)
        assert ours[1:] == full[1:]  # the MIP key, the tied MIPs, the early-stop flag


def _all_partitions(k: int):
    """(labels, directions) of every directional partition, by brute force."""
    for labels in set_partition_labels(k)[1:]:
        K = int(labels.max()) + 1
        for dirs in product(range(3), repeat=K):
            yield labels, dirs


def _brute_value(side: SideSearch, terms, inputs, labels, dirs) -> tuple[float, int]:
    K = int(labels.max()) + 1
    ins_cut, outs_cut = direction_bits(K)
    d = sum(x * 3 ** (K - 1 - b) for b, x in enumerate(dirs))
    la, lb = labels[:, None], labels[None, :]
    X = (la != lb) & (ins_cut[d][lb] | outs_cut[d][la])
    F = 0.0
    for j, ins in enumerate(inputs):
        F += terms[j][sum(1 << r for r, a in enumerate(ins) if X[a, j])]
    return F, int(X.sum())


@SETTINGS
@given(st.integers(2, 5), st.integers(0, 2**32 - 1), st.sampled_from([0.35, 1.0]), st.booleans(), st.floats(-0.5, 2.0))
def test_dynamic_programme_minimum_equals_brute_force(n, seed, density, coarse, mu):
    """min over partitions of F - mu N (any sign, any mu) and the listing of near-minimal ones."""
    sub = random_substrate(n, seed, density, False, coarse)
    system = expand(sub, (0,) * n, tuple(range(n)))
    info = sia_module.intrinsic_information(system)
    terms = sia_module._unit_terms(system, "effect", info.effect_states[0])
    side = SideSearch(system.inputs, terms)
    values = {}
    for labels, dirs in _all_partitions(n):
        F, N = _brute_value(side, terms, system.inputs, labels, dirs)
        values[set_partition_key(list(labels), list(dirs))] = F - mu * N
    best = min(values.values())
    assert side.minimum(mu) == pytest.approx(best, abs=1e-12)
    listed = {theta_key(n, t) for t in side.solutions(side.tables(mu), best + 1e-9)}
    assert {key for key, v in values.items() if v <= best + 1e-9 - 1e-12} <= listed
    assert listed <= {key for key, v in values.items() if v <= best + 1e-9 + 1e-12}


def test_partition_keys_invert_the_enumeration():
    for k in range(2, 7):
        for i, labels in enumerate(set_partition_labels(k)[1:]):
            K = int(labels.max()) + 1
            for d, dirs in enumerate(product(range(3), repeat=K)):
                if (i + d) % 7 == 0:
                    relabel = {b: K - 1 - b for b in range(K)}  # any labelling gives the same key
                    labels2 = [relabel[int(x)] for x in labels]
                    dirs2 = [dirs[K - 1 - b] for b in range(K)]
                    assert set_partition_key(labels2, dirs2) == i * 3**k + d


def test_dense_twelve_units_phi_s():
    """Past the old limit: a dense probabilistic 12-unit system (the search visits no partition one by one)."""
    rng = np.random.default_rng(0)
    n = 12
    weights = rng.uniform(0.0, 0.3, (n, n))
    spins = ((np.arange(1 << n)[:, None] >> np.arange(n)) & 1) * 2 - 1
    sub = iitcore.Substrate.from_tpm(np.round(1.0 / (1.0 + np.exp(-4.0 * (spins @ weights))), 4))
    res = iitcore.sia(sub, (0,) * n)
    assert res.phi > 0 and not res.mip_search_shortcircuited
    assert res.partition.normalization == n - 1  # one unit cut away in one direction
    assert res.phi == pytest.approx(res.normalized_phi * (n - 1))


# ------------------------------------------------------------ mechanisms
def random_probs(units: int, bits: int, seed: int, coarse: bool) -> np.ndarray:
    """probs[u, mask]: each unit depends on a random subset of the fixed inputs."""
    rng = np.random.default_rng(seed)
    out = np.empty((units, 1 << bits))
    for u in range(units):
        relevant = sum(1 << i for i in range(bits) if rng.random() < 0.7)
        values = rng.choice([0.25, 0.5, 0.75, 1.0], 1 << bits) if coarse else rng.uniform(0.05, 1.0, 1 << bits)
        out[u] = values[np.arange(1 << bits) & relevant]
    return out


shapes = st.tuples(st.integers(1, 6), st.integers(1, 6)).filter(lambda s: s[0] * s[1] <= 30)


@SETTINGS
@given(shapes, st.integers(0, 2**32 - 1), st.booleans(), st.floats(0.05, 1.0))
def test_mechanism_search_equals_full_enumeration(shape, seed, coarse, sel):
    m, z = shape
    table = partition_table(m, z)
    effect = random_probs(z, m, seed, coarse)
    cause = random_probs(m, z, seed + 1, coarse)
    assert searched_effect_mip(sel, effect, m, z) == pytest.approx(tabulated_mip(sel, effect, table.emask, table.N), abs=1e-13)
    assert searched_effect_mip(sel, effect, m, z)[2] == tabulated_mip(sel, effect, table.emask, table.N)[2]
    assert searched_cause_mip(sel, cause, m, z)[2] == tabulated_mip(sel, cause, table.cmask, table.N)[2]
    assert searched_cause_mip(sel, cause, m, z)[:2] == pytest.approx(tabulated_mip(sel, cause, table.cmask, table.N)[:2], abs=1e-13)


def test_mechanism_rows_rank_and_unrank_without_tables():
    for m in range(1, 5):
        for z in range(1, 5):
            table = partition_table(m, z)
            for row in range(len(table.N)):
                assert parts_of_row(m, z, row) == table.parts(row)
                source = int(table.source[row])
                parts = int(set_partition_labels(m)[source].max()) + 2
                assignment = purview_assignments(parts, z)[int(table.assignment[row])]
                assert row_of(m, source, [int(x) for x in assignment]) == row


def test_seven_unit_phi_structure():
    """Past the old limit (7-unit mechanisms raised): a 7-unit ring of noisy majority gates."""
    n = 7
    gates = [{"gate": "MAJ", "inputs": sorted({(i - 1) % n, i, (i + 1) % n}), "noise": 0.1} for i in range(n)]
    sub = iitcore.Substrate.from_gates(gates)
    state = (1, 1, 0, 1, 0, 0, 1)
    res = iitcore.phi_structure(sub, state)
    assert res.distinctions and all(d.phi > 0 for d in res.distinctions)
    top = [d for d in res.distinctions if len(d.mechanism) >= 6]
    for d in top:  # partitions of the largest mechanisms are reported in global indices
        assert sorted(q for part, _ in d.cause.partition for q in part) == list(d.mechanism)
    shifted = iitcore.phi_structure(sub, state[1:] + state[:1])  # rotating the ring relabels the system
    rotated = {tuple(sorted((q + 1) % n for q in d.mechanism)): d.phi for d in shifted.distinctions}
    assert rotated == pytest.approx({d.mechanism: d.phi for d in res.distinctions}, rel=1e-9)
    # (relations may differ: the null SIA's congruence filter takes the first tied system states)


@pytest.mark.parametrize("compat", COMPAT_MODES)
def test_reference_networks_searched_as_enumerated(compat, monkeypatch):
    """Every reference network's SIA is the same whether its partitions are searched or enumerated."""
    from tests.reference import networks, substrate

    for net in networks():
        if not net["results"].get("sia"):
            continue
        sub = substrate(net)
        monkeypatch.setattr(sia_module, "ENUMERATED_UNITS", 99)
        enumerated = iitcore.sia(sub, net["state"], compat=compat).to_dict()
        monkeypatch.setattr(sia_module, "ENUMERATED_UNITS", 1)
        searched = iitcore.sia(sub, net["state"], compat=compat).to_dict()
        for key in ("phi", "signed_phi", "phi_cause", "phi_effect", "normalized_phi"):
            assert searched[key] == pytest.approx(enumerated[key], rel=1e-12, abs=1e-13), (net["name"], key)
        for key in ("partition", "mip_search_shortcircuited", "cause_state", "effect_state"):
            assert searched[key] == enumerated[key], (net["name"], key)
        assert [m["cut_matrix"] for m in searched["ties"].get("mips", [])] == [m["cut_matrix"] for m in enumerated["ties"].get("mips", [])]


@pytest.mark.parametrize(("n", "coarse"), [(6, True), (7, False), (8, True), (9, False)])
def test_dense_irreducible_systems_equal_full_enumeration(n, coarse):
    """Dense logistic systems, probabilities rounded coarsely (ties) or finely."""
    rng = np.random.default_rng(n)
    weights = rng.uniform(0.0, 0.3, (n, n))
    spins = ((np.arange(1 << n)[:, None] >> np.arange(n)) & 1) * 2 - 1
    tpm = 1.0 / (1.0 + np.exp(-4.0 * (spins @ weights)))
    sub = iitcore.Substrate.from_tpm(np.round(tpm, 2 if coarse else 4))
    system = expand(sub, (0,) * n, tuple(range(n)))
    info = sia_module.intrinsic_information(system)
    cause, effect = info.cause_states[0], info.effect_states[0]
    for compat in COMPAT_MODES:
        ours = mip(system, cause, effect, info, compat, sia_module.searched_candidates)
        full = mip(system, cause, effect, info, compat, sia_module.enumerated_candidates)
        np.testing.assert_allclose(ours[0], full[0], rtol=1e-12, atol=1e-13)
        assert ours[1:] == full[1:]
