"""Fidelity of noisy implementations, against exhaustive simulation of every flip pattern."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pipelines.families import implement, make_target
from pipelines.families.fidelity import add_gate_noise, fidelity, noisy_implementation
from pipelines.families.simulate import Stepper, all_states


def exhaustive(impl, target, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Sum over every pattern of output flips of the noise-free substrate during one cycle."""
    noisy_units = [j for j in range(impl.substrate.n) if j not in impl.driven_units]
    stepper = Stepper(impl.substrate, impl.driven_units)
    states = all_states(target.n)
    start, goal = impl.encoder(states), impl.encoder(Stepper(target.substrate).step(states))
    drive = impl.driver(states) if impl.driver is not None else None
    bits = len(noisy_units) * impl.cycle_length
    whole, registers = np.zeros(len(states)), np.zeros(len(states))
    for pattern in itertools.product([0, 1], repeat=bits):
        flips = np.array(pattern, dtype=np.int8).reshape(impl.cycle_length, len(noisy_units))
        weight = eps ** flips.sum() * (1 - eps) ** (bits - flips.sum())
        x = start.copy()
        for t in range(impl.cycle_length):
            x = stepper.step(x)
            x[:, noisy_units] ^= flips[t]
            if drive is not None:
                x[:, list(impl.driven_units)] = drive
        whole += weight * (x == goal).all(axis=1)
        registers += weight * (x[:, list(impl.target_units)] == goal[:, list(impl.target_units)]).all(axis=1)
    return whole, registers


@pytest.fixture(scope="module")
def small() -> tuple:
    target = make_target("random", {"n": 2, "k": 2, "self_loops": True}, seed=4)
    return target, implement(target, "unfolding", horizon=2)  # 6 units, 4 noisy, 3 ticks: 4096 flip patterns


@pytest.mark.parametrize("eps", [0.05, 0.2])
def test_exact_fidelity_equals_exhaustive_simulation(small: tuple, eps: float) -> None:
    target, impl = small
    fid = fidelity(add_gate_noise(impl, eps), target)
    whole, registers = exhaustive(impl, target, eps)
    assert fid.method == "exact" and fid.epsilon == eps
    np.testing.assert_allclose(fid.probability, whole, rtol=1e-12)
    np.testing.assert_allclose(fid.register_probability, registers, rtol=1e-12)
    assert (fid.probability < 1).all()


def test_sampled_fidelity_interval_covers_the_exact_value(small: tuple) -> None:
    target, impl = small
    noisy = add_gate_noise(impl, 0.2)
    exact = fidelity(noisy, target).probability
    sampled = fidelity(noisy, target, samples=4000, seed=1, exact_max_units=0)
    assert sampled.method == "sampled" and sampled.samples == 4000
    assert ((sampled.low <= exact) & (exact <= sampled.high)).all()
    assert (sampled.low < sampled.probability).all() and (sampled.probability < sampled.high).all()


def test_noisy_computer_is_only_approximately_equivalent() -> None:
    target = make_target("dense", {"n": 2}, seed=3)
    computer = implement(target, "computer")
    noise_free = fidelity(computer, target, samples=50)
    assert noise_free.method == "sampled" and (noise_free.probability == 1).all()
    noisy = noisy_implementation(computer, target, 0.001, samples=300, seed=2)
    rec = noisy.verification
    assert rec["equivalent"] == "approximate" and rec["verified"] is False
    assert rec["summary"].startswith("approximately equivalent (fidelity ")
    assert noisy.id != computer.id and not noisy.substrate.is_deterministic
    assert 0 < rec["fidelity"]["mean"] < 1 and rec["fidelity"]["min_low"] <= rec["fidelity"]["min"]


def test_noisy_target_gets_a_noisy_computer_of_its_noise_free_map() -> None:
    target = make_target("dense", {"n": 2, "noise": 0.01}, seed=3)
    computer = implement(target, "computer", gate_noise=0.01)
    assert computer.target_id == target.id and computer.params == {"gate_noise": 0.01}
    assert computer.verification["equivalent"] == "approximate"
    assert computer.verification["noise_free"]["equivalent"] is True
    exact_free = implement(make_target("dense", {"n": 2}, seed=3), "computer")
    assert computer.id != exact_free.id and computer.substrate.inputs == exact_free.substrate.inputs


def test_noisy_implementation_phases_follow_the_nominal_trajectory() -> None:
    target = make_target("dense", {"n": 2}, seed=3)
    computer = implement(target, "computer")
    noisy = implement(make_target("dense", {"n": 2, "noise": 0.05}, seed=3), "computer", gate_noise=0.05)
    assert noisy.phase_states((1, 0)) == computer.phase_states((1, 0))
