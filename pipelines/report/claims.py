"""The claims section of a study report: the claim tables built from a store, and their Markdown.

:func:`claim_tables` turns a loaded store (``StudyTables``) into the plain
frames :mod:`pipelines.claims` works on, one formalism label per row;
:func:`claims_markdown` writes the section: pair categories with their
denominators, the claims with Wilson intervals, the sensitivity table, the
relabelled-copy check, the Phi-threshold samplers and the noisy
implementations' fidelity.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipelines import claims
from pipelines.stats import median_iqr, wilson


@dataclass(frozen=True)
class ClaimTables:
    """Inputs and results of the claims, from one store."""

    states: pd.DataFrame
    complexes: pd.DataFrame
    pairs: pd.DataFrame  # categorised (see claims.pair_categories)
    showcase: dict[str, str]
    s1_formalisms: list[str]
    samplers: pd.DataFrame
    fidelity: pd.DataFrame
    claims: pd.DataFrame
    ratios: pd.DataFrame


def _json(value: Any) -> Any:
    return json.loads(str(value)) if str(value) else None


S1_MARK = "tie_rule=s1"  # formalism labels of S1 tie rules (``iit4_2023[tie_rule=s1]``)


def _label(t: Any) -> str:
    """The formalism label a loaded view of the store covers."""
    return str(getattr(t, "formalism", None) or t.provenance.get("config", {}).get("analysis", {}).get("compat", "iit4_2023"))


def _view_frames(t: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The claims' states, complexes and pairs frames of one formalism's view of the store."""
    sy, st, cx, cmp = t.systems, t.states, t.complexes, t.comparisons
    label = _label(t)
    systems = [str(s) for s in sy["system"].values]
    kind = dict(zip(systems, (str(k) for k in sy["kind"].values)))
    target_of = dict(zip(systems, (str(k) for k in sy["target"].values)))
    n_units = dict(zip(systems, (int(k) for k in sy["n_units"].values)))
    family = dict(zip(systems, (str(k) for k in sy["family"].values)))
    noise = {s: float(json.loads(str(p)).get("noise", 0.0)) for s, p in zip(systems, sy["params"].values)}

    def condition(rows: list[str]) -> list[str]:
        """The formalism label, with the target's noise level for noisy targets (their own column everywhere)."""
        return [f"{label}, noise {noise[target_of[s]]:g}" if noise[target_of[s]] else label for s in rows]

    st_sys = [str(s) for s in st["system"].values]
    states = pd.DataFrame({
        "formalism": condition(st_sys),
        "family": [family[s] for s in st_sys],
        "n": [n_units[target_of[s]] for s in st_sys],
        "system": st_sys,
        "kind": [kind[s] for s in st_sys],
        "target": [target_of[s] for s in st_sys],
        "target_state": [str(x) for x in st["target_state"].values],
        "phase": st["phase"].values.astype(int),
        "reachable": st["target_state_reachable"].values.astype(bool),
    })
    inverse = {s: _inverse(_json(v)) for s, v in zip(systems, sy["target_units"].values)}
    si = cx["state_index"].values.astype(int)
    units = [tuple(int(u) for u in json.loads(str(u))) for u in cx["units"].values]
    cx_sys = [str(s) for s in cx["system"].values]
    big_phi = t.structures["big_phi"].values if t.structures is not None else np.full(len(units), np.nan)
    complexes = pd.DataFrame({
        "formalism": states["formalism"].values[si] if len(si) else [],
        "system": cx_sys,
        "target_state": states["target_state"].values[si] if len(si) else [],
        "phase": states["phase"].values[si] if len(si) else [],
        "units": units,
        "mapped": [_mapped(us, inverse[s], kind[s]) for us, s in zip(units, cx_sys)],
        "size": cx["size"].values.astype(int),
        "phi_s": cx["phi"].values.astype(float),
        "Phi": np.asarray(big_phi, dtype=float),
    })
    impl = [str(s) for s in cmp["implementation"].values]
    reach = states[states["phase"] == 0].set_index(["system", "target_state"])["reachable"]
    pairs = pd.DataFrame({
        "formalism": condition(impl),
        "family": [family[s] for s in impl],
        "n": [n_units[target_of[s]] for s in impl],
        "target": [target_of[s] for s in impl],
        "implementation": impl,
        "kind": [kind[s] for s in impl],
        "target_state": [str(x) for x in cmp["target_state"].values],
        "phenomenally_equivalent": cmp["phenomenally_equivalent"].values.astype(bool),
        "same_structures": [str(x) for x in cmp["same_structures"].values],
    })
    pairs["reachable"] = [bool(reach[(t_, ts)]) for t_, ts in zip(pairs["target"], pairs["target_state"])]
    return states, complexes, pairs


def claim_tables(views: Sequence[Any], far_below: float = claims.FAR_BELOW) -> ClaimTables:
    """Claim inputs and results from a store's views, one per formalism (``pipelines.report.frames.load``)."""
    frames = [_view_frames(t) for t in views]
    states, complexes, pairs = (pd.concat([f[i] for f in frames], ignore_index=True) for i in range(3))
    sy = views[0].systems
    systems = [str(s) for s in sy["system"].values]
    kind = dict(zip(systems, (str(k) for k in sy["kind"].values)))
    showcase = {s: str(v) for s, v in zip(systems, sy["showcase_state"].values) if kind[s] == "target" and str(v)}
    s1 = [_label(t) for t in views if S1_MARK in _label(t)]
    return ClaimTables(
        states, complexes, claims.pair_categories(pairs, states, complexes), showcase, s1,
        _samplers(sy, systems, kind), _fidelity(sy, systems, kind),
        claims.claims(states, complexes, showcase, far_below), claims.phi_ratios(states, complexes),
    )


def _inverse(target_units: Any) -> dict[int, int]:
    """Implementation unit -> target unit."""
    if isinstance(target_units, dict):
        return {int(v): int(k) for k, v in target_units.items()}
    return {int(v): i for i, v in enumerate(target_units or [])}


def _mapped(units: tuple[int, ...], inverse: dict[int, int], kind: str) -> tuple[int, ...] | None:
    if kind == "target":
        return units
    return tuple(sorted(inverse[u] for u in units)) if set(units) <= inverse.keys() else None


def _samplers(sy: Any, systems: list[str], kind: dict[str, str]) -> pd.DataFrame:
    """Per family drawn by a Phi-threshold sampler: targets kept, draws, rejected, acceptance rate."""
    rows: dict[str, dict[str, Any]] = {}
    for s, fam, info in zip(systems, sy["family"].values, sy["recipe_info"].values):
        record = (_json(info) or {}).get("sampler") if kind[s] == "target" else None
        if not record:
            continue
        r = rows.setdefault(str(fam), {"family": str(fam), "base": record["base"], "min_Phi": record["min_Phi"],
                                       "kept": 0, "draws": 0, "rejected": 0, "kept_Phi": []})
        r["kept"] += 1
        r["draws"] += record["draws"]
        r["rejected"] += record["rejected"]
        r["kept_Phi"].append(record["Phi"])
    out = []
    for r in rows.values():
        rate = wilson(r["kept"], r["draws"])
        out.append({**{k: v for k, v in r.items() if k != "kept_Phi"}, "acceptance": rate.text(),
                    "kept_Phi": median_iqr(r["kept_Phi"]).text()})
    return pd.DataFrame(out, columns=["family", "base", "min_Phi", "kept", "draws", "rejected", "acceptance", "kept_Phi"])


def _fidelity(sy: Any, systems: list[str], kind: dict[str, str]) -> pd.DataFrame:
    """Per noisy implementation: gate noise and its fidelity record (exact or sampled)."""
    rows = []
    for s, v in zip(systems, sy["verification"].values):
        record = _json(v) or {}
        if record.get("equivalent") != "approximate":
            continue
        f = record["fidelity"]
        rows.append({"implementation": s, "kind": kind[s], "gate_noise": f["epsilon"], "method": f["method"],
                     "samples_per_state": f["samples_per_state"], "fidelity_min": f["min"],
                     "fidelity_min_ci": f"{f['min_low']:.4g}-{f['min_high']:.4g}", "fidelity_mean": f["mean"],
                     "register_fidelity_min": f["register_min"], "equivalence": record["summary"]})
    return pd.DataFrame(rows, columns=["implementation", "kind", "gate_noise", "method", "samples_per_state",
                                       "fidelity_min", "fidelity_min_ci", "fidelity_mean", "register_fidelity_min",
                                       "equivalence"])


def claim_csv_tables(ct: ClaimTables) -> dict[str, pd.DataFrame]:
    """The claims' tables as written to ``tables/*.csv``."""
    return {
        "claims": ct.claims,
        "claim_categories": claims.category_table(ct.pairs),
        "sensitivity": claims.sensitivity(ct.claims),
        "pair_categories": ct.pairs,
        "phi_ratios": ct.ratios,
        "samplers": ct.samplers,
        "fidelity": ct.fidelity,
    }


# ------------------------------------------------------------------ Markdown
STATEMENTS = {
    "i": "(i) the target is one complex in its showcase state",
    "ii": "(ii) the computer's complexes are small (no larger than the target), disjoint, and none maps onto the target's",
    "iii": "(iii) the computer's largest per-complex Phi is far below the target's",
    "iv": "(iv) the computer's complexes do not depend on the program",
    "phi_s": "secondary: the computer's largest phi_s is below the target's",
}


def _table(df: pd.DataFrame) -> str:
    def fmt(x: object) -> str:
        if isinstance(x, float):
            return "-" if np.isnan(x) else f"{x:.4g}"
        return str(x).replace("|", "\\|")
    head = "| " + " | ".join(map(str, df.columns)) + " |\n|" + "---|" * len(df.columns) + "\n"
    return head + "\n".join("| " + " | ".join(fmt(v) for v in row) + " |" for row in df.itertuples(index=False))


def claims_markdown(ct: ClaimTables, scaling_png: str | None = None) -> list[str]:
    """The report section: categories, claims, sensitivity, copy check, samplers and fidelity."""
    out = ["## Claims, with denominators", ""]
    out.append(
        "Unit of analysis: a (target, target state) pair, or a computer state at one phase of its cycle. "
        "Unreachable target states (no predecessor, so no cause) are undefined and left out of every claim; "
        "'both have no complex' is its own category and never counts as phenomenal equivalence. "
        "Proportions carry 95% Wilson intervals, distributions median and IQR. "
        f"Claim (iii) uses the ratio threshold {claims.FAR_BELOW:g}, fixed before any data was seen."
    )
    out += ["", "### Pair categories (encoded states)", ""]
    cat = claims.category_table(ct.pairs)
    cat = cat[cat["pairs"] > 0].assign(
        share=[wilson(k, n).text() for k, n in zip(cat.loc[cat["pairs"] > 0, "pairs"], cat.loc[cat["pairs"] > 0, "of"])])
    out += [_table(cat[["formalism", "kind", "category", "share"]]), ""]
    out += ["### Claims", ""]
    shown = ct.claims.assign(
        claim=ct.claims["claim"].map(STATEMENTS),
        result=[wilson(int(k), int(n)).text() for k, n in zip(ct.claims["k"], ct.claims["N"])],
    )
    out += [_table(shown[["formalism", "claim", "holds", "result", "excluded", "detail"]]), ""]
    if scaling_png:
        out += [f"![computer's largest per-complex Phi against n, beside the target's]({scaling_png})", ""]
    out += ["### Sensitivity: which claims hold under which formalism", ""]
    sens = claims.sensitivity(ct.claims)
    out += [_table(sens.assign(claim=sens["claim"].map(STATEMENTS))), ""]
    out += ["### Relabelled copies", ""]
    copies = ct.pairs[ct.pairs["kind"] == "copy"]
    differ = copies[copies["category"].isin([claims.UP_TO_TIES, claims.NOT_EQUIVALENT])]
    if len(differ):
        out += [f"Under enumeration tie-breaking {len(differ)} of {int((copies['category'] != claims.UNDEFINED).sum())} "
                "defined copy pairs differ from their target (up to ties, or not equivalent):", "",
                _table(differ.groupby(["formalism", "category"]).size().reset_index(name="pairs")), ""]
    if not ct.s1_formalisms:
        out.append("No formalism with S1 tie rules was run, so the copy check (equivalent in every pair under S1) "
                   "could not be made.")
    else:
        bugs = claims.copy_check(ct.pairs, ct.s1_formalisms)
        checked = copies[copies["formalism"].isin(ct.s1_formalisms)]
        if bugs.empty:
            out.append(f"Under S1 tie rules ({', '.join(ct.s1_formalisms)}) every one of {len(checked)} copy pairs is "
                       "phenomenally equivalent, has no complex on either side, or is undefined (as it must).")
        else:
            out.append(f"**BUG**: under S1 tie rules {len(bugs)} of {len(checked)} copy pairs are not phenomenally "
                       "equivalent (a relabelled copy must be):")
            out += ["", _table(bugs[["formalism", "implementation", "target_state", "category"]].head(20))]
    if len(ct.samplers):
        out += ["", "### Phi-threshold samplers (pre-registered thresholds)", "", _table(ct.samplers)]
    if len(ct.fidelity):
        out += ["", "### Noisy implementations: approximately equivalent, never equivalent", "",
                "Fidelity: probability that one cycle from enc(s) reaches enc(f(s)) exactly (worst target state); "
                "register fidelity: the units holding the target read f(s).", "",
                _table(ct.fidelity.drop(columns=["equivalence"]))]
    return out + [""]
