"""Targets versus their implementations, read from a study store (nothing is recomputed).

:func:`load` reads the tables a report needs; :func:`check_functional` audits
functional equivalence from stored substrates and encodings (simulation only,
no IIT); the ``*_frame`` functions turn the tables into pandas frames: one row
per analysed state, per complex, per target/implementation pair, and summary
statistics per family and implementation kind.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from iitcore import Substrate
from pipelines.families.simulate import Stepper
from pipelines.stages.comparisons import close, inverse_units
from pipelines.store import Store, StoreError
from pipelines.work import bits

REQUIRED = ("systems", "states", "complexes", "comparisons")


@dataclass(frozen=True)
class StudyTables:
    """The tables of a finished study store, loaded into memory."""

    path: Path
    attrs: dict[str, Any]
    provenance: dict[str, Any]
    systems: xr.Dataset
    states: xr.Dataset
    complexes: xr.Dataset
    comparisons: xr.Dataset
    structures: xr.Dataset | None
    distinctions: xr.Dataset | None

    def substrate(self, system: str) -> Substrate:
        return Substrate.from_dict(json.loads(str(self.systems["substrate"].sel(system=system).values)))

    def field(self, system: str, name: str) -> Any:
        """A JSON column of the systems table, decoded."""
        return json.loads(str(self.systems[name].sel(system=system).values))


def load(store: Store) -> StudyTables:
    """A study store's tables; raise :class:`StoreError` if the study has not been derived yet."""
    store_path = store.path
    missing = [t for t in REQUIRED if not store.has_table(t)]
    if missing:
        raise StoreError(
            f"{store_path}: table(s) {', '.join(missing)} missing; finish the study first "
            f"(iitstudies run resumes it and derives complexes and comparisons)"
        )
    optional = {t: store.table(t) if store.has_table(t) else None for t in ("structures", "distinctions")}
    return StudyTables(
        store.path, store.attrs, store.provenance,
        *(store.table(t) for t in REQUIRED), **optional,
    )


# ------------------------------------------------------------------ functional equivalence
@dataclass(frozen=True)
class FunctionalCheck:
    """Outcome of :func:`check_functional`; ``equivalent`` is None when no state could be checked."""

    equivalent: bool | None
    states_checked: int
    method: str
    counterexample: str = ""


def check_functional(
    target: Substrate,
    impl: Substrate,
    target_units: Sequence[int],
    cycle_length: int,
    encodings: Mapping[tuple[int, ...], tuple[int, ...]],
) -> FunctionalCheck:
    """Check that ``impl`` simulates ``target`` on the encoded target states.

    Deterministic target: for every encoded state s whose successor f(s) is
    also encoded, ``cycle_length`` ticks from enc(s) must reach enc(f(s)),
    with externally driven units (no inputs, probabilistic table: the
    unfolding's input layer) held at their value in enc(f(s)).
    Probabilistic target (cycle length 1 only): the units in ``target_units``
    must have the target's ON-probabilities in every encoded state.
    """
    states = sorted(encodings)
    s = np.array(states, dtype=np.int8).reshape(len(states), target.n)
    if not target.is_deterministic:
        if cycle_length != 1:
            return FunctionalCheck(None, 0, "not checkable: probabilistic target with a multi-tick cycle")
        got = Stepper(impl).probabilities(np.array([encodings[x] for x in states]))[:, list(target_units)]
        want = Stepper(target).probabilities(s)
        bad = np.flatnonzero(~np.isclose(got, want).all(axis=1))
        ce = f"state {bits(states[bad[0]])}: ON-probabilities {got[bad[0]].tolist()}, target {want[bad[0]].tolist()}" if bad.size else ""
        return FunctionalCheck(not bad.size, len(states), "per-unit ON-probabilities at every encoded state", ce)
    successors = [tuple(int(b) for b in row) for row in Stepper(target).step(s)]
    rows = [i for i, nxt in enumerate(successors) if nxt in encodings]
    method = f"{cycle_length} tick(s) from enc(s) reach enc(f(s)), for every analysed s whose successor was analysed"
    if not rows:
        return FunctionalCheck(None, 0, method + " (none was)")
    driven = [j for j, (ins, t) in enumerate(zip(impl.inputs, impl.tables)) if not ins and 0.0 < t[0] < 1.0]
    x = np.array([encodings[states[i]] for i in rows], dtype=np.int8)
    want = np.array([encodings[successors[i]] for i in rows], dtype=np.int8)
    stepper = Stepper(impl, driven)
    for _ in range(cycle_length):
        x = stepper.step(x)
        x[:, driven] = want[:, driven]
    bad = np.flatnonzero((x != want).any(axis=1))
    ce = ""
    if bad.size:
        r = int(bad[0])
        units = np.flatnonzero(x[r] != want[r])
        ce = f"from target state {bits(states[rows[r]])}: units " + ", ".join(
            f"{impl.labels[u]}={x[r, u]} (expected {want[r, u]})" for u in units[:6]
        )
    return FunctionalCheck(not bad.size, len(rows), method, ce)


AUDIT_COLUMNS = [
    "implementation", "kind", "target", "verified", "verification", "audit_equivalent", "audit_states",
    "audit_counterexample",
]


def audit_frame(t: StudyTables) -> pd.DataFrame:
    """Per implementation: the stored verification record and a re-check from the stored encodings."""
    st = t.states
    rows = []
    for sid, kind, target in zip(*(t.systems[v].values for v in ("system", "kind", "target"))):
        if str(kind) == "target":
            continue
        sid, target = str(sid), str(target)
        enc = st["phase"].values == 0
        mine = enc & (st["system"].values == sid)
        encodings = {
            tuple(int(c) for c in str(ts)): tuple(int(c) for c in str(b))
            for ts, b in zip(st["target_state"].values[mine], st["state_bits"].values[mine])
        }
        check = check_functional(
            t.substrate(target), t.substrate(sid), t.field(sid, "target_units"),
            int(t.systems["cycle_length"].sel(system=sid)), encodings,
        )
        record = t.field(sid, "verification")
        rows.append({
            "implementation": sid,
            "kind": str(kind),
            "target": target,
            "verified": bool(t.systems["verified"].sel(system=sid)),
            "verification": (
                f"{record.get('method', '?')}; {record.get('states_checked', '?')} target states, "
                f"{record.get('cycles_checked', '?')} cycles of {record.get('ticks_per_cycle', '?')} ticks"
            ),
            "audit_equivalent": check.equivalent,
            "audit_states": check.states_checked,
            "audit_counterexample": check.counterexample,
        })
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


# ------------------------------------------------------------------ frames
def kind_order(kinds: Any) -> list[str]:
    order = ["target", "computer", "unfolding", "copy"]
    return [k for k in order if k in set(kinds)] + sorted(set(kinds) - set(order))


def complex_frame(t: StudyTables) -> pd.DataFrame:
    """One row per complex: where it is, its units (indices, labels, roles), phi_s and Phi."""
    cx, st, sy = t.complexes, t.states, t.systems
    n = cx.sizes["complex"]
    labels = {str(s): json.loads(str(v)) for s, v in zip(sy["system"].values, sy["labels"].values)}
    roles = {str(s): json.loads(str(v)) for s, v in zip(sy["system"].values, sy["unit_roles"].values)}
    si = cx["state_index"].values
    units = [json.loads(str(u)) for u in cx["units"].values]
    systems = [str(s) for s in cx["system"].values]
    big_phi = t.structures["big_phi"].values if t.structures is not None else np.full(n, np.nan)
    return pd.DataFrame({
        "complex": np.arange(n),
        "state_index": si,
        "system": systems,
        "kind": [str(sy["kind"].sel(system=s).values) for s in systems],
        "target_state": [str(x) for x in st["target_state"].values[si]],
        "phase": st["phase"].values[si],
        "units": units,
        "unit_labels": ["{" + ",".join(labels[s][u] for u in us) + "}" for s, us in zip(systems, units)],
        "roles": [
            ",".join(sorted({roles[s][u] for u in us})) if roles[s] else "target"
            for s, us in zip(systems, units)
        ],
        "size": cx["size"].values,
        "phi_s": cx["phi"].values,
        "Phi": big_phi,
    })


def state_frame(t: StudyTables, cxf: pd.DataFrame) -> pd.DataFrame:
    """One row per analysed state: its complexes summarised (count, sizes, max phi_s, sum of Phi)."""
    st, sy, cx = t.states, t.systems, t.complexes
    systems = [str(s) for s in st["system"].values]
    df = pd.DataFrame({
        "state_index": st["state"].values,
        "family": [str(sy["family"].sel(system=s).values) for s in systems],
        "system": systems,
        "kind": [str(sy["kind"].sel(system=s).values) for s in systems],
        "target": [str(sy["target"].sel(system=s).values) for s in systems],
        "target_state": [str(x) for x in st["target_state"].values],
        "phase": st["phase"].values,
        "complete": st["complete"].values,
        "n_complexes": cx["n_complexes"].values,
        "max_phi_s": cx["max_phi"].values,
    })
    grouped = cxf.groupby("state_index")
    df["sizes"] = df["state_index"].map(grouped["size"].apply(lambda s: sorted(s.tolist(), reverse=True))).apply(
        lambda x: x if isinstance(x, list) else []
    )
    df["max_size"] = df["sizes"].apply(lambda x: max(x, default=0))
    df["sum_Phi"] = df["state_index"].map(grouped["Phi"].sum(min_count=1))
    df["Phi_missing"] = df["state_index"].map(grouped["Phi"].apply(lambda s: int(s.isna().sum()))).fillna(0).astype(int)
    df.loc[df["n_complexes"] == 0, "sum_Phi"] = 0.0
    return df


def _size_counts(sizes: list[int]) -> str:
    """Complex sizes as 'size x count', largest first (e.g. '4x1, 1x70')."""
    if not sizes:
        return "-"
    values, counts = np.unique(sizes, return_counts=True)
    return ", ".join(f"{v}x{c}" for v, c in sorted(zip(values, counts), reverse=True))


PAIR_COLUMNS = [
    "family",
    "target",
    "target_state",
    "implementation",
    "kind",
    "functionally_equivalent",
    "audit",
    "phenomenally_equivalent",
    "same_complexes",
    "same_structures",
    "target_complexes",
    "target_phi_s",
    "target_Phi",
    "impl_n_complexes",
    "impl_complex_sizes",
    "impl_max_phi_s",
    "impl_max_phi_s_any_phase",
    "impl_sum_Phi",
    "impl_Phi_missing",
    "matching_complexes",
    "any_complex_matches",
]


def pair_frame(t: StudyTables, cxf: pd.DataFrame, sf: pd.DataFrame, audit: pd.DataFrame) -> pd.DataFrame:
    """Per target, target state and implementation: equivalence verdicts and the numbers side by side."""
    cmp = t.comparisons
    enc = sf[sf["phase"] == 0].set_index(["system", "target_state"])
    by_state = {k: g for k, g in cxf.groupby("state_index")}
    empty = cxf.iloc[0:0]
    checks = audit.set_index("implementation")
    rows = []
    for i in range(cmp.sizes["comparison"]):
        c = {k: cmp[k].values[i] for k in cmp.data_vars}
        impl, target, ts = str(c["implementation"]), str(c["target"]), str(c["target_state"])
        t_row, i_row = enc.loc[(target, ts)], enc.loc[(impl, ts)]
        t_cx = by_state.get(int(t_row["state_index"]), empty)
        i_cx = by_state.get(int(i_row["state_index"]), empty)
        inverse = inverse_units(t.field(impl, "target_units"))
        mapped = {
            tuple(sorted(inverse[u] for u in us)): phi for us, phi in zip(i_cx["units"], i_cx["phi_s"])
            if set(us) <= inverse.keys()
        }
        matches = sum(
            1 for us, phi in zip(t_cx["units"], t_cx["phi_s"])
            if tuple(us) in mapped and close(float(mapped[tuple(us)]), float(phi))
        )
        rows.append({
            "family": t_row["family"],
            "target": target,
            "target_state": ts,
            "implementation": impl,
            "kind": str(c["kind"]),
            "functionally_equivalent": bool(c["functionally_equivalent"]),
            "audit": _audit_text(checks.loc[impl]),
            "phenomenally_equivalent": bool(c["phenomenally_equivalent"]),
            "same_complexes": bool(c["same_complexes"]),
            "same_structures": str(c["same_structures"]),
            "target_complexes": " ".join(f"{l}" for l in t_cx["unit_labels"]) or "-",
            "target_phi_s": float(t_row["max_phi_s"]),
            "target_Phi": float(t_row["sum_Phi"]),
            "impl_n_complexes": int(i_row["n_complexes"]),
            "impl_complex_sizes": _size_counts(i_row["sizes"]),
            "impl_max_phi_s": float(i_row["max_phi_s"]),
            "impl_max_phi_s_any_phase": float(c["implementation_max_phi_any_phase"]),
            "impl_sum_Phi": float(i_row["sum_Phi"]),
            "impl_Phi_missing": int(i_row["Phi_missing"]),
            "matching_complexes": f"{matches} of {len(t_cx)}",
            "any_complex_matches": matches > 0,
        })
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def _audit_text(row: pd.Series) -> str:
    if row["audit_equivalent"] is None:
        return "not checkable"
    verdict = "passed" if row["audit_equivalent"] else "FAILED"
    return f"{verdict} ({row['audit_states']} states)"


def family_summary(sf: pd.DataFrame, cxf: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Per family and kind, over the encoded states (phase 0): distributions of max phi_s, complexes and Phi."""
    enc = sf[sf["phase"] == 0]
    cx0 = cxf[cxf["phase"] == 0].merge(sf[["state_index", "family"]], on="state_index")
    rows = []
    for (family, kind), g in enc.groupby(["family", "kind"], sort=False):
        sizes = cx0[(cx0["family"] == family) & (cx0["kind"] == kind)]["size"]
        p = pairs[(pairs["family"] == family) & (pairs["kind"] == kind)]
        m = g["max_phi_s"]
        rows.append({
            "family": family,
            "kind": kind,
            "systems": g["system"].nunique(),
            "states": len(g),
            "max_phi_s_mean": m.mean(),
            "max_phi_s_median": m.median(),
            "max_phi_s_min": m.min(),
            "max_phi_s_max": m.max(),
            "n_complexes_mean": g["n_complexes"].mean(),
            "n_complexes_min": g["n_complexes"].min(),
            "n_complexes_max": g["n_complexes"].max(),
            "complex_size_mean": sizes.mean() if len(sizes) else 0.0,
            "complex_size_max": sizes.max() if len(sizes) else 0,
            "sum_Phi_mean": g["sum_Phi"].mean(),
            "sum_Phi_max": g["sum_Phi"].max(),
            "functionally_equivalent": f"{int(p['functionally_equivalent'].sum())}/{len(p)}" if len(p) else "-",
            "phenomenally_equivalent": phenomenal_count(p) if len(p) else "-",
            "any_complex_matches": f"{int(p['any_complex_matches'].sum())}/{len(p)}" if len(p) else "-",
        })
    df = pd.DataFrame(rows)
    rank = {k: i for i, k in enumerate(list(dict.fromkeys(enc["family"])) + kind_order(df["kind"]))}
    return df.sort_values(["family", "kind"], key=lambda s: s.map(rank), kind="stable").reset_index(drop=True)


NOT_COMPUTED = "not computed"


def phenomenal_count(pairs: pd.DataFrame) -> str:
    """Phenomenally equivalent pairs among those whose Phi-structures were computed, e.g. ``3/4``."""
    known = pairs["same_structures"] != "unknown"
    if not known.any():
        return NOT_COMPUTED
    count = f"{int(pairs['phenomenally_equivalent'][known].sum())}/{int(known.sum())}"
    return count if known.all() else f"{count} ({NOT_COMPUTED} in {int((~known).sum())})"
