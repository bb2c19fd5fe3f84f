"""A stored-program computer of simple gates that simulates an n-unit target.

Every unit is a simple gate (COPY, NOT, AND, OR, XOR, XNOR, 2:1 MUX; a latch
is a MUX with a self-loop) and costs one tick. The target enters only as
memory contents: memory cell ``M{i}.{s}`` holds f_i(s), target unit i's next
value in target state s (a ROM row per target unit). For a given n the
wiring does not depend on the target.

Organisation (see docs/computer.md):

- clock / program counter: a c-bit binary counter t mod K (K = 2^c) with
  look-ahead carries, so every bit and its complement are valid every tick;
- decoders: AND gates over c counter literals, one per control event;
  word line ``W{i}`` issues instruction i (read row i) at tick i+1;
- read port: ``G{i}.{s}`` = AND(W{i}, M{i}.{s}); an OR tree per column
  (COPY delays keep all paths equally long) yields row i's column s;
- shared multiplexer tree: levels 1..n select the column s of the current
  state with register bits R0..R{n-1}; its root carries f_i(s) at tick i+D+1
  (D = 1 + h + n, h the OR-tree depth);
- write-back: latch ``B{i}`` loads the root when ``L{i}`` = OR(LD{i}, CLR) is on;
- commit: at one tick ``CM`` loads all registers ``R{i}`` from the buffers,
  while CLR makes the buffers load the (then empty) root, clearing them.

Registers change only at the commit, after the tree has drained, so the
simulated update is synchronous; by tick K every scratch unit is back at 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from iitcore import Substrate

from pipelines.families.ids import content_hash, content_id
from pipelines.families.simulate import Stepper, all_states
from pipelines.families.targets import Target
from pipelines.families.verify import Implementation, program_encoder, verify

ROLES = ("register", "clock", "decoder", "control", "memory", "read-gate", "or-tree", "mux", "buffer")


@dataclass(frozen=True)
class Schedule:
    """Tick numbers of one cycle (the counter value at tick t is t mod K)."""

    n: int
    counter_bits: int
    or_depth: int
    path_delay: int  # D: ticks from a word line to the root
    cycle_length: int  # K
    issue: tuple[int, ...]  # tick at which word line W{i} is on
    result: tuple[int, ...]  # tick at which the root carries f_i(s)
    commit: int  # tick at which CM is on (registers hold f(s) from commit+1)


def schedule(n: int) -> Schedule:
    """The timing of the computer for an n-unit target."""
    if n < 1:
        raise ValueError("the computer needs a target with at least one unit")
    h = (n - 1).bit_length()  # OR-tree depth = ceil(log2 n)
    d = 1 + h + n
    commit = n + d + 1
    c = max(2, commit.bit_length())  # K = 2^c > commit: every control line is off again at tick K
    return Schedule(n, c, h, d, 1 << c, tuple(i + 1 for i in range(n)), tuple(i + d + 1 for i in range(n)), commit)


class _Circuit:
    """Collects gates by label; inputs refer to labels and are resolved at the end."""

    def __init__(self) -> None:
        self.gates: list[dict[str, Any]] = []
        self.roles: list[str] = []

    def add(self, label: str, role: str, gate: str, inputs: list[str]) -> str:
        self.gates.append({"gate": gate, "inputs": inputs, "label": label})
        self.roles.append(role)
        return label

    def substrate(self) -> Substrate:
        index = {g["label"]: j for j, g in enumerate(self.gates)}
        resolved = [{**g, "inputs": [index[x] for x in g["inputs"]]} for g in self.gates]
        return Substrate.from_gates(resolved)


def _decoder(circ: _Circuit, label: str, value: int, sched: Schedule) -> str:
    """AND over counter literals: on at tick t+1 when the counter reads ``value`` at t."""
    lits = [f"b{j}" if (value >> j) & 1 else f"nb{j}" for j in range(sched.counter_bits)]
    return circ.add(label, "decoder", "AND", lits)


def _or_tree(circ: _Circuit, leaves: list[str], column: int) -> str:
    level, nodes = 0, leaves
    while len(nodes) > 1:
        level += 1
        nxt = [circ.add(f"O{column}.{level}.{k // 2}", "or-tree", "OR", nodes[k : k + 2]) for k in range(0, len(nodes) - 1, 2)]
        if len(nodes) % 2:  # keep every path equally long
            nxt.append(circ.add(f"O{column}.{level}.{len(nodes) // 2}", "or-tree", "COPY", [nodes[-1]]))
        nodes = nxt
    return nodes[0]


def build_computer(n: int) -> tuple[Substrate, tuple[str, ...], Schedule]:
    """The computer's substrate for n-unit targets (identical for every program) and unit roles."""
    sched = schedule(n)
    c, circ = sched.counter_bits, _Circuit()
    for i in range(n):
        circ.add(f"R{i}", "register", "MUX", ["CM", f"R{i}", f"B{i}"])
    # Counter with look-ahead carries: cy{j}(t) = AND(b0..b{j-1})(t).
    circ.add("b0", "clock", "NOT", ["b0"])
    circ.add("nb0", "clock", "COPY", ["b0"])
    for j in range(1, c):
        carry = "b0" if j == 1 else circ.add(f"cy{j}", "clock", "AND", ["nb0"] + [f"b{x}" for x in range(1, j)])
        circ.add(f"b{j}", "clock", "XOR", [f"b{j}", carry])
        circ.add(f"nb{j}", "clock", "XNOR", [f"b{j}", carry])
    for i in range(n):
        _decoder(circ, f"W{i}", sched.issue[i] - 1, sched)
    for i in range(n):
        _decoder(circ, f"LD{i}", sched.result[i] - 2, sched)
    _decoder(circ, "CLR", sched.commit - 2, sched)
    _decoder(circ, "CM", sched.commit - 1, sched)
    for i in range(n):
        circ.add(f"L{i}", "control", "OR", [f"LD{i}", "CLR"])
    columns = 1 << n
    for i in range(n):
        for s in range(columns):
            circ.add(f"M{i}.{s}", "memory", "COPY", [f"M{i}.{s}"])
    for i in range(n):
        for s in range(columns):
            circ.add(f"G{i}.{s}", "read-gate", "AND", [f"W{i}", f"M{i}.{s}"])
    nodes = [_or_tree(circ, [f"G{i}.{s}" for i in range(n)], s) for s in range(columns)]
    for level in range(1, n + 1):
        nodes = [
            circ.add(f"X{level}.{k}", "mux", "MUX", [f"R{level - 1}", nodes[2 * k], nodes[2 * k + 1]])
            for k in range(len(nodes) // 2)
        ]
    for i in range(n):
        circ.add(f"B{i}", "buffer", "MUX", [f"L{i}", f"B{i}", nodes[0]])
    return circ.substrate(), tuple(circ.roles), sched


def wiring_fingerprint(substrate: Substrate) -> str:
    """Hash of every unit's inputs and gate (its table); memory contents are state, not wiring."""
    return content_hash({"inputs": [list(x) for x in substrate.inputs], "tables": [t.tolist() for t in substrate.tables]})


def implement_computer(target: Target) -> Implementation:
    """The stored-program computer running ``target``'s truth tables, verified."""
    n = target.n
    substrate, roles, sched = build_computer(n)
    index = {lab: j for j, lab in enumerate(substrate.labels)}
    program = Stepper(target.substrate).step(all_states(n))  # program[s, i] = f_i(s)
    memory = np.array([index[f"M{i}.{s}"] for i in range(n) for s in range(1 << n)])
    contents = program.T.reshape(-1)
    registers = np.array([index[f"R{i}"] for i in range(n)])
    complements = np.array([index[f"nb{j}"] for j in range(sched.counter_bits)])

    impl = Implementation(
        id=content_id("computer", {"target": target.id, "kind": "computer", "params": {}}),
        kind="computer",
        target_id=target.id,
        params={},
        substrate=substrate,
        cycle_length=sched.cycle_length,
        unit_roles=roles,
        target_units=tuple(int(r) for r in registers),
        encoder=program_encoder(substrate.n, registers, complements, memory, contents),
        info={"wiring_fingerprint": wiring_fingerprint(substrate), "schedule": sched.__dict__},
    )
    return verify(impl, target)
