"""Stage ``comparisons``: each target versus its implementations, per target state, from the stored tables."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import xarray as xr

from pipelines.schema import COMPARISONS, dataset, decode_units
from pipelines.store import Store

TOL_ABS, TOL_REL = 1e-9, 1e-7


def close(a: float, b: float) -> bool:
    """Equal within the project's tolerance for phi values (NaN equals NaN)."""
    if np.isnan(a) and np.isnan(b):
        return True
    return abs(a - b) <= TOL_ABS + TOL_REL * abs(b)


def inverse_units(target_units: Any) -> dict[int, int]:
    """Implementation unit -> target unit, from an implementation's ``target_units`` mapping."""
    if isinstance(target_units, dict):
        return {int(v): int(k) for k, v in target_units.items()}
    return {int(v): i for i, v in enumerate(target_units or [])}


def _complex_sets(cx: xr.Dataset, state: int) -> list[tuple[tuple[int, ...], float, int]]:
    rows = np.flatnonzero(cx["state_index"].values == state)
    return [(decode_units(cx["units"].values[k]), float(cx["phi"].values[k]), int(k)) for k in rows]


def _same_structures(
    st: xr.Dataset | None, dist: xr.Dataset | None, a: list[int], b: list[int], inverse: dict[int, int],
    state_tied: np.ndarray,
) -> str:
    """Compare the Phi-structures of paired complexes (a: target rows, b: implementation rows).

    ``true``: equal summaries. ``up to ties``: the difference comes only from
    tied choices that the reference breaks by unit order: tied specified
    states of the system (``state_tied``, per complex), or the same
    distinctions (mechanisms through the unit mapping, phi_d) where some cause
    or effect had tied purviews or states. ``false`` otherwise; ``unknown``
    when a structure was not computed.
    """
    if st is None or dist is None or not all(bool(st["computed"].values[k]) for k in a + b):
        return "unknown"
    summaries = ("big_phi", "sum_phi_distinctions", "sum_phi_relations", "n_distinctions", "n_relations")
    if all(close(float(st[v].values[kb]), float(st[v].values[ka])) for ka, kb in zip(a, b) for v in summaries):
        return "true"
    if any(state_tied[k] for k in a + b):
        return "up to ties"
    owner = dist["complex"].values
    tied = False
    for ka, kb in zip(a, b):
        rows_a, rows_b = np.flatnonzero(owner == ka), np.flatnonzero(owner == kb)
        mech_a = sorted((decode_units(dist["mechanism"].values[r]), float(dist["phi"].values[r])) for r in rows_a)
        mech_b = sorted(
            (tuple(sorted(inverse[u] for u in json.loads(str(dist["mechanism"].values[r])))), float(dist["phi"].values[r]))
            for r in rows_b
        )
        if [m for m, _ in mech_a] != [m for m, _ in mech_b] or not all(close(x, y) for (_, x), (_, y) in zip(mech_a, mech_b)):
            return "false"
        tied |= any(
            json.loads(str(dist[f"{side}_ties"].values[r])) for r in np.concatenate([rows_a, rows_b]) for side in ("cause", "effect")
        )
    return "up to ties" if tied else "false"


def _state_tied(cand: xr.Dataset, cx: xr.Dataset) -> np.ndarray:
    """Per complex: its system's specified cause or effect states tie."""
    ties = cand["ties"].values
    return np.array(
        [bool({"cause_states", "effect_states"} & json.loads(str(ties[int(r)]) or "{}").keys()) for r in cx["candidate"].values],
        dtype=bool,
    )


def compare_systems(store: Store) -> int:
    """Target versus implementation per target state; writes ``comparisons``."""
    sy = store.table("systems")
    states = store.table("states")
    cx = store.table("complexes")
    st = store.table("structures") if store.has_table("structures") else None
    dist = store.table("distinctions") if store.has_table("distinctions") else None
    state_tied = _state_tied(store.table("candidates"), cx)
    index = {
        (str(s), str(t), int(p)): i
        for i, (s, t, p) in enumerate(zip(states["system"].values, states["target_state"].values, states["phase"].values))
    }
    summary = cx[["n_complexes", "max_phi"]]
    out: dict[str, list[Any]] = {k: [] for k in COMPARISONS.columns}
    for s, kind, target, tu, ok in zip(
        sy["system"].values, sy["kind"].values, sy["target"].values, sy["target_units"].values, sy["verified"].values
    ):
        if str(kind) == "target":
            continue
        inverse = inverse_units(json.loads(str(tu)))
        for (sys_id, ts, phase), t_i in index.items():
            if sys_id != str(target) or phase != 0:
                continue
            phases = [i for (x, y, _), i in index.items() if x == str(s) and y == ts]
            i0 = index[(str(s), ts, 0)]
            t_cx = sorted(_complex_sets(cx, t_i))
            i_cx = sorted(
                (tuple(sorted(inverse[u] for u in units)) if set(units) <= inverse.keys() else (), phi, k)
                for units, phi, k in _complex_sets(cx, i0)
            )
            same = len(t_cx) == len(i_cx) and all(
                a[0] == b[0] and b[0] != () and close(b[1], a[1]) for a, b in zip(t_cx, i_cx)
            )
            same_st = _same_structures(
                st, dist, [k for *_, k in t_cx], [k for *_, k in i_cx], inverse, state_tied
            ) if same else "false"
            out["implementation"].append(str(s))
            out["kind"].append(str(kind))
            out["target"].append(str(target))
            out["target_state"].append(ts)
            out["functionally_equivalent"].append(bool(ok))
            out["target_max_phi"].append(float(summary["max_phi"].values[t_i]))
            out["implementation_max_phi"].append(float(summary["max_phi"].values[i0]))
            out["implementation_max_phi_any_phase"].append(float(max(summary["max_phi"].values[phases])))
            out["target_n_complexes"].append(int(summary["n_complexes"].values[t_i]))
            out["implementation_n_complexes"].append(int(summary["n_complexes"].values[i0]))
            out["same_complexes"].append(bool(same))
            out["same_structures"].append(same_st)
            out["phenomenally_equivalent"].append(bool(same and same_st in ("true", "up to ties")))
    store.write_table("comparisons", dataset(COMPARISONS, out))
    return len(out["implementation"])
