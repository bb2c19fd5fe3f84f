"""The ring computer of Findlay et al. 2024 (pipelines.families.ring_computer)."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from iitcore import Substrate
from iitcore.background import posterior
from pipelines.families import FamilyError, VerificationError, implement, make_target, wiring_fingerprint
from pipelines.families.ring_computer import build_ring_computer, ring_timing, verify_ring
from pipelines.families.verify import run

PAPER_ROLE_COUNTS_N4 = {  # the paper's 117 units for n = 4
    "clock": 1, "divider": 2, "carry": 2, "register": 4, "toggle-enable": 4, "difference": 4,
    "memory": 64, "instruction": 16, "multiplexer": 16, "mux-output": 1, "buffer": 3,
}


def random_targets(count: int, n: int = 4) -> list:
    return [make_target("random", {"n": n, "k": 1 + seed % n, "self_loops": True}, seed) for seed in range(count)]


def strongly_connected(sub: Substrate) -> bool:
    rows = [i for j, ins in enumerate(sub.inputs) for i in ins]
    cols = [j for j, ins in enumerate(sub.inputs) for _ in ins]
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(sub.n, sub.n))
    return connected_components(graph, connection="strong")[0] == 1


def test_paper_units_labels_and_roles_for_n4():
    sub, roles, timing = build_ring_computer(4)
    assert sub.n == 117 and len(roles) == 117
    assert Counter(roles) == PAPER_ROLE_COUNTS_N4
    expected = {"C0", "X1", "X2", "A1", "A2", "O", "B0", "B1", "B2", "T0/0", "T3/15", "IR/0", "IR/15", "M0", "M15"}
    expected |= {f"T{i}R{r}" for i in range(4) for r in range(3)}
    assert expected <= set(sub.labels)
    assert timing.cycle_length == 8 and timing.delays == (3, 2, 1, 0)
    lab = sub.labels.index
    assert sub.inputs[lab("O")] == tuple(sorted(lab(f"M{c}") for c in range(16)))
    assert len(sub.inputs[lab("M5")]) == 5
    assert sub.inputs[lab("T3R2")] == tuple(sorted((lab("T3R0"), lab("O"))))  # the last register reads O
    assert sub.inputs[lab("T0R2")] == tuple(sorted((lab("T0R0"), lab("B0"))))
    assert sub.inputs[lab("T1/7")] == (lab("T2/7"),)  # ring: T_j/c copies T_(j+1)/c
    # A1 = C0 AND X1 AND NOT A1
    table = sub.tables[lab("A1")]  # inputs sorted by index: C0, X1, A1
    assert [lab("C0"), lab("X1"), lab("A1")] == sorted([lab("C0"), lab("X1"), lab("A1")])
    assert [int(table[i]) for i in range(8)] == [0, 0, 0, 1, 0, 0, 0, 0]


def test_pqrs_runs_on_the_ring_computer_and_encodes_the_loaded_state():
    target = make_target("pqrs", {}, 0)
    impl = implement(target, "ring_computer")
    assert impl.verification["verified"] and impl.verification["states_checked"] == 16
    assert impl.verification["ticks_per_cycle"] == 8 == impl.cycle_length
    state = (1, 0, 0, 0)
    loaded = impl.encode(state)
    labels = impl.substrate.labels
    on = {labels[j] for j, b in enumerate(loaded) if b}
    program = {f"T{j}/{c}" for c in range(16)
               for j, b in enumerate(target.update(tuple((c >> i) & 1 for i in range(4)))) if b}
    assert on == {"C0", "T0R0"} | program  # C0 = 1, registers = s, rings = f, everything else 0
    assert tuple(loaded[u] for u in impl.target_units) == state
    # registers hold s up to tick K, f(s) from tick K + 1 (commit at phase 1)
    x = run(impl, np.array([state], dtype=np.int8), 2 * impl.cycle_length + 1)
    regs = list(impl.target_units)
    assert [tuple(x[t][0, regs]) for t in (0, 8, 9, 16, 17)] == [
        state, state, target.update(state), target.update(state), target.update(target.update(state))]


def test_one_wiring_fingerprint_for_every_program():
    fingerprints = set()
    for target in [make_target("pqrs", {}, 0), *random_targets(20)]:
        impl = implement(target, "ring_computer")
        assert impl.verification["verified"]
        fingerprints.add(wiring_fingerprint(impl.substrate))
    assert len(fingerprints) == 1
    a, b = (implement(t, "ring_computer") for t in random_targets(2))
    assert a.encode((0, 1, 1, 0)) != b.encode((0, 1, 1, 0))  # only the rings' contents differ


@pytest.mark.parametrize("n", [2, 8])
def test_other_sizes_verify(n):
    target = make_target("random", {"n": n, "k": min(n, 3), "self_loops": True}, 4)
    impl = implement(target, "ring_computer")
    timing = ring_timing(n)
    assert impl.cycle_length == timing.cycle_length == (8 if n == 2 else 2 * n)
    assert impl.verification["states_checked"] == 1 << n
    assert impl.substrate.n == len(impl.unit_roles)
    assert impl.unit_roles.count("memory") == n << n


def test_feedback_variant_is_equivalent_and_strongly_connected():
    target = make_target("pqrs", {}, 0)
    plain, fed = implement(target, "ring_computer"), implement(target, "ring_computer", feedback=True)
    assert not strongly_connected(plain.substrate) and strongly_connected(fed.substrate)
    assert wiring_fingerprint(plain.substrate) != wiring_fingerprint(fed.substrate)
    assert plain.encode((0, 1, 0, 1)) == fed.encode((0, 1, 0, 1))
    s = np.array([[0, 1, 0, 1]], dtype=np.int8)
    assert all((a == b).all() for a, b in zip(run(plain, s, 24), run(fed, s, 24)))
    assert plain.id != fed.id and fed.params == {"feedback": True}
    # the loaded state of the feedback variant is not reachable as a whole unless s_1..s_3 = 0
    for state, reachable in [((0, 1, 0, 1), False), ((1, 0, 0, 0), True), ((0, 0, 1, 0), False)]:
        assert posterior(fed.substrate, fed.encode(state)).reachable is reachable
        assert posterior(plain.substrate, plain.encode(state)).reachable


def test_bad_programs_and_sizes_are_rejected():
    target = make_target("pqrs", {}, 0)
    impl = implement(target, "ring_computer")
    ring = impl.substrate.labels.index("T0/3")

    def corrupt(states):
        x = impl.encoder(states)
        x[:, ring] ^= 1
        return x

    with pytest.raises(VerificationError, match="not equivalent"):
        verify_ring(dataclasses.replace(impl, encoder=corrupt, verification={}), target, ring_timing(4))
    with pytest.raises(VerificationError, match="8 ticks from its encoding do not reach"):
        verify_ring(dataclasses.replace(impl, settle=0), target, ring_timing(4))  # the loaded state is a transient
    with pytest.raises(FamilyError, match="n = 2, 4 or 8"):
        implement(make_target("random", {"n": 3, "k": 2}, 0), "ring_computer")
    with pytest.raises(FamilyError, match="deterministic"):
        implement(make_target("pqrs", {"noise": 0.1}, 0), "ring_computer")
    with pytest.raises(FamilyError, match="feedback"):
        implement(target, "ring_computer", feedback="yes")
