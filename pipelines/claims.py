"""The claims a computer-versus-target study tests, as pure functions over plain tables.

Input frames (pandas; one formalism label per row, so every result is per formalism):

- ``states``: one row per analysed state: ``formalism, n, system, kind, target,
  target_state, phase, reachable`` (``reachable``: the *target* state has a
  predecessor; unreachable target states are undefined and left out of every claim).
- ``complexes``: one row per complex: ``formalism, system, target_state, phase,
  units`` (tuple of the system's unit indices), ``mapped`` (the tuple of target
  units these units hold, or None when some unit holds no target unit),
  ``size, phi_s, Phi`` (NaN when the Phi-structure was not computed).
- ``pairs``: one row per (formalism, implementation, target state) at the
  encoding (phase 0): ``formalism, n, target, implementation, kind,
  target_state, reachable, phenomenally_equivalent`` (bool, as stored),
  ``same_structures`` ("true", "up to ties", "false", "unknown").

Claims about the computer (the paper's, see ``docs/flagship/README.md``):

- (i) the target is one complex in its showcase (pre-registered) state;
- (ii) the computer's complexes are small (no larger than the target) and
  disjoint, and none maps onto a complex of the target (its units hold
  exactly that complex's units and its phi_s is equal, the project's
  ``same_complexes`` criterion);
- (iii) the computer's largest per-complex Phi is far below the target's
  (ratio at most :data:`FAR_BELOW`, set before any data was seen);
- (iv) the computer's complexes do not depend on the program: at the same
  target state and phase, computers of one size running different targets
  have the same complexes (units, phi_s, Phi).

phi_s comparisons are reported as secondary. "Both have no complex" is its own
pair category, never counted as phenomenal equivalence.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd

from pipelines.stats import median_iqr, wilson

FAR_BELOW = 0.1  # claim (iii): pre-registered ratio (an order of magnitude)
DIGITS = 9  # phi values are compared rounded to this many decimals

UNDEFINED = "undefined (unreachable target state)"
BOTH_EMPTY = "both have no complex"
EQUIVALENT = "phenomenally equivalent"
UP_TO_TIES = "phenomenally equivalent up to ties"
NOT_EQUIVALENT = "not phenomenally equivalent"
NOT_COMPUTED = "not known (Phi-structures not computed)"
CATEGORIES = (EQUIVALENT, UP_TO_TIES, NOT_EQUIVALENT, NOT_COMPUTED, BOTH_EMPTY, UNDEFINED)

COMPUTER_KINDS = ("computer", "ring_computer")  # implementations the computer claims are about
CLAIM_COLUMNS = ["formalism", "kind", "claim", "statement", "secondary", "unit", "k", "N", "excluded", "proportion",
                 "ci_low", "ci_high", "holds", "detail"]


# ------------------------------------------------------------------ helpers
def _key(df: pd.DataFrame) -> pd.Series:
    return list(zip(df["formalism"], df["system"], df["target_state"], df["phase"]))


def _by_state(complexes: pd.DataFrame) -> dict[tuple[Any, ...], pd.DataFrame]:
    return {k: g for k, g in complexes.groupby(["formalism", "system", "target_state", "phase"], sort=False)}


def _largest_phi(cx: pd.DataFrame | None) -> float:
    """Largest per-complex Phi (0 with no complex, NaN if some complex lacks its Phi)."""
    if cx is None or not len(cx):
        return 0.0
    return float("nan") if cx["Phi"].isna().any() else float(cx["Phi"].max())


def _signature(cx: pd.DataFrame | None) -> tuple[tuple[Any, ...], ...]:
    if cx is None:
        return ()
    return tuple(sorted(
        (tuple(int(u) for u in us), round(float(p), DIGITS), None if pd.isna(b) else round(float(b), DIGITS))
        for us, p, b in zip(cx["units"], cx["phi_s"], cx["Phi"])
    ))


def _row(formalism: str, kind: str, claim: str, statement: str, unit: str, k: int, n: int, excluded: str,
         detail: str = "", secondary: bool = False) -> dict[str, Any]:
    p = wilson(k, n)
    verdict = "undefined" if n == 0 else ("yes" if k == n else "no")
    return {"formalism": formalism, "kind": kind, "claim": claim, "statement": statement, "secondary": secondary, "unit": unit,
            "k": k, "N": n, "excluded": excluded, "proportion": p.value, "ci_low": p.low, "ci_high": p.high,
            "holds": verdict, "detail": detail}


def _excluded(counts: Mapping[str, int]) -> str:
    return "; ".join(f"{v} {k}" for k, v in counts.items() if v) or "none"


# ------------------------------------------------------------------ pair categories
def pair_categories(pairs: pd.DataFrame, states: pd.DataFrame, complexes: pd.DataFrame) -> pd.DataFrame:
    """``pairs`` with ``target_n_complexes``, ``impl_n_complexes`` and ``category`` (see :data:`CATEGORIES`)."""
    counts = complexes.groupby(["formalism", "system", "target_state", "phase"]).size()
    def n_cx(system: pd.Series) -> list[int]:
        keys = zip(pairs["formalism"], system, pairs["target_state"], [0] * len(pairs))
        return [int(counts.get(k, 0)) for k in keys]
    out = pairs.copy()
    out["target_n_complexes"] = n_cx(pairs["target"])
    out["impl_n_complexes"] = n_cx(pairs["implementation"])
    cat = np.where(out["phenomenally_equivalent"].astype(bool), EQUIVALENT, NOT_EQUIVALENT)
    cat = np.where(out["same_structures"] == "up to ties", UP_TO_TIES, cat)
    cat = np.where((out["same_structures"] == "unknown") & (cat == NOT_EQUIVALENT), NOT_COMPUTED, cat)
    cat = np.where((out["target_n_complexes"] == 0) & (out["impl_n_complexes"] == 0), BOTH_EMPTY, cat)
    out["category"] = np.where(~out["reachable"].astype(bool), UNDEFINED, cat)
    return out


def category_table(categorised: pd.DataFrame) -> pd.DataFrame:
    """Per formalism and implementation kind: pairs in each category, with Wilson intervals over the reachable pairs."""
    rows = []
    for (formalism, kind), g in categorised.groupby(["formalism", "kind"], sort=False):
        defined = int((g["category"] != UNDEFINED).sum())
        for category in CATEGORIES:
            k = int((g["category"] == category).sum())
            p = wilson(k, defined) if category != UNDEFINED else wilson(k, len(g))
            rows.append({"formalism": formalism, "kind": kind, "category": category, "pairs": k,
                         "of": len(g) if category == UNDEFINED else defined, "proportion": p.value,
                         "ci_low": p.low, "ci_high": p.high})
    return pd.DataFrame(rows, columns=["formalism", "kind", "category", "pairs", "of", "proportion", "ci_low", "ci_high"])


# ------------------------------------------------------------------ the claims
def claim_one_complex(states: pd.DataFrame, complexes: pd.DataFrame,
                      showcase: Mapping[str, str]) -> list[dict[str, Any]]:
    """(i) per formalism: targets that are one complex (all their units) in their showcase state."""
    groups = _by_state(complexes)
    targets = states[states["kind"] == "target"]
    rows = []
    for formalism, g in targets.groupby("formalism", sort=False):
        k = n = unreachable = 0
        one_any = defined_any = 0
        for target, ts, size, reach in zip(g["system"], g["target_state"], g["n"], g["reachable"]):
            cx = groups.get((formalism, target, ts, 0))
            whole = cx is not None and len(cx) == 1 and int(cx["size"].iloc[0]) == int(size)
            if reach:
                defined_any += 1
                one_any += whole
            if showcase.get(target) != ts:
                continue
            if not reach:
                unreachable += 1
                continue
            n += 1
            k += whole
        rate = wilson(one_any, defined_any)
        detail = f"one complex in {rate.text()} of all reachable target states"
        rows.append(_row(formalism, "target", "i", "the target is one complex in its showcase state", "targets", k, n,
                         _excluded({"showcase states unreachable": unreachable}), detail))
    return rows


def _computer_states(states: pd.DataFrame) -> pd.DataFrame:
    return states[states["kind"].isin(COMPUTER_KINDS)]


def claim_small_disjoint(states: pd.DataFrame, complexes: pd.DataFrame) -> list[dict[str, Any]]:
    """(ii) per formalism: computer states whose complexes are small, disjoint and match none of the target's."""
    groups = _by_state(complexes)
    rows = []
    for (formalism, kind), g in _computer_states(states).groupby(["formalism", "kind"], sort=False):
        k = n = 0
        largest: list[int] = []
        mapped_hits = same_units = too_big = overlapping = 0
        for system, target, ts, phase, size, reach in zip(g["system"], g["target"], g["target_state"], g["phase"],
                                                          g["n"], g["reachable"]):
            if not reach:
                continue
            n += 1
            cx = groups.get((formalism, system, ts, phase))
            tcx = groups.get((formalism, target, ts, 0))
            target_phi = {} if tcx is None else {
                tuple(sorted(int(u) for u in us)): float(p) for us, p in zip(tcx["units"], tcx["phi_s"])}
            units = [] if cx is None else [tuple(int(u) for u in us) for us in cx["units"]]
            flat = [u for us in units for u in us]
            disjoint = len(flat) == len(set(flat))
            small = all(len(us) <= int(size) for us in units)
            onto = [] if cx is None else [
                (tuple(sorted(m)), float(p)) for m, p in zip(cx["mapped"], cx["phi_s"])
                if m is not None and tuple(sorted(m)) in target_phi]
            maps = any(np.isclose(p, target_phi[m], rtol=0, atol=1e-9) for m, p in onto)
            largest.append(max((len(us) for us in units), default=0))
            too_big += not small
            overlapping += not disjoint
            same_units += bool(onto)
            mapped_hits += maps
            k += small and disjoint and not maps
        unreachable = int((~g["reachable"].astype(bool)).sum())
        detail = (f"largest computer complex: {median_iqr(largest).text()} units; {too_big} with a complex larger than "
                  f"the target, {overlapping} overlapping, {mapped_hits} with a complex mapping onto the target's "
                  f"(units and phi_s; {same_units} with a complex on the units of one of the target's)")
        rows.append(_row(formalism, kind, "ii", "the computer's complexes are small, disjoint, none maps onto the target's",
                         "computer states (all phases)", k, n, _excluded({"unreachable": unreachable}), detail))
    return rows


def phi_ratios(states: pd.DataFrame, complexes: pd.DataFrame) -> pd.DataFrame:
    """Per formalism, computer and reachable target state: largest per-complex Phi (over phases) and the target's."""
    groups = _by_state(complexes)
    rows = []
    comp = _computer_states(states)
    for (formalism, kind, system, target, ts), g in comp.groupby(
            ["formalism", "kind", "system", "target", "target_state"], sort=False):
        reach = bool(g["reachable"].iloc[0])
        per_phase = [_largest_phi(groups.get((formalism, system, ts, p))) for p in g["phase"]]
        tcx = groups.get((formalism, target, ts, 0))
        rows.append({
            "formalism": formalism, "kind": kind, "n": int(g["n"].iloc[0]), "computer": system, "target": target,
            "target_state": ts, "reachable": reach, "phases": len(per_phase),
            "computer_Phi": float("nan") if any(np.isnan(per_phase)) else max(per_phase),
            "target_Phi": _largest_phi(tcx), "target_has_complex": tcx is not None and len(tcx) > 0,
        })
    df = pd.DataFrame(rows, columns=["formalism", "kind", "n", "computer", "target", "target_state", "reachable", "phases",
                                     "computer_Phi", "target_Phi", "target_has_complex"])
    df["ratio"] = np.where(df["target_has_complex"] & (df["target_Phi"] > 0), df["computer_Phi"] / df["target_Phi"].where(df["target_Phi"] > 0), np.nan)
    return df


def claim_phi_far_below(ratios: pd.DataFrame, far_below: float = FAR_BELOW) -> list[dict[str, Any]]:
    """(iii) per formalism: pairs where the computer's largest per-complex Phi is at most ``far_below`` x the target's."""
    rows = []
    for (formalism, kind), g in ratios.groupby(["formalism", "kind"], sort=False):
        reach = g[g["reachable"].astype(bool)]
        no_cx = reach[~reach["target_has_complex"] | ~(reach["target_Phi"] > 0)]
        missing = reach[reach["target_has_complex"] & reach["ratio"].isna() & (reach["target_Phi"] > 0)]
        ok = reach[reach["ratio"].notna()]
        k = int((ok["ratio"] <= far_below).sum())
        detail = (f"ratio computer/target Phi: {median_iqr(ok['ratio']).text()}; computer Phi "
                  f"{median_iqr(ok['computer_Phi']).text()}; target Phi {median_iqr(ok['target_Phi']).text()}")
        rows.append(_row(formalism, kind, "iii", f"the computer's largest per-complex Phi is <= {far_below:g} x the target's",
                         "(computer, target state) pairs", k, len(ok),
                         _excluded({"unreachable": int((~g['reachable'].astype(bool)).sum()),
                                    "target without a complex (or Phi 0)": len(no_cx),
                                    "Phi not computed": len(missing)}), detail))
    return rows


def claim_program_independent(states: pd.DataFrame, complexes: pd.DataFrame) -> list[dict[str, Any]]:
    """(iv) per formalism: (size, phase, target state) groups where every program gives the same computer complexes."""
    groups = _by_state(complexes)
    rows = []
    comp = _computer_states(states)
    comp = comp[comp["reachable"].astype(bool)]
    for (formalism, kind), g in comp.groupby(["formalism", "kind"], sort=False):
        k = n = single = k0 = n0 = 0
        distinct: list[int] = []
        for (_, phase, _), grp in g.groupby(["n", "phase", "target_state"], sort=False):
            if grp["target"].nunique() < 2:
                single += 1
                continue
            sigs = {_signature(groups.get((formalism, s, ts, p))) for s, ts, p in
                    zip(grp["system"], grp["target_state"], grp["phase"])}
            n += 1
            k += len(sigs) == 1
            n0 += phase == 0
            k0 += phase == 0 and len(sigs) == 1
            distinct.append(len(sigs))
        detail = (f"at the encoded state (phase 0): {wilson(k0, n0).text()}; "
                  f"distinct complex sets per group: {median_iqr(distinct).text()}")
        rows.append(_row(formalism, kind, "iv", "the computer's complexes do not depend on the program",
                         "(size, phase, target state) groups", k, n,
                         _excluded({"groups with one target only": single}), detail))
    return rows


def claim_phi_s_secondary(states: pd.DataFrame, complexes: pd.DataFrame) -> list[dict[str, Any]]:
    """Secondary: computer states whose largest phi_s is below the target's (at the same target state)."""
    best = complexes.groupby(["formalism", "system", "target_state", "phase"])["phi_s"].max()
    rows = []
    for (formalism, kind), g in _computer_states(states).groupby(["formalism", "kind"], sort=False):
        reach = g[g["reachable"].astype(bool)]
        mine = np.array([best.get((formalism, s, ts, p), 0.0) for s, ts, p in zip(reach["system"], reach["target_state"], reach["phase"])])
        theirs = np.array([best.get((formalism, t, ts, 0), 0.0) for t, ts in zip(reach["target"], reach["target_state"])])
        k = int((mine < theirs).sum())
        detail = f"computer max phi_s {median_iqr(mine).text()}; target max phi_s {median_iqr(theirs).text()}"
        rows.append(_row(formalism, kind, "phi_s", "(secondary) the computer's largest phi_s is below the target's",
                         "computer states (all phases)", k, len(reach),
                         _excluded({"unreachable": len(g) - len(reach)}), detail, secondary=True))
    return rows


def claims(states: pd.DataFrame, complexes: pd.DataFrame, showcase: Mapping[str, str],
           far_below: float = FAR_BELOW) -> pd.DataFrame:
    """Every claim under every formalism (one row each; see :data:`CLAIM_COLUMNS`)."""
    rows = (claim_one_complex(states, complexes, showcase) + claim_small_disjoint(states, complexes)
            + claim_phi_far_below(phi_ratios(states, complexes), far_below)
            + claim_program_independent(states, complexes) + claim_phi_s_secondary(states, complexes))
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def sensitivity(claim_rows: pd.DataFrame) -> pd.DataFrame:
    """Which claims hold under which formalism: one row per (claim, kind), one column per formalism ('yes (12/12)')."""
    cell = claim_rows.assign(cell=claim_rows["holds"] + " (" + claim_rows["k"].astype(str) + "/" + claim_rows["N"].astype(str) + ")")
    table = cell.pivot(index=["claim", "kind"], columns="formalism", values="cell")
    rank = {c: i for i, c in enumerate(("i", "ii", "iii", "iv", "phi_s"))}
    order = sorted(table.index, key=lambda ck: (rank.get(ck[0], len(rank)), ck[1]))
    return table.loc[order, list(dict.fromkeys(claim_rows["formalism"]))].reset_index()


def copy_check(categorised: pd.DataFrame, s1_formalisms: Collection[str]) -> pd.DataFrame:
    """Relabelled-copy pairs that are a bug: under S1 ties anything but equivalent (or both empty, or undefined)."""
    copies = categorised[(categorised["kind"] == "copy") & categorised["formalism"].isin(list(s1_formalisms))]
    return copies[~copies["category"].isin([EQUIVALENT, BOTH_EMPTY, UNDEFINED, NOT_COMPUTED])]
