"""Stages that read only the store: exclusion (complexes), Phi-structures, comparisons.

Each writes its own tables whole, so a rerun either finds them (and skips)
or rewrites them from the stored candidates without recomputing phi_s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from distributed import Client

import iitcore
from iitcore.complexes import big_phi_of
from pipelines.columns import strings, to_json, var
from pipelines.compute import Context
from pipelines.config import StudyConfig
from pipelines.execute import structures as compute_structures
from pipelines.store import Store

TOL_ABS, TOL_REL = 1e-9, 1e-7


@dataclass(frozen=True)
class Evaluated:
    """A stored candidate result, as exclusion needs it."""

    units: tuple[int, ...]
    phi: float
    row: int
    unresolved_tie: str | None = None


def close(a: float, b: float) -> bool:
    """Equal within the project's tolerance for phi values (NaN equals NaN)."""
    if np.isnan(a) and np.isnan(b):
        return True
    return abs(a - b) <= TOL_ABS + TOL_REL * abs(b)


def _by_state(cand: xr.Dataset, n_states: int) -> list[list[Evaluated]]:
    out: list[list[Evaluated]] = [[] for _ in range(n_states)]
    units = cand["units"].values
    phi = cand["phi"].values
    state = cand["state_index"].values
    reachable = cand["reachable"].values
    for row in np.flatnonzero(reachable):
        out[int(state[row])].append(Evaluated(tuple(json.loads(str(units[row]))), float(phi[row]), int(row)))
    return out


def exclusion(store: Store, cfg: StudyConfig, ctx: Context) -> int:
    """Complexes of every analysed state from the stored candidates; writes ``complexes``.

    Overlapping candidates tied in phi_s are resolved as the analysis mode's
    reference does: by Phi (computed here, for the tied candidates only) in
    ``iit4_2023``, by candidate order in ``pyphi-feature-iit4``."""
    if store.has_table("complexes"):
        return count_complexes(store)
    states = store.table("states")
    cand = store.table("candidates")
    if not bool(cand["evaluated"].all()):
        raise RuntimeError(f"{store.path}: exclusion needs every candidate evaluated; run the compute stage first")
    systems = states["system"].values
    n_units = dict(zip(store.table("systems")["system"].values, store.table("systems")["n_units"].values))
    rows: list[tuple[int, Any]] = []
    n_complexes, max_phi, whole_phi, records = [], [], [], []
    for i, evaluated in enumerate(_by_state(cand, states.sizes["state"])):
        system, state = ctx.states[i]
        big_phi = big_phi_of(ctx.substrates[system], state, ctx.compat)
        result = iitcore.exclusion(evaluated, big_phi, formalism=ctx.compat)
        found = sorted(result.complexes, key=lambda c: (-c.phi, c.units))
        rows.extend((i, c) for c in found)
        n_complexes.append(len(found))
        max_phi.append(found[0].phi if found else 0.0)
        whole = [e.phi for e in evaluated if len(e.units) == int(n_units[systems[i]])]
        whole_phi.append(whole[0] if whole else np.nan)
        records.append(to_json({k: v for k, v in result.to_dict().items() if k != "complexes"}))
    c, s = "complex", "state"
    ds = xr.Dataset(
        {
            "state_index": var(c, np.array([i for i, _ in rows], dtype=np.int64), "row of the states table"),
            "system": var(c, strings([str(systems[i]) for i, _ in rows]), "system id"),
            "units": var(c, strings([to_json(list(x.units)) for _, x in rows]), "the complex's units (JSON list)"),
            "size": var(c, np.array([len(x.units) for _, x in rows], dtype=np.int32), "number of units", "units"),
            "phi": var(c, np.array([x.phi for _, x in rows], dtype=float), "phi_s of the complex", "bit"),
            "candidate": var(c, np.array([x.row for _, x in rows], dtype=np.int64), "row in the candidates table"),
            "n_complexes": var(s, np.array(n_complexes, dtype=np.int32), "number of complexes in the state"),
            "max_phi": var(s, np.array(max_phi), "phi_s of the maximal complex (0 if none)", "bit"),
            "whole_phi": var(s, np.array(whole_phi), "phi_s of the whole system (NaN if not evaluated: pruned as 0 or beyond the size bound)", "bit"),
            "exclusion": var(s, strings(records), "exclusion record: excluded candidates, reasons and ties (JSON)"),
        },
        coords={c: np.arange(len(rows), dtype=np.int64), s: np.arange(states.sizes["state"], dtype=np.int64)},
    )
    ds.attrs["description"] = "complexes (exclusion applied to the evaluated candidates) and per-state summaries"
    store.write_table("complexes", ds)
    return len(rows)


def count_complexes(store: Store) -> int:
    return int(store.table("complexes").sizes["complex"]) if store.has_table("complexes") else 0


def structures(client: Client, store: Store, ctx: Context, cfg: StudyConfig) -> int:
    """Phi-structures of complexes up to ``analysis.structure_max_size``; writes ``structures`` and ``distinctions``."""
    if "phi_structure" not in cfg.analysis.levels or store.has_table("structures"):
        return 0
    cx = store.table("complexes")
    rows = [
        (k, int(cx["state_index"].values[k]), tuple(json.loads(str(cx["units"].values[k]))))
        for k in range(cx.sizes["complex"])
        if int(cx["size"].values[k]) <= cfg.analysis.structure_max_size
    ]
    results = compute_structures(client, ctx, [(i, u) for _, i, u in rows])
    c, d = "complex", "distinction"
    n = cx.sizes["complex"]
    done = np.zeros(n, dtype=bool)
    big_phi = np.full(n, np.nan)
    sum_d = np.full(n, np.nan)
    sum_r = np.full(n, np.nan)
    n_dist = np.full(n, -1, dtype=np.int64)
    n_rel = np.full(n, -1, dtype=np.int64)
    by_degree = [""] * n
    dist_rows: list[tuple[int, dict[str, Any]]] = []
    for (k, _, _), res in zip(rows, results):
        done[k] = True
        big_phi[k], sum_d[k], sum_r[k] = res["big_phi"], res["sum_phi_distinctions"], res["sum_phi_relations"]
        n_dist[k], n_rel[k] = res["num_distinctions"], res["num_relations"]
        by_degree[k] = to_json(res["num_relations_by_degree"])
        dist_rows.extend((k, dd) for dd in res["distinctions"])
    ds = xr.Dataset(
        {
            "computed": var(c, done, "the Phi-structure was computed (false: complex larger than structure_max_size)"),
            "big_phi": var(c, big_phi, "Phi: sum of distinction phi plus sum of relation phi", "bit"),
            "sum_phi_distinctions": var(c, sum_d, "sum of phi_d over the distinctions", "bit"),
            "sum_phi_relations": var(c, sum_r, "sum of phi_r over the relations", "bit"),
            "n_distinctions": var(c, n_dist, "number of (congruent) distinctions; -1 if not computed"),
            "n_relations": var(c, n_rel, "number of relations; -1 if not computed"),
            "relations_by_degree": var(c, strings(by_degree), "relation counts by degree (JSON)"),
        },
        coords={c: np.arange(n, dtype=np.int64)},
    )
    ds.attrs["description"] = "Phi-structure summary of each complex"
    side = lambda key, part: [to_json(r[key][part]) for _, r in dist_rows]  # noqa: E731
    dist = xr.Dataset(
        {
            "complex": var(d, np.array([k for k, _ in dist_rows], dtype=np.int64), "row of the complexes table"),
            "mechanism": var(d, strings([to_json(r["mechanism"]) for _, r in dist_rows]), "mechanism units (JSON list)"),
            "mechanism_state": var(d, strings([to_json(r["mechanism_state"]) for _, r in dist_rows]), "mechanism state (JSON list)"),
            "phi": var(d, np.array([r["phi"] for _, r in dist_rows], dtype=float), "phi_d = min(cause phi, effect phi)", "bit"),
            "cause_purview": var(d, strings(side("cause", "purview")), "cause purview units (JSON list)"),
            "cause_state": var(d, strings(side("cause", "state")), "specified cause state of the purview (JSON list)"),
            "cause_phi": var(d, np.array([r["cause"]["phi"] for _, r in dist_rows], dtype=float), "cause phi", "bit"),
            "effect_purview": var(d, strings(side("effect", "purview")), "effect purview units (JSON list)"),
            "effect_state": var(d, strings(side("effect", "state")), "specified effect state of the purview (JSON list)"),
            "effect_phi": var(d, np.array([r["effect"]["phi"] for _, r in dist_rows], dtype=float), "effect phi", "bit"),
            "cause_ties": var(d, strings(side("cause", "tied_alternatives")), "other cause {purview, state} choices tied at the maximum (JSON)"),
            "effect_ties": var(d, strings(side("effect", "tied_alternatives")), "other effect {purview, state} choices tied at the maximum (JSON)"),
        },
        coords={d: np.arange(len(dist_rows), dtype=np.int64)},
    )
    dist.attrs["description"] = "distinctions of the Phi-structures of complexes"
    store.write_table("distinctions", dist)
    store.write_table("structures", ds)
    return len(rows)


def _inverse(target_units: Any) -> dict[int, int]:
    """Implementation unit -> target unit, from an implementation's ``target_units`` mapping."""
    if isinstance(target_units, dict):
        return {int(v): int(k) for k, v in target_units.items()}
    return {int(v): i for i, v in enumerate(target_units or [])}


def _complex_sets(cx: xr.Dataset, state: int) -> list[tuple[tuple[int, ...], float, int]]:
    rows = np.flatnonzero(cx["state_index"].values == state)
    return [(tuple(json.loads(str(cx["units"].values[k]))), float(cx["phi"].values[k]), int(k)) for k in rows]


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
        mech_a = sorted((tuple(json.loads(str(dist["mechanism"].values[r]))), float(dist["phi"].values[r])) for r in rows_a)
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


def compare(store: Store) -> int:
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
    out: dict[str, list[Any]] = {k: [] for k in (
        "implementation", "kind", "target", "target_state", "functionally_equivalent", "target_max_phi",
        "implementation_max_phi", "implementation_max_phi_any_phase", "target_n_complexes",
        "implementation_n_complexes", "same_complexes", "same_structures", "phenomenally_equivalent",
    )}
    for s, kind, target, tu, ok in zip(
        sy["system"].values, sy["kind"].values, sy["target"].values, sy["target_units"].values, sy["verified"].values
    ):
        if str(kind) == "target":
            continue
        inverse = _inverse(json.loads(str(tu)))
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
    c = "comparison"
    desc = {
        "implementation": ("implementation system id", ""),
        "kind": ("implementation kind: computer, unfolding, copy", ""),
        "target": ("target system id", ""),
        "target_state": ("target state, 0/1 characters in unit order", ""),
        "functionally_equivalent": ("the implementation was verified functionally equivalent", ""),
        "target_max_phi": ("phi_s of the target's maximal complex in this state (0 if none)", "bit"),
        "implementation_max_phi": ("phi_s of the implementation's maximal complex at the encoded state", "bit"),
        "implementation_max_phi_any_phase": ("largest maximal-complex phi_s over the analysed phases", "bit"),
        "target_n_complexes": ("number of complexes of the target", ""),
        "implementation_n_complexes": ("number of complexes of the implementation at the encoded state", ""),
        "same_complexes": ("complexes correspond one to one through the unit mapping, with equal phi_s", ""),
        "same_structures": ("Phi-structures of corresponding complexes are equal: true; up to ties (same distinctions, "
                            "differences only from tied choices the reference breaks by unit order); false; or "
                            "unknown (not computed)", ""),
        "phenomenally_equivalent": ("same complexes and Phi-structures equal (true or up to ties)", ""),
    }
    data = {}
    for k, vals in out.items():
        arr = strings(vals) if vals and isinstance(vals[0], str) else np.array(vals, dtype=_dtype(k))
        data[k] = var(c, arr, *desc[k])
    ds = xr.Dataset(data, coords={c: np.arange(len(out["implementation"]), dtype=np.int64)})
    ds.attrs["description"] = "targets versus their implementations: functional and phenomenal equivalence"
    store.write_table("comparisons", ds)
    return len(out["implementation"])


def _dtype(column: str) -> Any:
    if column.endswith("phi") or column.endswith("phase"):
        return float
    if column.endswith("complexes") and column.startswith(("target_n", "implementation_n")):
        return np.int32
    if column in ("functionally_equivalent", "same_complexes", "phenomenally_equivalent"):
        return bool
    return object
