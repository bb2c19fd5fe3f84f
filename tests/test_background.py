"""Exact background inference: elimination == enumeration, width bound, large substrates."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iitcore import EliminationWidthError, StateUnreachableError, Substrate, sia
from iitcore.background import BruteForcePosterior, EliminationPosterior, posterior


def random_substrate(rng: np.random.Generator, n: int, max_in: int = 4) -> Substrate:
    """Random wiring; each table deterministic, probabilistic or mixed (partly 0/1)."""
    tables, inputs = [], []
    for _ in range(n):
        k = int(rng.integers(0, min(n, max_in) + 1))
        ins = sorted(rng.choice(n, k, replace=False).tolist())
        kind = rng.integers(3)
        bits = rng.integers(0, 2, 1 << k).astype(float)
        probs = rng.random(1 << k)
        table = bits if kind == 0 else probs if kind == 1 else np.where(rng.random(1 << k) < 0.5, bits, probs)
        tables.append(table)
        inputs.append(ins)
    return Substrate.from_units(tables, inputs)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 8))
def test_elimination_equals_enumeration(seed, n):
    rng = np.random.default_rng(seed)
    sub = random_substrate(rng, n)
    state = tuple(int(x) for x in rng.integers(0, 2, n))
    brute, elim = BruteForcePosterior(sub, state), EliminationPosterior(sub, state)
    assert brute.reachable == elim.reachable
    if not brute.reachable:
        with pytest.raises(StateUnreachableError):
            elim.marginal((0,))
        return
    for k in range(1, n + 1):
        for units in combinations(range(n), k):
            assert np.allclose(elim.marginal(units), brute.marginal(units), rtol=0, atol=1e-12)


def test_reachable_states_of_deterministic_substrates_are_recognised():
    """A state reached by stepping is reachable; pinning alone decides many units."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        sub = random_substrate(rng, 8)
        tables = tuple(np.round(t) for t in sub.tables)
        det = Substrate(sub.inputs, tables, sub.labels)
        state = det.step(rng.integers(0, 2, 8))
        assert EliminationPosterior(det, state).reachable
        assert BruteForcePosterior(det, state).reachable


def _chain_of_modules(rng: np.random.Generator, modules: int, size: int, link: bool) -> Substrate:
    """Modules of noisy units with random in-module inputs; optionally one input from the previous module."""
    tables, inputs = [], []
    for j in range(modules * size):
        base = (j // size) * size
        ins = {int(i) for i in rng.choice(size, 2, replace=False) + base}
        if link and base and rng.random() < 0.5:
            ins.add(int(rng.integers(base - size, base)))
        ins = sorted(ins)
        tables.append(np.clip(rng.random(1 << len(ins)), 0.05, 0.95))
        inputs.append(ins)
    return Substrate.from_units(tables, inputs)


def test_disjoint_modules_match_the_module_alone():
    """In 100 disjoint copies of a module, a candidate's SIA equals that in the module by itself."""
    rng = np.random.default_rng(5)
    module = _chain_of_modules(rng, 1, 8, link=False)
    copies = 100
    big = Substrate.from_units(
        [t for _ in range(copies) for t in module.tables],
        [[i + 8 * c for i in ins] for c in range(copies) for ins in module.inputs],
    )
    small_state = tuple(int(x) for x in rng.integers(0, 2, 8))
    state = small_state * copies
    assert isinstance(posterior(big, state), EliminationPosterior)
    for units in [(0, 1, 2), (2, 5, 6, 7), (1, 3, 4, 5, 6)]:
        ours = sia(big, state, [u + 8 * 57 for u in units])
        alone = sia(module, small_state, units)
        assert ours.phi == pytest.approx(alone.phi, abs=1e-12)
        assert ours.reasons == alone.reasons
        if alone.cause_state is not None:
            assert ours.cause_state.state == alone.cause_state.state
            assert ours.cause_state.ii == pytest.approx(alone.cause_state.ii, abs=1e-12)


def test_candidates_in_a_thousand_unit_substrate_share_one_junction_tree():
    """The background of every candidate of a linked 1,000-unit chain comes from one junction tree,
    built for the first candidate and reused by the others (the time this saves is in bench_sia)."""
    rng = np.random.default_rng(1)
    sub = _chain_of_modules(rng, 100, 10, link=True)
    state = tuple(int(x) for x in rng.integers(0, 2, sub.n))
    post = posterior(sub, state)
    assert isinstance(post, EliminationPosterior)
    sia(sub, state, range(500, 510))
    built = dict(post.trees)
    assert len(built) == 1
    for start in (600, 610, 700):
        assert sia(sub, state, range(start, start + 10)).units == tuple(range(start, start + 10))
    assert post.trees == built


def test_width_bound_raises_naming_units_and_width():
    rng = np.random.default_rng(2)
    n = 16
    sub = Substrate.from_units([np.clip(rng.random(1 << n), 0.1, 0.9) for _ in range(n)], [list(range(n))] * n)
    state = (0,) * n
    with pytest.raises(EliminationWidthError, match=r"width 15 .*max_width 4"):
        posterior(sub, state, max_width=4).marginal((0, 1))
    assert posterior(sub, state, max_width=15).marginal((0,)).shape == (2,)


def test_unreachable_state_of_large_deterministic_substrate():
    """COPY rings: the current state pins the priors; an inconsistent unit makes it unreachable."""
    n = 300
    inputs = [[(j + 1) % n] for j in range(n)]
    copy = Substrate.from_units([[0.0, 1.0]] * (n - 1) + [[0.0, 0.0]], inputs)  # the last unit is always OFF
    on = (0,) * (n - 1) + (1,)
    assert not posterior(copy, on).reachable
    with pytest.raises(StateUnreachableError):
        sia(copy, on, [0, 1])
    post = posterior(copy, (1,) * (n - 1) + (0,))
    assert post.reachable and post.trees == {}  # decided by propagation alone
    assert np.array_equal(post.marginal((1, 2)), [0.0, 0.0, 0.0, 1.0])


def test_cached_junction_trees_give_the_same_posteriors_across_phases():
    """Every phase of a 4-unit target's computer: the same marginals with caches as without, and
    phases share junction trees (keyed by the reduced factors they are made of)."""
    from iitcore.background import _posterior
    from iitcore.cache import cache_info, caching, clear_caches
    from pipelines.families import implement, make_target

    impl = implement(make_target("random", {"n": 4, "k": 2, "self_loops": False}, 1), "computer")
    sub = impl.substrate
    states = impl.phase_states((1, 0, 1, 1))
    groups = [tuple(ins) for ins in sub.inputs if len(ins) > 1][-60:]  # the read-out, multiplexers, buffers
    with caching(False):
        plain = [[EliminationPosterior(sub, s).marginal(g) for g in groups] for s in states]
    clear_caches()
    for s, expected in zip(states, plain):
        post = posterior(sub, s)
        assert all(np.array_equal(post.marginal(g), e) for g, e in zip(groups, expected))
    trees = cache_info()["junction trees (by wiring and reduced factors)"]
    assert trees["hits"] > 0 and trees["misses"] > 0
    assert _posterior.cache_info().currsize == len(set(states))
