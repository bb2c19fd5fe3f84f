"""Factored substrates of binary units.

A substrate is a list of units. Each unit has a sorted tuple of input units
and a table ``P(unit ON at t+1 | inputs at t)`` indexed little-endian by the
inputs' states (the first input is the least significant bit). The whole
substrate's 2^n TPM is never needed; only candidate systems are expanded.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from iitcore.errors import CMMismatchWarning, InvalidSubstrateError, InvalidStateError
from iitcore.gates import gate_table

MAX_DENSE_UNITS = 24  # largest n for which a full TPM may be built on request
GATE_KEYS = frozenset({"gate", "inputs", "noise", "label", "threshold", "weights"})


def le_index(bits: Sequence[int]) -> int:
    """Little-endian index of a tuple of bits (first bit least significant)."""
    return sum(int(b) << i for i, b in enumerate(bits))


@lru_cache(maxsize=32)
def le_states(k: int) -> np.ndarray:
    """All 2^k states of k binary units as rows, in little-endian order (read-only)."""
    idx = np.arange(1 << k, dtype=np.int64)
    states = ((idx[:, None] >> np.arange(k)) & 1).astype(np.int8)
    states.setflags(write=False)
    return states


def _numbers(values: Any, what: str) -> np.ndarray:
    """``values`` as a float array, or an error naming ``what`` (not numbers, or ragged)."""
    if isinstance(values, (str, bytes, Mapping)):
        raise InvalidSubstrateError(f"{what} must be an array of numbers, got {type(values).__name__}")
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidSubstrateError(f"{what} must be a rectangular array of numbers ({exc})") from None


def _number(value: Any, what: str) -> float:
    """One number (not a boolean), or an error naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidSubstrateError(f"{what} must be a number, got {value!r}")
    return float(value)


def _indices(values: Any, what: str) -> list[int]:
    """A list of unit indices (integers; no booleans, no fractions), or an error naming ``what``."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise InvalidSubstrateError(f"{what} must be a list of unit indices, got {values!r}")
    out = list(values)
    for v in out:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise InvalidSubstrateError(f"{what} must be a list of unit indices (integers), got {out!r}")
    return [int(v) for v in out]


def _check_probabilities(arr: np.ndarray, what: str) -> None:
    if not np.all(np.isfinite(arr)):
        raise InvalidSubstrateError(f"{what} contains NaN or infinite values")
    if arr.size and (arr.min() < 0.0 or arr.max() > 1.0):
        raise InvalidSubstrateError(
            f"{what} has probabilities outside [0, 1] (min {arr.min()}, max {arr.max()})"
        )


def _n_from_rows(rows: int, what: str) -> int:
    n = rows.bit_length() - 1
    if rows < 1 or (1 << n) != rows:
        raise InvalidSubstrateError(f"{what} has {rows} rows, which is not a power of two")
    return n


def state_by_node(tpm: Any) -> np.ndarray:
    """Convert a TPM in any accepted form to 2-D state-by-node (2^n, n), little-endian rows.

    Accepted: state-by-node (2^n, n); multidimensional [2]*n + [n];
    state-by-state (2^n, 2^n), which must be conditionally independent.
    """
    arr = _numbers(tpm, "TPM")
    if arr.ndim >= 2 and arr.ndim == arr.shape[-1] + 1 and all(d == 2 for d in arr.shape[:-1]):
        n = arr.shape[-1]
        if n == 1 and arr.shape == (2, 1):
            return arr.copy()
        arr = arr.reshape((1 << n, n), order="F")
    if arr.ndim != 2:
        raise InvalidSubstrateError(
            f"TPM must be 2-D (2^n x n or 2^n x 2^n) or [2]*n+[n]; got shape {arr.shape}"
        )
    rows, cols = arr.shape
    n = _n_from_rows(rows, "TPM")
    if cols == n:
        _check_probabilities(arr, "TPM")
        return arr
    if cols == rows:
        _check_probabilities(arr, "state-by-state TPM")
        if not np.allclose(arr.sum(axis=1), 1.0):
            raise InvalidSubstrateError("state-by-state TPM rows must sum to 1")
        states = le_states(n).astype(float)
        sbn = arr @ states
        rebuilt = np.ones_like(arr)
        for i in range(n):
            p = sbn[:, i][:, None]
            rebuilt *= np.where(states[:, i][None, :] == 1, p, 1.0 - p)
        if not np.allclose(rebuilt, arr):
            raise InvalidSubstrateError(
                "state-by-state TPM is not conditionally independent: it cannot be "
                "factored into per-unit probabilities"
            )
        return sbn
    raise InvalidSubstrateError(
        f"TPM shape {arr.shape} is neither state-by-node (2^n x n, here {rows} x {n}) "
        f"nor state-by-state ({rows} x {rows})"
    )


@dataclass(frozen=True, eq=False)
class Substrate:
    """Binary units with their inputs and per-unit ON-probability tables."""

    inputs: tuple[tuple[int, ...], ...]
    tables: tuple[np.ndarray, ...]
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        n = len(self.inputs)
        if len(self.tables) != n or len(self.labels) != n:
            raise InvalidSubstrateError("inputs, tables and labels must have one entry per unit")
        if len(set(self.labels)) != n:
            raise InvalidSubstrateError(f"unit labels must be unique: {list(self.labels)}")
        for i, (ins, table) in enumerate(zip(self.inputs, self.tables)):
            if list(ins) != sorted(set(ins)):
                raise InvalidSubstrateError(f"inputs of unit {i} must be sorted and unique: {ins}")
            if any(j < 0 or j >= n for j in ins):
                raise InvalidSubstrateError(f"unit {i} has an input outside 0..{n - 1}: {ins}")
            if table.shape != (1 << len(ins),):
                raise InvalidSubstrateError(
                    f"table of unit {i} has shape {table.shape}, expected ({1 << len(ins)},) "
                    f"for {len(ins)} inputs"
                )
            _check_probabilities(table, f"table of unit {i} ({self.labels[i]})")
            table.setflags(write=False)

    # ---------------------------------------------------------------- basics
    @property
    def n(self) -> int:
        return len(self.inputs)

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"Substrate(n={self.n}, labels={''.join(self.labels) if self.n <= 12 else '...'})"

    @property
    def outputs(self) -> tuple[tuple[int, ...], ...]:
        outs: list[list[int]] = [[] for _ in range(self.n)]
        for j, ins in enumerate(self.inputs):
            for i in ins:
                outs[i].append(j)
        return tuple(tuple(o) for o in outs)

    @property
    def cm(self) -> np.ndarray:
        """Connectivity matrix, ``cm[i, j] = 1`` for an edge i -> j (dense; small substrates)."""
        cm = np.zeros((self.n, self.n), dtype=np.int8)
        for j, ins in enumerate(self.inputs):
            cm[list(ins), j] = 1
        return cm

    @property
    def is_deterministic(self) -> bool:
        return all(np.all((t == 0.0) | (t == 1.0)) for t in self.tables)

    def validate_state(self, state: Sequence[int]) -> tuple[int, ...]:
        """Return the state as a tuple of ints, or raise naming what is wrong."""
        try:
            st = tuple(int(x) for x in state)
        except (TypeError, ValueError) as exc:
            raise InvalidStateError(f"state must be a sequence of 0/1 values: {state!r}") from exc
        if len(st) != self.n:
            raise InvalidStateError(f"state has {len(st)} entries, the substrate has {self.n} units")
        if any(x not in (0, 1) for x in st) or any(float(a) != b for a, b in zip(state, st)):
            raise InvalidStateError(f"state must contain only 0 and 1: {list(state)}")
        return st

    def validate_units(self, units: Iterable[int | str] | None) -> tuple[int, ...]:
        """Sorted unique unit indices (labels accepted); all units when None."""
        if units is None:
            return tuple(range(self.n))
        out = set()
        for u in units:
            if isinstance(u, str):
                if u not in self.labels:
                    raise InvalidSubstrateError(f"no unit labelled {u!r} (labels: {list(self.labels)})")
                out.add(self.labels.index(u))
            else:
                if int(u) != u or not 0 <= int(u) < self.n:
                    raise InvalidSubstrateError(f"unit {u!r} does not exist (substrate has units 0..{self.n - 1})")
                out.add(int(u))
        if not out:
            raise InvalidSubstrateError("a candidate system needs at least one unit")
        return tuple(sorted(out))

    def on_probabilities(self, state: Sequence[int]) -> np.ndarray:
        """P(unit ON at t+1) for every unit, given the state at t."""
        st = np.asarray(state, dtype=np.int64)
        return np.array([t[le_index(st[list(ins)])] for ins, t in zip(self.inputs, self.tables)])

    def step(self, state: Sequence[int]) -> tuple[int, ...]:
        """Next state of a deterministic substrate (error if any used entry is not 0 or 1)."""
        p = self.on_probabilities(state)
        if np.any((p != 0.0) & (p != 1.0)):
            raise InvalidSubstrateError("step() needs deterministic units; this state has probabilistic updates")
        return tuple(int(x) for x in p)

    def tpm(self) -> np.ndarray:
        """The full 2-D state-by-node TPM (only for small substrates)."""
        if self.n > MAX_DENSE_UNITS:
            raise InvalidSubstrateError(f"refusing to build a 2^{self.n}-row TPM")
        states = le_states(self.n).astype(np.int64)
        out = np.empty((1 << self.n, self.n))
        for j, (ins, t) in enumerate(zip(self.inputs, self.tables)):
            idx = (states[:, list(ins)] << np.arange(len(ins))).sum(axis=1) if ins else np.zeros(len(states), int)
            out[:, j] = t[idx]
        return out

    def relabel(self, permutation: Sequence[int]) -> "Substrate":
        """Substrate with unit ``permutation[i]`` of self becoming unit ``i``."""
        perm = list(permutation)
        if sorted(perm) != list(range(self.n)):
            raise InvalidSubstrateError(f"not a permutation of 0..{self.n - 1}: {perm}")
        new_of_old = {old: new for new, old in enumerate(perm)}
        inputs, tables = [], []
        for old in perm:
            ins = self.inputs[old]
            new_ins = [new_of_old[i] for i in ins]
            order = np.argsort(new_ins)
            table = self.tables[old].reshape([2] * len(ins), order="F") if ins else self.tables[old]
            if ins:
                table = np.transpose(table, order).reshape(-1, order="F")
            inputs.append(tuple(sorted(new_ins)))
            tables.append(np.array(table, dtype=float))
        return Substrate(tuple(inputs), tuple(tables), tuple(self.labels[o] for o in perm))

    # ---------------------------------------------------------- constructors
    @classmethod
    def from_units(
        cls,
        tables: Sequence[Any],
        inputs: Sequence[Sequence[int]],
        labels: Sequence[str] | None = None,
    ) -> "Substrate":
        """From per-unit tables and input lists.

        ``tables[j]`` is P(unit j ON | its inputs), either flat of length 2^k
        (little-endian over ``inputs[j]`` in the order given) or shaped [2]*k
        (axis a = ``inputs[j][a]``).
        """
        if len(tables) != len(inputs):
            raise InvalidSubstrateError(f"{len(tables)} tables but {len(inputs)} input lists")
        n = len(tables)
        labels = _default_labels(n) if labels is None else tuple(str(x) for x in labels)
        norm_inputs, norm_tables = [], []
        for j, (table, ins) in enumerate(zip(tables, inputs)):
            ins = _indices(ins, f"inputs of unit {j}")
            if len(set(ins)) != len(ins):
                raise InvalidSubstrateError(f"unit {j} lists an input twice: {ins}")
            arr = _numbers(table, f"table of unit {j}")
            k = len(ins)
            if arr.shape == (1 << k,):
                arr = arr.reshape([2] * k, order="F") if k else arr.reshape(())
            elif arr.shape != tuple([2] * k):
                raise InvalidSubstrateError(
                    f"table of unit {j} has shape {arr.shape}; expected ({1 << k},) or {[2] * k} for inputs {ins}"
                )
            order = np.argsort(ins)
            arr = np.transpose(arr, order) if k else arr
            norm_inputs.append(tuple(sorted(ins)))
            norm_tables.append(np.ascontiguousarray(arr.reshape(-1, order="F")))
        return cls(tuple(norm_inputs), tuple(norm_tables), labels)

    @classmethod
    def from_tpm(
        cls,
        tpm: Any,
        cm: Any = None,
        labels: Sequence[str] | None = None,
        *,
        on_cm_mismatch: str = "warn",
    ) -> "Substrate":
        """From a TPM (state-by-node little-endian, multidimensional, or state-by-state).

        ``cm[i][j] = 1`` is an edge i -> j; the default is all ones (as the
        reference). Each unit keeps only its cm inputs; a dependence the cm
        omits is averaged out, as the reference does, with a warning
        (``on_cm_mismatch="error"`` makes it an error, ``"ignore"`` silences it).
        """
        if on_cm_mismatch not in ("warn", "error", "ignore"):
            raise ValueError("on_cm_mismatch must be 'warn', 'error' or 'ignore'")
        sbn = state_by_node(tpm)
        n = sbn.shape[1]
        cm_arr = _validate_cm(cm, n)
        labels = _default_labels(n) if labels is None else tuple(str(x) for x in labels)
        if len(labels) != n:
            raise InvalidSubstrateError(f"{len(labels)} labels for {n} units")
        full = sbn.reshape([2] * n + [n], order="F")
        inputs, tables, omitted = [], [], []
        for j in range(n):
            ins = tuple(int(i) for i in np.flatnonzero(cm_arr[:, j]))
            others = tuple(i for i in range(n) if i not in ins)
            col = full[..., j]
            marg = col.mean(axis=others) if others else col
            if others:
                spread = np.abs(col - np.expand_dims(marg, others)).max()
                if spread > 1e-12:
                    dep = [i for i in others if np.abs(np.diff(col, axis=i)).max() > 1e-12]
                    omitted.append((j, dep))
            inputs.append(ins)
            tables.append(np.ascontiguousarray(np.asarray(marg, float).reshape(-1, order="F")))
        if omitted and on_cm_mismatch != "ignore":
            text = "; ".join(
                f"{labels[j]} depends on {', '.join(labels[i] for i in dep)}" for j, dep in omitted
            )
            msg = f"the connectivity matrix omits dependences the TPM has ({text}); they are averaged out, as the reference does"
            if on_cm_mismatch == "error":
                raise InvalidSubstrateError(msg)
            warnings.warn(msg, CMMismatchWarning, stacklevel=2)
        return cls(tuple(inputs), tuple(tables), labels)

    @classmethod
    def from_gates(
        cls,
        gates: Sequence[Mapping[str, Any]],
        labels: Sequence[str] | None = None,
        noise: float = 0.0,
    ) -> "Substrate":
        """From Boolean gate descriptions.

        Each gate is ``{"gate": NAME, "inputs": [...]}`` with NAME one of AND,
        OR, XOR, NAND, NOR, XNOR, MAJ, COPY, NOT, THRESHOLD (with
        ``"threshold"`` and optional ``"weights"``), MUX (inputs: select, a, b),
        CONST0, CONST1; an optional per-gate ``"noise"`` (or the global
        ``noise``) flips the output with that probability; ``"label"`` names it.
        """
        tables, inputs, names = [], [], []
        for j, g in enumerate(gates):
            if not isinstance(g, Mapping) or "gate" not in g:
                raise InvalidSubstrateError(f"gate {j} must be an object with a 'gate' name, got {g!r}")
            unknown = sorted(set(g) - GATE_KEYS)
            if unknown:
                raise InvalidSubstrateError(f"gate {j} ({g['gate']}): unknown key(s) {unknown}; known: {sorted(GATE_KEYS)}")
            ins = _indices(g.get("inputs", []), f"inputs of gate {j}")
            eps = _number(g.get("noise", noise), f"noise of gate {j}")
            if not 0.0 <= eps <= 1.0:
                raise InvalidSubstrateError(f"noise of gate {j} must be in [0, 1], got {eps}")
            threshold = None if g.get("threshold") is None else _number(g["threshold"], f"threshold of gate {j}")
            weights = None if g.get("weights") is None else _numbers(g["weights"], f"weights of gate {j}")
            out = gate_table(str(g["gate"]), len(ins), threshold=threshold, weights=weights)
            tables.append(out * (1.0 - eps) + (1.0 - out) * eps)
            inputs.append(ins)
            names.append(str(g.get("label", "")))
        if labels is None and all(names):
            labels = names
        return cls.from_units(tables, inputs, labels)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Substrate":
        """From plain data (e.g. parsed JSON): a reference network object (``tpm``, ``cm``,
        ``node_labels``) or this package's unit form (``units`` with ``inputs``
        and ``table``, or ``gates``). Anything else raises :class:`InvalidSubstrateError`
        naming the key."""
        if not isinstance(data, Mapping):
            raise InvalidSubstrateError(
                f"a substrate must be a mapping (a JSON object) with a 'tpm', 'units' or 'gates' key, got {type(data).__name__}"
            )
        labels = data.get("node_labels") or data.get("labels")
        if labels is not None and (
            not isinstance(labels, list) or not all(isinstance(x, str) for x in labels)
        ):
            raise InvalidSubstrateError(f"labels must be a list of strings, got {labels!r}")
        if "tpm" in data:
            return cls.from_tpm(data["tpm"], data.get("cm"), labels)
        if "units" in data:
            units = _objects(data["units"], "units", ("inputs", "table"))
            return cls.from_units(
                [u["table"] for u in units],
                [u["inputs"] for u in units],
                labels or [str(u.get("label", f"U{i}")) for i, u in enumerate(units)],
            )
        if "gates" in data:
            noise = _number(data.get("noise", 0.0), "noise")
            return cls.from_gates(_objects(data["gates"], "gates", ("gate",)), labels, noise)
        raise InvalidSubstrateError("JSON substrate needs a 'tpm', 'units' or 'gates' key")

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (the ``units`` form read by :meth:`from_dict`)."""
        return {
            "labels": list(self.labels),
            "units": [
                {"label": lab, "inputs": list(ins), "table": t.tolist()}
                for lab, ins, t in zip(self.labels, self.inputs, self.tables)
            ],
        }


def _default_labels(n: int) -> tuple[str, ...]:
    if n <= 26:
        return tuple(chr(ord("A") + i) for i in range(n))
    return tuple(f"U{i}" for i in range(n))


def _objects(values: Any, what: str, required: tuple[str, ...]) -> list[Mapping[str, Any]]:
    """A list of JSON objects that each have the ``required`` keys, or an error naming the entry."""
    if not isinstance(values, list):
        raise InvalidSubstrateError(f"'{what}' must be a list of objects, got {type(values).__name__}")
    for i, v in enumerate(values):
        if not isinstance(v, Mapping):
            raise InvalidSubstrateError(f"{what}[{i}] must be an object, got {v!r}")
        missing = [k for k in required if k not in v]
        if missing:
            raise InvalidSubstrateError(f"{what}[{i}] has no {' or '.join(repr(k) for k in missing)}")
    return values


def _validate_cm(cm: Any, n: int) -> np.ndarray:
    if cm is None:
        return np.ones((n, n), dtype=np.int8)
    arr = _numbers(cm, "connectivity matrix")
    if arr.shape != (n, n):
        raise InvalidSubstrateError(f"connectivity matrix has shape {arr.shape}, expected ({n}, {n})")
    if not np.all((arr == 0) | (arr == 1)):
        raise InvalidSubstrateError("connectivity matrix entries must be 0 or 1")
    return arr.astype(np.int8)
