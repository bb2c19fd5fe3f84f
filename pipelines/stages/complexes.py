"""Stage ``complexes``: exclusion over the stored candidates of every analysed state.

It writes the ``complexes`` table whole, so a rerun finds it (and skips) or
rewrites it from the stored candidates without recomputing phi_s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

import iitcore
from pipelines.hashing import canonical_json
from pipelines.schema import COMPLEXES, dataset, decode_units
from pipelines.store import Store
from pipelines.work import Context


@dataclass(frozen=True)
class StoredCandidate:
    """A stored candidate result, as exclusion needs it."""

    units: tuple[int, ...]
    phi: float
    row: int


def _by_state(cand: xr.Dataset, n_states: int) -> list[list[StoredCandidate]]:
    out: list[list[StoredCandidate]] = [[] for _ in range(n_states)]
    units, phi, state = cand["units"].values, cand["phi"].values, cand["state_index"].values
    for row in np.flatnonzero(cand["reachable"].values):
        out[int(state[row])].append(StoredCandidate(decode_units(units[row]), float(phi[row]), int(row)))
    return out


def count_complexes(store: Store) -> int:
    return int(store.table("complexes").sizes["complex"]) if store.has_table("complexes") else 0


def find_complexes(store: Store, ctx: Context) -> int:
    """Complexes of every analysed state from the stored candidates; writes ``complexes``.

    Overlapping candidates tied in phi_s are resolved as the analysis mode's
    reference does: by Phi (computed here, for the tied candidates only) in
    ``iit4_2023``, by candidate order in ``pyphi-feature-iit4``."""
    if store.has_table("complexes"):
        return count_complexes(store)
    cand = store.table("candidates")
    if not bool(cand["evaluated"].all()):
        raise RuntimeError(f"{store.path}: exclusion needs every candidate evaluated; run the candidates stage first")
    rows: list[tuple[int, Any]] = []
    per_state: dict[str, list[Any]] = {"n_complexes": [], "max_phi": [], "whole_phi": [], "exclusion": []}
    for i, evaluated in enumerate(_by_state(cand, len(ctx.states))):
        substrate, state = ctx.substrate_of(i)
        big_phi = iitcore.big_phi_of(substrate, state, ctx.compat) if ctx.compat == "iit4_2023" else None
        result = iitcore.exclusion(evaluated, big_phi)
        found = sorted(result.complexes, key=lambda c: (-c.phi, c.units))
        rows.extend((i, c) for c in found)
        whole = [e.phi for e in evaluated if len(e.units) == substrate.n]
        per_state["n_complexes"].append(len(found))
        per_state["max_phi"].append(found[0].phi if found else 0.0)
        per_state["whole_phi"].append(whole[0] if whole else np.nan)
        per_state["exclusion"].append(canonical_json({k: v for k, v in result.to_dict().items() if k != "complexes"}))
    store.write_table("complexes", dataset(COMPLEXES, {
        "state_index": [i for i, _ in rows],
        "system": [ctx.states[i][0] for i, _ in rows],
        "units": [canonical_json(list(x.units)) for _, x in rows],
        "size": [len(x.units) for _, x in rows],
        "phi": [x.phi for _, x in rows],
        "candidate": [x.row for _, x in rows],
        **per_state,
    }))
    return len(rows)
