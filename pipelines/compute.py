"""Evaluate one work unit of candidates (runs on a Dask worker) into store columns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

import iitcore
from iitcore import Substrate

FLOAT_COLUMNS = ("phi", "signed_phi", "phi_cause", "phi_effect", "normalized_phi", "cause_ii", "effect_ii")
STRING_COLUMNS = ("cause_state", "effect_state", "mip", "ties", "reasons")
BOOL_COLUMNS = ("evaluated", "reachable", "mip_search_shortcircuited")


@dataclass(frozen=True)
class Context:
    """Inputs shared by every work unit; scattered to the workers once."""

    substrates: dict[str, Substrate]
    states: tuple[tuple[str, tuple[int, ...]], ...]  # (system id, state) per analysed state
    compat: str


def _bits(state: Any) -> str:
    return "".join(str(int(b)) for b in state)


def evaluate_unit(ctx: Context, row_state: np.ndarray, row_units: list[tuple[int, ...]]) -> dict[str, np.ndarray]:
    """phi_s of every candidate row of a work unit, as columns (one entry per row)."""
    n = len(row_units)
    cols: dict[str, np.ndarray] = {c: np.full(n, np.nan) for c in FLOAT_COLUMNS}
    cols.update({c: np.full(n, "", dtype=object) for c in STRING_COLUMNS})
    cols.update({c: np.zeros(n, dtype=bool) for c in BOOL_COLUMNS})
    cols["evaluated"][:] = True
    start = 0
    while start < n:
        stop = start
        while stop < n and row_state[stop] == row_state[start]:
            stop += 1
        system, state = ctx.states[int(row_state[start])]
        results = iitcore.evaluate_candidates(
            ctx.substrates[system], state, list(row_units[start:stop]), formalism=ctx.compat
        )
        for i, res in zip(range(start, stop), results):
            if isinstance(res, iitcore.SIA):
                _fill(cols, i, res)
        start = stop
    return cols


def _fill(cols: dict[str, np.ndarray], i: int, r: iitcore.SIA) -> None:
    cols["reachable"][i] = True
    cols["phi"][i] = r.phi
    cols["signed_phi"][i] = r.signed_phi
    cols["phi_cause"][i] = r.phi_cause
    cols["phi_effect"][i] = r.phi_effect
    cols["normalized_phi"][i] = r.normalized_phi
    cols["mip_search_shortcircuited"][i] = r.mip_search_shortcircuited
    cols["reasons"][i] = ",".join(r.reasons)
    ties: dict[str, Any] = {k: v for k, v in r.ties.items() if v}
    if r.cause_state is not None:
        cols["cause_state"][i] = _bits(r.cause_state.state)
        cols["cause_ii"][i] = r.cause_state.ii
        if r.cause_state.ties:
            ties["cause_states"] = r.cause_state.ties
    if r.effect_state is not None:
        cols["effect_state"][i] = _bits(r.effect_state.state)
        cols["effect_ii"][i] = r.effect_state.ii
        if r.effect_state.ties:
            ties["effect_states"] = r.effect_state.ties
    if r.partition is not None:
        cols["mip"][i] = _json(_partition(r.partition))
    if ties:
        if "mips" in ties:
            ties["mips"] = [_partition(p) for p in ties["mips"]]
        cols["ties"][i] = _json(ties)


def _partition(p: iitcore.Partition) -> dict[str, Any]:
    return {
        "parts": p.parts, "directions": p.directions, "cut_matrix": p.cut_matrix,
        "severed_edges": p.severed_edges, "normalization": p.normalization,
    }


def _json(x: Any) -> str:
    return json.dumps(x, separators=(",", ":"), default=_plain)


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return str(x)
