"""Targets that integrate (permutation, dense, Phi-threshold sampling) and reachability of target states."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.families import FamilyError, make_target
from pipelines.families.integrating import largest_phi
from pipelines.families.reachability import reachable, state_index
from pipelines.families.simulate import Stepper, all_states


@pytest.mark.parametrize("n", [3, 4, 5])
def test_permutation_is_reversible_and_reads_every_unit(n: int) -> None:
    t = make_target("permutation", {"n": n}, seed=7)
    nxt = state_index(Stepper(t.substrate).step(all_states(n)))
    assert sorted(nxt.tolist()) == list(range(1 << n))  # a bijection: every state has exactly one cause
    assert nxt.tolist() == t.info["permutation"]
    assert all(ins == tuple(range(n)) for ins in t.substrate.inputs)
    assert reachable(t.substrate).all()
    assert make_target("permutation", {"n": n}, seed=7).info == t.info
    assert make_target("permutation", {"n": n}, seed=8).info != t.info


def test_dense_networks_read_all_units_including_themselves() -> None:
    t = make_target("dense", {"n": 4}, seed=3)
    assert all(ins == (0, 1, 2, 3) for ins in t.substrate.inputs)
    assert np.array_equal(np.array([tb for tb in t.substrate.tables]), np.array(t.info["tables"]))
    with pytest.raises(FamilyError, match="n must be in 2..8"):
        make_target("dense", {"n": 1})


def test_reachability_matches_the_image_of_the_map() -> None:
    t = make_target("random", {"n": 4, "k": 2}, seed=5)
    image = {t.update(s) for s in all_states(4).tolist()}
    got = reachable(t.substrate)
    for s in all_states(4).tolist():
        assert got[int(state_index(np.array([s]))[0])] == (tuple(s) in image)
    assert reachable(make_target("random", {"n": 4, "k": 2, "noise": 0.05}, seed=5).substrate).all()


SAMPLER = {"base": "dense", "base_params": {"n": 3}, "min_Phi": 3.0}


def test_phi_threshold_sampler_is_reproducible_and_records_its_acceptance() -> None:
    a = make_target("phi-threshold", SAMPLER, seed=11)
    b = make_target("phi-threshold", SAMPLER, seed=11)
    rec = a.info["sampler"]
    assert a.id == b.id and a.info == b.info
    assert rec["draws"] == rec["rejected"] + 1 and rec["acceptance_rate"] == pytest.approx(1 / rec["draws"])
    assert len(rec["rejected_Phi"]) == rec["rejected"] and all(p < 3.0 for p in rec["rejected_Phi"])
    # the kept target is the base recipe's draw, and its chosen state really reaches the threshold
    base = make_target("dense", {"n": 3}, seed=rec["base_seed"])
    assert np.array_equal(np.array(base.substrate.tables), np.array(a.substrate.tables))
    state = tuple(a.info["state"])
    assert reachable(a.substrate)[int(state_index(np.array([state]))[0])]
    assert largest_phi(a.substrate, state, "iit4_2023") == pytest.approx(rec["Phi"]) and rec["Phi"] >= 3.0


def test_phi_threshold_sampler_with_a_given_state_and_an_unreachable_threshold() -> None:
    t = make_target("phi-threshold", {**SAMPLER, "state": [1, 0, 1], "min_Phi": 0.0}, seed=2)
    assert t.info["state"] == [1, 0, 1] and t.info["sampler"]["draws"] == 1
    with pytest.raises(FamilyError, match="none of 3 draws .* reached Phi >= 1000"):
        make_target("phi-threshold", {**SAMPLER, "min_Phi": 1000, "max_draws": 3}, seed=2)
    with pytest.raises(FamilyError, match="base must be another recipe"):
        make_target("phi-threshold", {**SAMPLER, "base": "phi-threshold"}, seed=2)
    with pytest.raises(FamilyError, match="missing required parameter 'min_Phi'"):
        make_target("phi-threshold", {"base": "dense", "base_params": {"n": 3}})
