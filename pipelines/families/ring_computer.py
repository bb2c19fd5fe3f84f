"""The stored-program computer of Findlay et al. 2024 ("ring computer").

Written from the paper's description (see docs/ring_computer.md). For an
n-unit target (n = 2, 4 or 8) the program sits in one ring of n COPY units
per target state c (``Tj/c``, holding f(c) and rotating it past position 0);
a clock and frequency dividers open an instruction window in which
``IR/c`` reads each ring's bit 0, the multiplexer ``Mc`` passes the ring of
the current state c (the registers ``TiR0``), the OR ``O`` collects it, a
COPY chain ``B*`` staggers the bits, and each register toggles at the
carry when its new bit differs from its value. The wiring depends only on
n; the program enters only as the loaded state of the rings.

Timing (found by simulation, checked for every target state by
:func:`verify_ring`): the clock's period is the cycle length K = 2n (8 for
n = 2, whose data path needs K >= n + 4); the registers take f(s) at tick
K + 1 (``commit`` = 1), and from tick ``settle`` on the trajectory from the
loaded state of s runs K ticks ahead of the one from the loaded state of f(s).
The loaded state itself is transient: scratch units (R1, R2, buffers) hold
residues of the previous update on the cycle, so K ticks from the loaded
state of s do not reach the loaded state of f(s) unit for unit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from iitcore import Substrate

from pipelines.families.computer import wiring_fingerprint
from pipelines.families.errors import FamilyError, VerificationError
from pipelines.families.ids import content_id
from pipelines.families.simulate import Stepper, all_states
from pipelines.families.targets import Target
from pipelines.families.verify import CYCLES, Implementation, program_encoder, run, verify

SIZES = (2, 4, 8)
MAX_FAN_IN = 16  # widest OR kept as one unit (its table has 2^16 rows); wider ORs become a two-level tree
READ_TO_REGISTER = 6  # a bit read from a ring at tick t is in its register at t + 6 (IR, M, O, R2, R1, R0)
ROLES = (
    "clock", "divider", "carry", "register", "toggle-enable", "difference",
    "memory", "instruction", "multiplexer", "mux-output", "buffer",
)


@dataclass(frozen=True)
class RingTiming:
    """Cycle of the ring computer for n-unit targets (ticks counted from the loaded state)."""

    n: int
    divider_bits: int  # X1..Xk
    cycle_length: int  # K = 2^(k+1)
    or_depth: int  # 1, or 2 when O is a tree
    delays: tuple[int, ...]  # register i's R2 reads O delayed by delays[i] ticks (B_i; O itself at 0)
    commit: int  # registers hold f^m(s) from tick m*K + commit
    settle: int  # from this tick on, x_s(t + K) == x_f(s)(t)


def ring_timing(n: int) -> RingTiming:
    """The timing of the ring computer for n-unit targets (n = 2, 4, 8)."""
    if n not in SIZES:
        raise FamilyError(f"ring_computer: the target must have n = 2, 4 or 8 units (a power of two), got n = {n}")
    depth = 1 if (1 << n) <= MAX_FAN_IN else 2
    # The next window's first multiplexer (tick K + 1) must see the register written by the last read of
    # this window (tick n - 1): K + 1 >= n - 1 + READ_TO_REGISTER (+ 1 for an OR tree). n = 2 needs a
    # second divider for that.
    k = n.bit_length() - 1
    while (2 << k) + 1 < n - 1 + READ_TO_REGISTER + depth - 1:
        k += 1
    cycle = 1 << (k + 1)
    # The window (Xk = 0) is ticks 0..K/2-1; O carries bit i of f(s) at tick 2 + depth + i (mod n, for
    # K/2 ticks). A_k is on at tick K - 1, so every R2 must see its bit at tick K - 2: register i reads O
    # delayed by K - 4 - depth - i ticks. R1 is on at tick K and R0 holds f(s) from tick K + 1 (commit).
    # The previous window's last bit leaves O at tick K/2 + 1 + depth, reaches B0 after K - 4 - depth ticks
    # and R2 of register 0 one tick later (K/2 - 2 + K): from tick K/2 - 1 on no residue is left (settle).
    delays = tuple(cycle - 4 - depth - i for i in range(n))
    return RingTiming(n, k, cycle, depth, delays, commit=1, settle=cycle // 2 - 1)


def _and(label: str, inputs: list[str], negated: list[str] = ()) -> dict[str, Any]:
    gate: dict[str, Any] = {"gate": "AND", "inputs": inputs, "label": label}
    if negated:
        gate["negated"] = [inputs.index(x) for x in negated]
    return gate


def build_ring_computer(n: int, feedback: bool = False) -> tuple[Substrate, tuple[str, ...], RingTiming]:
    """The ring computer's substrate for n-unit targets (identical for every program) and unit roles.

    ``feedback``: C0 = NOR(C0, every R1) and T(n-2)/c = OR(T(n-1)/c, IR/c),
    which never change the trajectory from a loaded state (R1 is on only
    when C0 is, and IR/c is on only after T0/c was, whose bit T(n-1)/c then
    holds) but make the computer strongly connected.
    """
    timing = ring_timing(n)
    k, columns = timing.divider_bits, 1 << n
    gates: list[dict[str, Any]] = []
    roles: list[str] = []

    def add(role: str, gate: dict[str, Any]) -> None:
        gates.append(gate)
        roles.append(role)

    r1 = [f"T{i}R1" for i in range(n)]
    add("clock", {"gate": "NOR", "inputs": ["C0", *r1], "label": "C0"} if feedback else
        {"gate": "NOT", "inputs": ["C0"], "label": "C0"})
    for i in range(1, k + 1):
        add("divider", {"gate": "XOR", "inputs": [f"X{i}", "C0" if i == 1 else f"A{i - 1}"], "label": f"X{i}"})
    for i in range(1, k + 1):
        add("carry", _and(f"A{i}", ["C0", *(f"X{j}" for j in range(1, i + 1)), f"A{i}"], [f"A{i}"]))
    buffers = max(timing.delays)
    for i in range(n):
        source = f"B{i}" if timing.delays[i] else "O"
        add("register", {"gate": "XOR", "inputs": [f"T{i}R0", f"T{i}R1"], "label": f"T{i}R0"})
        add("toggle-enable", _and(f"T{i}R1", [f"T{i}R2", f"A{k}"]))
        add("difference", {"gate": "XOR", "inputs": [f"T{i}R0", source], "label": f"T{i}R2"})
    for c in range(columns):
        for j in range(n):
            nxt = f"T{(j + 1) % n}/{c}"
            if feedback and j == (n - 2) % n:
                add("memory", {"gate": "OR", "inputs": [nxt, f"IR/{c}"], "label": f"T{j}/{c}"})
            else:
                add("memory", {"gate": "COPY", "inputs": [nxt], "label": f"T{j}/{c}"})
    for c in range(columns):
        add("instruction", _and(f"IR/{c}", [f"T0/{c}", f"X{k}"], [f"X{k}"]))
    registers = [f"T{i}R0" for i in range(n)]
    for c in range(columns):
        add("multiplexer", _and(f"M{c}", [*registers, f"IR/{c}"], [registers[i] for i in range(n) if not (c >> i) & 1]))
    muxes = [f"M{c}" for c in range(columns)]
    if timing.or_depth == 1:
        add("mux-output", {"gate": "OR", "inputs": muxes, "label": "O"})
    else:
        groups = [muxes[g : g + MAX_FAN_IN] for g in range(0, columns, MAX_FAN_IN)]
        for g, group in enumerate(groups):
            add("mux-output", {"gate": "OR", "inputs": group, "label": f"O.{g}"})
        add("mux-output", {"gate": "OR", "inputs": [f"O.{g}" for g in range(len(groups))], "label": "O"})
    for j in range(buffers):  # B_j is O delayed by (buffers - j) ticks
        add("buffer", {"gate": "COPY", "inputs": [f"B{j + 1}" if j + 1 < buffers else "O"], "label": f"B{j}"})
    index = {g["label"]: j for j, g in enumerate(gates)}
    resolved = [{**g, "inputs": [index[x] for x in g["inputs"]]} for g in gates]
    return Substrate.from_gates(resolved), tuple(roles), timing


def implement_ring_computer(target: Target, feedback: bool = False) -> Implementation:
    """The paper's computer running ``target``'s map, verified; ``encode(s)`` is the loaded state."""
    if not isinstance(feedback, bool):
        raise FamilyError(f"ring_computer: feedback must be true or false, got {feedback!r}")
    if not target.deterministic:
        raise FamilyError(f"ring_computer of {target.id}: needs a deterministic target")
    n = target.n
    substrate, roles, timing = build_ring_computer(n, feedback)
    index = {lab: j for j, lab in enumerate(substrate.labels)}
    program = Stepper(target.substrate).step(all_states(n))  # program[c, j] = f(c)_j
    memory = np.array([index[f"T{j}/{c}"] for c in range(1 << n) for j in range(n)])
    contents = program.reshape(-1)
    registers = np.array([index[f"T{i}R0"] for i in range(n)])

    params = {"feedback": feedback}
    impl = Implementation(
        id=content_id("ring_computer", {"target": target.id, "kind": "ring_computer", "params": params}),
        kind="ring_computer",
        target_id=target.id,
        params=params,
        substrate=substrate,
        cycle_length=timing.cycle_length,
        unit_roles=roles,
        target_units=tuple(int(r) for r in registers),
        encoder=program_encoder(substrate.n, registers, np.array([index["C0"]]), memory, contents),
        info={"wiring_fingerprint": wiring_fingerprint(substrate), "timing": asdict(timing)},
        settle=timing.settle,
    )
    return verify_ring(impl, target, timing)


def verify_ring(impl: Implementation, target: Target, timing: RingTiming, cycles: int = CYCLES) -> Implementation:
    """Check the ring computer exhaustively from the loaded state of every target state.

    The generic check (:func:`verify`, with ``settle``): for ``cycles``
    cycles the run from the loaded state of s is, from tick ``settle`` on,
    K ticks ahead of the run from the loaded state of f(s), unit for unit;
    and the phase alignment: the registers hold f^m(s) at every tick from
    m*K + commit to (m+1)*K + commit - 1.
    """
    impl = verify(impl, target, cycles)
    k, states = timing.cycle_length, all_states(target.n)
    stepper, orbit = Stepper(target.substrate), [states]
    for _ in range(cycles):
        orbit.append(stepper.step(orbit[-1]))
    regs = list(impl.target_units)
    for t, x in enumerate(run(impl, states, cycles * k + timing.commit - 1)):
        m = max(0, (t - timing.commit) // k)
        bad = np.flatnonzero((x[:, regs] != orbit[m]).any(axis=1))
        if bad.size:
            row = int(bad[0])
            raise VerificationError(
                f"ring_computer {impl.id} is not equivalent to target {target.id}: from the loaded state of "
                f"{tuple(int(b) for b in states[row])}, at tick {t} the registers hold "
                f"{tuple(int(b) for b in x[row, regs])}, expected f^{m}(s) = {tuple(int(b) for b in orbit[m][row])}"
            )
    record = {
        **impl.verification,
        "method": impl.verification["method"] + f"; registers hold f^m(s) from tick m*{k}+{timing.commit}",
        "commit_tick": timing.commit,
        "settle_tick": timing.settle,
    }
    return replace(impl, verification=record)
