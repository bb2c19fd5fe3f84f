"""Truth tables of the Boolean gates used to build substrates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from iitcore.errors import InvalidSubstrateError

ARITY = {"COPY": 1, "NOT": 1, "MUX": 3, "CONST0": 0, "CONST1": 0}
MAX_GATE_INPUTS = 20  # a gate's table has 2^k entries


def gate_table(name: str, k: int, threshold: float | None = None, weights: Sequence[float] | None = None) -> np.ndarray:
    """Deterministic output (0.0/1.0) for each of the 2^k input states, little-endian."""
    g = name.upper()
    if g in ARITY and ARITY[g] != k:
        raise InvalidSubstrateError(f"gate {g} takes {ARITY[g]} input(s), got {k}")
    if g not in ARITY and g not in _MULTI and g != "THRESHOLD":
        raise InvalidSubstrateError(f"unknown gate {name!r}; known: {sorted([*ARITY, *_MULTI, 'THRESHOLD'])}")
    if k > MAX_GATE_INPUTS:
        raise InvalidSubstrateError(f"gate {g} has {k} inputs; at most {MAX_GATE_INPUTS} (its table has 2^k entries)")
    if g not in ARITY and k == 0:
        raise InvalidSubstrateError(f"gate {g} needs at least one input")
    x = ((np.arange(1 << k)[:, None] >> np.arange(k)) & 1).astype(int)
    ones = x.sum(axis=1)
    if g == "COPY":
        out = x[:, 0]
    elif g == "NOT":
        out = 1 - x[:, 0]
    elif g == "MUX":  # inputs (select, a, b): a when select is 0, b when 1
        out = np.where(x[:, 0] == 0, x[:, 1], x[:, 2])
    elif g == "CONST0":
        out = np.zeros(1)
    elif g == "CONST1":
        out = np.ones(1)
    elif g == "THRESHOLD":
        if threshold is None:
            raise InvalidSubstrateError("THRESHOLD gate needs a 'threshold'")
        w = np.ones(k) if weights is None else np.asarray(weights, float)
        if w.shape != (k,):
            raise InvalidSubstrateError(f"THRESHOLD weights need {k} entries, got {list(w)}")
        out = (x @ w >= threshold).astype(int)
    else:
        out = _MULTI[g](x, ones, k)
    return np.asarray(out, dtype=float)


_MULTI = {
    "AND": lambda x, ones, k: ones == k,
    "OR": lambda x, ones, k: ones > 0,
    "XOR": lambda x, ones, k: ones % 2 == 1,
    "NAND": lambda x, ones, k: ones != k,
    "NOR": lambda x, ones, k: ones == 0,
    "XNOR": lambda x, ones, k: ones % 2 == 0,
    "MAJ": lambda x, ones, k: 2 * ones > k,
}
