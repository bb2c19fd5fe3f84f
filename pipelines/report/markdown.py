"""The study report: Markdown with figures and tables, the tables as CSV, and exports of the store.

:func:`write_report` reads only the store (see :mod:`pipelines.report.frames`); it
never recomputes phi. Layout of the output directory::

    report.md                 the report
    figures/*.png, *.svg      figures embedded in it
    tables/*.csv              every table of the report, in full
    exports/<study>.nc        the store's tables (NetCDF, one group per table)
    exports/parquet/, csv/    the store's tables, one file per table
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines import provenance
from pipelines.export import export
import pipelines.report.claims as claims_section
import pipelines.report.figures as figures
import pipelines.report.frames as frames
from pipelines.report.frames import StudyTables
from pipelines.store import Store

COMPUTER_KINDS = ("computer", "ring_computer")  # stored-program computers: the same expectations


def default_out_dir(store_path: str | Path) -> Path:
    """``studies/x.zarr`` -> ``studies/x-report``."""
    p = Path(store_path)
    return p.with_name(p.stem + "-report")


def write_report(store: Store, out_dir: str | Path | None = None, formalism: str | None = None) -> Path:
    """Write the report of a finished study store under one ``formalism`` (a label; default: the store's
    first); returns the path of ``report.md``."""
    t = frames.load(store, formalism)
    out = Path(out_dir) if out_dir is not None else default_out_dir(store.path)
    out.mkdir(parents=True, exist_ok=True)
    audit = frames.audit_frame(t)
    cxf = frames.complex_frame(t)
    sf = frames.state_frame(t, cxf)
    pairs = frames.pair_frame(t, cxf, sf, audit)
    summary = frames.family_summary(sf, cxf, pairs)
    kinds = frames.kind_order(sf["kind"])
    # the claims and their sensitivity panel span every formalism in the store (one view each)
    ct = claims_section.claim_tables([t] + [frames.load(store, f) for f in t.formalisms if f != t.formalism])
    fig_dir = out / "figures"
    figs = {
        "phi_s by kind": figures.phi_by_kind(sf, cxf, kinds, fig_dir),
        "complexes by kind": figures.complexes_by_kind(sf, cxf, kinds, fig_dir),
    }
    scaling = None
    if len(ct.ratios):
        scaling = figures.scaling(ct.ratios, str(ct.ratios["formalism"].iloc[0]), fig_dir).relative_to(out).as_posix()
    show = _showcase(t, sf)
    show_text = ""
    if show is not None:
        target, ts, computer = show
        figs["target Phi-structure"] = _target_figure(t, sf, cxf, target, ts, fig_dir)
        if computer is not None:
            figs.update(_computer_figures(t, sf, cxf, target, computer, ts, fig_dir))
        show_text = _showcase_text(t, target, ts, computer)
    tables = {
        "pairs": pairs,
        "family_summary": summary,
        "functional_audit": audit,
        "states": sf.assign(sizes=sf["sizes"].apply(json.dumps)),
        "complexes": cxf.assign(units=cxf["units"].apply(json.dumps)),
        **claims_section.claim_csv_tables(ct),
    }
    tab_dir = out / "tables"
    tab_dir.mkdir(exist_ok=True)
    for name, df in tables.items():
        df.to_csv(tab_dir / f"{name}.csv", index=False)
    study = str(t.attrs.get("study", "study"))
    exports = out / "exports"
    exports.mkdir(exist_ok=True)
    export(store, "netcdf", exports / f"{study}.nc")
    export(store, "parquet", exports / "parquet")
    export(store, "csv", exports / "csv")
    text = _markdown(t, audit, cxf, sf, pairs, summary, figs, show, show_text, out,
                     claims_section.claims_markdown(ct, scaling))
    path = out / "report.md"
    path.write_text(text)
    return path


# ------------------------------------------------------------------ choices
def _showcase(t: StudyTables, sf: pd.DataFrame) -> tuple[str, str, str | None] | None:
    """The target shown in detail (the first with a computer, else the first), its state of largest phi_s, its computer."""
    kinds = dict(zip(map(str, t.systems["system"].values), map(str, t.systems["kind"].values)))
    targets = [s for s, k in kinds.items() if k == "target"]
    if not targets:
        return None
    with_computer = {str(tg) for s, tg in zip(t.systems["system"].values, t.systems["target"].values)
                     if kinds[str(s)] == "computer"}
    target = next((x for x in targets if x in with_computer), targets[0])
    rows = sf[(sf["system"] == target)]
    ts = str(rows.loc[rows["max_phi_s"].idxmax(), "target_state"])
    computer = next((s for s, k in kinds.items() if k == "computer"
                     and str(t.systems["target"].sel(system=s).values) == target), None)
    return target, ts, computer


def _labels(t: StudyTables, system: str) -> list[str]:
    return t.field(system, "labels")


def _set(labels: list[str], units: Iterable[int]) -> str:
    return "{" + ",".join(labels[u] for u in units) + "}"


def _target_figure(t: StudyTables, sf: pd.DataFrame, cxf: pd.DataFrame, target: str, ts: str, fig_dir: Path) -> Path:
    rows = sf[sf["system"] == target].copy()
    maxcx = cxf[cxf["system"] == target].sort_values("phi_s", ascending=False).drop_duplicates("state_index")
    if t.structures is not None:
        st = t.structures
        for col, var in (("sum_phi_d", "sum_phi_distinctions"), ("sum_phi_r", "sum_phi_relations"),
                         ("n_distinctions", "n_distinctions"), ("n_relations", "n_relations")):
            rows[col] = rows["state_index"].map(dict(zip(maxcx["state_index"], st[var].values[maxcx["complex"]])))
    for col in ("sum_phi_d", "sum_phi_r", "n_distinctions", "n_relations"):  # NaN: not computed
        rows[col] = pd.to_numeric(rows.get(col, np.nan), errors="coerce")
        rows[col] = rows[col].where(rows[col] >= 0)
    labels = _labels(t, target)
    dist = pd.DataFrame(columns=["phi", "text", "target_state"])
    shown = maxcx[maxcx["target_state"] == ts]
    if t.distinctions is not None and len(shown):
        d = t.distinctions
        sel = d["complex"].values == int(shown["complex"].iloc[0])
        lists = {k: [json.loads(str(v)) for v in d[k].values[sel]]
                 for k in ("mechanism", "mechanism_state", "cause_purview", "cause_state", "effect_purview", "effect_state")}
        text = [
            f"{_set(labels, m)}={''.join(map(str, ms))}: {_set(labels, cp)}={''.join(map(str, cs))} / "
            f"{_set(labels, ep)}={''.join(map(str, es))}"
            for m, ms, cp, cs, ep, es in zip(*lists.values())
        ]
        dist = pd.DataFrame({"phi": d["phi"].values[sel], "text": text, "target_state": ts})
    title = f"Phi-structure of target {target} ({t.systems['recipe'].sel(system=target).values})"
    return figures.target_structure(rows, dist, labels, title, fig_dir)


def _computer_figures(
    t: StudyTables, sf: pd.DataFrame, cxf: pd.DataFrame, target: str, computer: str, ts: str, fig_dir: Path
) -> dict[str, Path]:
    roles = t.field(computer, "unit_roles")
    sub = t.substrate(computer)
    mine = cxf[(cxf["system"] == computer) & (cxf["target_state"] == ts)]
    target_phi = float(sf[(sf["system"] == target) & (sf["target_state"] == ts)]["max_phi_s"].iloc[0])
    wiring = figures.computer_wiring(
        sub, roles, mine[mine["phase"] == 0],
        f"Stored-program computer {computer} ({sub.n} units) simulating {target}:\n"
        f"complexes at the encoding of target state {ts} (phase 0)", fig_dir,
    )
    span = "over one cycle from" if mine["phase"].nunique() > 1 else "at (phase 0 only: analysis.phases is 'encoded')"
    phases = figures.computer_phases(mine, target_phi, f"Complexes of {computer} {span} the encoding of {ts}", fig_dir)
    return {"computer wiring and complexes": wiring, "computer complexes across the cycle": phases}


# ------------------------------------------------------------------ text
def _fmt(x: object) -> str:
    if x is None:
        return "-"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (float, np.floating)):
        return "-" if np.isnan(x) else f"{x:.4g}"
    return str(x).replace("|", "\\|")


def _md(df: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table."""
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _range(s: pd.Series) -> str:
    lo, hi = s.min(), s.max()
    return _fmt(lo) if np.isclose(lo, hi) or (np.isnan(lo) and np.isnan(hi)) else f"{_fmt(lo)} to {_fmt(hi)}"


def _count(mask: pd.Series) -> str:
    return f"{int(mask.sum())}/{len(mask)}"


def _pair_overview(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per target and implementation, over the analysed target states."""
    rows = []
    for (target, impl), g in pairs.groupby(["target", "implementation"], sort=False):
        rows.append({
            "target": target,
            "implementation": impl,
            "kind": g["kind"].iloc[0],
            "states": len(g),
            "functionally equivalent": _count(g["functionally_equivalent"]),
            "audit": "; ".join(sorted(set(g["audit"]))),
            "phenomenally equivalent": frames.phenomenal_count(g),
            "target complexes": "; ".join(sorted(set(g["target_complexes"]))),
            "target phi_s": _range(g["target_phi_s"]),
            "target Phi": _range(g["target_Phi"]),
            "impl. complexes": _range(g["impl_n_complexes"].astype(float)),
            "impl. sizes": "; ".join(sorted(set(g["impl_complex_sizes"]))),
            "impl. max phi_s": _range(g["impl_max_phi_s"]),
            "impl. sum Phi": _range(g["impl_sum_Phi"]),
            "a complex matches": _count(g["any_complex_matches"]),
        })
    return pd.DataFrame(rows)


def _findings(pairs: pd.DataFrame, sf: pd.DataFrame, cxf: pd.DataFrame,
              approximate: set[str]) -> tuple[list[str], pd.DataFrame]:
    """Plain statements of what the store shows, and the expectations table."""
    enc = sf[sf["phase"] == 0]
    tg = enc[enc["kind"] == "target"]
    notes = [
        f"{tg['system'].nunique()} target(s) in {len(tg)} analysed state(s); "
        f"{pairs['implementation'].nunique()} implementation(s), {len(pairs)} target/implementation pairs.",
        f"Targets form exactly one complex in {_count(tg['n_complexes'] == 1)} analysed states "
        f"(no complex in {int((tg['n_complexes'] == 0).sum())}, several in {int((tg['n_complexes'] > 1).sum())}); "
        f"their max phi_s ranges {_range(tg['max_phi_s'])} bit.",
    ]
    expect = []
    for kind, g in pairs.groupby("kind", sort=False):
        notes.append(
            f"{kind}: functionally equivalent in {_count(g['functionally_equivalent'])} pairs, "
            f"{'phenomenal equivalence: ' if frames.phenomenal_count(g) == frames.NOT_COMPUTED else 'phenomenally equivalent in '}"
            f"{frames.phenomenal_count(g)}; "
            f"{int(g['impl_n_complexes'].min())} to {int(g['impl_n_complexes'].max())} complexes per encoded state; "
            f"max phi_s {_range(g['impl_max_phi_s'])} bit (target: {_range(g['target_phi_s'])}); "
            f"a complex matching the target's in {_count(g['any_complex_matches'])} pairs."
        )
        exact = g[~g["implementation"].isin(approximate)]
        if len(exact):
            expect.append(("functionally equivalent", kind, "pairs of exact (noise-free) implementations",
                           _count(exact["functionally_equivalent"]), bool(exact["functionally_equivalent"].all())))
        if kind == "unfolding":
            expect.append(("no complex", kind, "all pairs", _count(g["impl_n_complexes"] == 0),
                           bool((g["impl_n_complexes"] == 0).all())))
        if kind in COMPUTER_KINDS:
            comp = cxf[cxf["kind"] == kind]
            higher = g["impl_max_phi_s"] > g["target_phi_s"] + 1e-9
            top = comp[np.isclose(comp["phi_s"], comp["phi_s"].max())] if len(comp) else comp
            notes.append(
                f"computer complexes over all analysed phases: sizes {_range(comp['size'].astype(float))}, "
                f"phi_s {_range(comp['phi_s'])} bit; the largest phi_s is carried by "
                f"{', '.join(sorted(set(top['roles']))) or '-'} units. The computer's max phi_s exceeds the "
                f"target's in {_count(higher)} pairs (secondary: see the claims below)."
            )
    table = pd.DataFrame(expect, columns=["expectation", "kind", "where", "observed", "holds"])
    return notes, table


def _differences(t: StudyTables, expect: pd.DataFrame, pairs: pd.DataFrame, cxf: pd.DataFrame) -> list[str]:
    """What the store says about each expectation that does not hold."""
    out = []
    for _, e in expect[~expect["holds"]].iterrows():
        out.append(f"'{e['expectation']}' ({e['kind']}) holds in {e['observed']} pairs only; "
                   "see `tables/pairs.csv` for the pairs where it fails.")
    for kind in COMPUTER_KINDS:
        computers = pairs[pairs["kind"] == kind]
        if (computers["impl_max_phi_s"] > computers["target_phi_s"] + 1e-9).any():
            out.append(_explain_high_phi(t, pairs, cxf, kind))
    return out


def _explain_high_phi(t: StudyTables, pairs: pd.DataFrame, cxf: pd.DataFrame, kind: str) -> str:
    """Which complexes of a computer ``kind`` exceed the target's phi_s, and what they are made of."""
    p = pairs[(pairs["kind"] == kind) & (pairs["impl_max_phi_s"] > pairs["target_phi_s"] + 1e-9)]
    enc = cxf[cxf["phase"] == 0].merge(
        p[["implementation", "target_state", "target_phi_s"]],
        left_on=["system", "target_state"], right_on=["implementation", "target_state"],
    )
    above = enc[enc["phi_s"] > enc["target_phi_s"] + 1e-9]
    inputs = {s: t.substrate(s).inputs for s in above["system"].unique()}
    self_only = sum(len(u) == 1 and inputs[s][u[0]] == (u[0],) for s, u in zip(above["system"], above["units"]))
    groups = above.groupby(["roles", "size", above["phi_s"].round(4)]).size()
    parts = ", ".join(f"{n} {role} complex(es) of size {size} with phi_s {phi:g}" for (role, size, phi), n in groups.items())
    return (
        f"The computer's maximal phi_s exceeds the target's in {len(p)} of "
        f"{int((pairs['kind'] == 'computer').sum())} pairs. Summed over those pairs' encoded states, the complexes "
        f"above the target's phi_s are: {parts}. {self_only} of these {len(above)} complexes are single units whose "
        "only input is the unit itself (memory cells, latches, clock bits); with the rest of the computer as "
        "background such a unit specifies its own cause and effect state completely. This is what the stored "
        "analysis gives, not a reporting artefact, and why low phi_s is not the paper's claim (claims (ii)-(iii) "
        "below test fragmentation and Phi)."
    )


def _incompleteness(t: StudyTables, audit: pd.DataFrame, cxf: pd.DataFrame, sf: pd.DataFrame) -> list[str]:
    notes = []
    bounded = sf[~sf["complete"]]
    bound = t.provenance.get("config", {}).get("analysis", {}).get("max_size")
    if len(bounded):
        by_kind = ", ".join(f"{k}: {n}" for k, n in bounded.groupby("kind").size().items())
        notes.append(
            f"Bounded candidate search (max_size = {bound}) in {len(bounded)} of {len(sf)} analysed states "
            f"({by_kind}): complexes larger than the bound, and exclusion against them, were not searched; "
            f"see the states table's `plan` column."
        )
    else:
        notes.append(f"Every candidate search was exhaustive ({len(sf)} analysed states; max_size = {bound}).")
    records = [json.loads(str(x)) for x in t.complexes["exclusion"].values]
    ambiguous = sum(bool(r.get("ambiguous")) for r in records)
    tied = sum(bool(r.get("ties")) for r in records)
    notes.append(f"Exclusion: {ambiguous} state(s) with an ambiguous (tied) choice of complexes, {tied} with ties "
                 "recorded (complexes table, `exclusion` column).")
    unreachable = sum("unreachable" in json.loads(str(p)) for p in t.states["plan"].values)
    if unreachable:
        notes.append(f"{unreachable} analysed state(s) are unreachable as a whole and have no candidates.")
    if t.structures is not None:
        missing = int((~t.structures["computed"].values).sum())
        notes.append(f"Phi-structures: computed for {len(cxf) - missing} of {len(cxf)} complexes "
                     f"({missing} larger than structure_max_size); a sum of Phi over a state leaves those out.")
    else:
        notes.append("Phi-structures were not computed in this study (level phi_structure off): Phi is missing.")
    unchecked = audit[audit["audit_equivalent"].isna()] if len(audit) else audit
    notes.append(
        f"Functional audit from the store: {int((audit['audit_equivalent'] == True).sum()) if len(audit) else 0} "  # noqa: E712
        f"implementation(s) passed, {int((audit['audit_equivalent'] == False).sum()) if len(audit) else 0} failed, "  # noqa: E712
        f"{len(unchecked)} not checkable (no analysed target state whose successor was also analysed; "
        "the exhaustive check at generation time still applies)."
    )
    return notes


def _showcase_text(t: StudyTables, target: str, ts: str, computer: str | None) -> str:
    recipe = t.systems["recipe"].sel(system=target).values
    text = f"Target `{target}` (recipe `{recipe}`), state {ts} (its largest phi_s among the analysed states)"
    if computer is not None:
        n = int(t.systems["n_units"].sel(system=computer))
        k = int(t.systems["cycle_length"].sel(system=computer))
        text += f"; its computer `{computer}` has {n} units and a cycle of K = {k} ticks"
    return text + "."


def _replication(t: StudyTables, sf: pd.DataFrame, cxf: pd.DataFrame) -> list[str]:
    """The study report's section on the Findlay et al. 2024 targets of a study (read from the store only):
    per encoded target state the target's complexes and, per implementation, its complexes, largest
    per-complex Phi and the ratio of the target's Phi to it. Empty when the study has no such target."""
    sy = t.systems
    kinds = dict(zip(map(str, sy["system"].values), map(str, sy["kind"].values)))
    recipes = dict(zip(map(str, sy["system"].values), map(str, sy["recipe"].values)))
    targets = [s for s, k in kinds.items() if k == "target" and recipes[s].startswith("findlay2024:")]
    if not targets:
        return []
    analysis = t.provenance.get("config", {}).get("analysis", {})
    lines = ["## Replication of Findlay et al. 2024", "",
             f"Formalism `{t.formalism}`, candidates `{analysis.get('candidates', 'embedded')}` (the paper: "
             "`pyphi-feature-iit4`, isolated hand-picked candidates). Cells: complex phi_s / Phi; ratio: the target's "
             "largest Phi over the implementation's largest per-complex Phi. The published values beside ours: "
             "`docs/replication/` (`python -m pipelines.report.replication`).", ""]
    enc = cxf[cxf["phase"] == 0]
    for target in targets:
        impls = [s for s, tg in zip(map(str, sy["system"].values), map(str, sy["target"].values))
                 if tg == target and kinds[s] != "target"]
        rows = []
        for ts in sf[(sf["system"] == target) & (sf["phase"] == 0)]["target_state"]:
            mine = enc[(enc["system"] == target) & (enc["target_state"] == ts)]
            top = mine["Phi"].max() if len(mine) else float("nan")
            row = {"state": ts, "target": "; ".join(f"{lab} {_fmt(p)} / {_fmt(P)}" for lab, p, P in
                                                   zip(mine["unit_labels"], mine["phi_s"], mine["Phi"])) or "none"}
            for impl in impls:
                theirs = enc[(enc["system"] == impl) & (enc["target_state"] == ts)]
                best = theirs["Phi"].max() if len(theirs) else float("nan")
                row[f"{kinds[impl]}: complexes"] = len(theirs)
                row[f"{kinds[impl]}: max phi_s"] = theirs["phi_s"].max() if len(theirs) else float("nan")
                row[f"{kinds[impl]}: max Phi"] = best
                row[f"{kinds[impl]}: ratio"] = top / best if best else float("nan")
            rows.append(row)
        lines += [f"### `{recipes[target]}` ({target})", "", _md(pd.DataFrame(rows)), ""]
    return lines


def _provenance(t: StudyTables) -> list[str]:
    p = t.provenance
    code = p.get("code", {})
    runs = p.get("runs", [])
    lines = [
        f"- study: `{t.attrs.get('study')}` (config hash `{t.attrs.get('study_hash')}`), "
        f"config file `{p.get('config_file')}`; store `{t.path}`",
        f"- store created {p.get('created')} by code at git commit `{code.get('git_commit')}`"
        f"{' (with uncommitted changes)' if code.get('git_dirty') else ''}",
    ]
    for i, r in enumerate(runs):
        lines.append(f"- run {i}: {r.get('started')} to {r.get('finished') or 'unfinished'} on {r.get('cluster')} "
                     f"({r.get('workers')} workers), {r.get('computed_units', '-')} work units computed")
    now_code = provenance.code_version()
    lines.append(f"- report written {provenance.now()} from the store only, by code at git commit "
                 f"`{now_code.get('git_commit')}`{' (with uncommitted changes)' if now_code.get('git_dirty') else ''}")
    pk = p.get("packages", {})
    lines.append("- packages: " + ", ".join(f"{k} {v}" for k, v in pk.items() if v))
    lines.append(f"- seeds: `{json.dumps(p.get('seeds'))}`")
    return lines


def _markdown(
    t: StudyTables, audit: pd.DataFrame, cxf: pd.DataFrame, sf: pd.DataFrame, pairs: pd.DataFrame,
    summary: pd.DataFrame, figs: dict[str, Path], show: tuple[str, str, str | None] | None, show_text: str, out: Path,
    claim_lines: list[str],
) -> str:
    approximate = {str(s) for s, v in zip(t.systems["system"].values, t.systems["verification"].values)
                   if json.loads(str(v) or "{}").get("equivalent") == "approximate"}
    notes, expect = _findings(pairs, sf, cxf, approximate)
    cfg = t.provenance.get("config", {})
    L = [f"# Study report: {t.attrs.get('study')}", ""]
    if cfg.get("description"):
        L += [f"_{cfg['description']}_", ""]
    others = [f for f in t.formalisms if f != t.formalism]
    L += [f"Formalism: `{t.formalism}` (every field in the provenance, `formalisms`)."
          + (f" The store also holds {', '.join(f'`{f}`' for f in others)}: "
             f"`iitstudies report {t.path} --formalism LABEL` writes the report under another." if others else ""), ""]
    L += ["## Findings", "", *(f"- {n}" for n in notes), "", "What IIT and the published analysis lead us to "
          "expect, against what this store shows (a mismatch is reported, never tuned away):", "", _md(expect), "",
          *(f"- {d}" for d in _differences(t, expect, pairs, cxf)), ""]
    L += claim_lines
    L += ["## Per target and implementation", "",
          "Over the analysed target states (ranges over states). Functional equivalence is the stored exhaustive "
          "verification; *audit* re-checks it from the stored substrates and encodings. Phenomenal equivalence: "
          "the same complexes under the unit mapping, the same phi_s and the same Phi-structure summary. "
          "*A complex matches* when an implementation complex maps onto a target complex with equal phi_s. "
          "Full per-state rows: `tables/pairs.csv`.", "", _md(_pair_overview(pairs)), ""]
    if show is not None:
        target = show[0]
        rows = pairs[pairs["target"] == target][[
            "target_state", "kind", "functionally_equivalent", "phenomenally_equivalent", "target_complexes",
            "target_phi_s", "target_Phi", "impl_n_complexes", "impl_complex_sizes", "impl_max_phi_s",
            "impl_max_phi_s_any_phase", "impl_sum_Phi", "matching_complexes",
        ]]
        L += [f"### Every analysed state of `{target}`", "", _md(rows), ""]
    L += _replication(t, sf, cxf)
    L += ["## Across families", "",
          "Encoded states (phase 0) only. `sum_Phi` adds the Phi of a state's complexes.", "", _md(summary), ""]
    L += ["## Figures", ""]
    if show_text:
        L += [f"Shown in detail: {show_text}", ""]
    for title, png in figs.items():
        rel = png.relative_to(out)
        L += [f"### {title}", "", f"![{title}]({rel.as_posix()})", "",
              f"(SVG: `{rel.with_suffix('.svg').as_posix()}`)", ""]
    L += ["## Functional equivalence", "", _md(audit), ""]
    L += ["## Completeness", "", *(f"- {n}" for n in _incompleteness(t, audit, cxf, sf)), ""]
    L += ["## Provenance", "", *_provenance(t), "", "Configuration:", "", "```json",
          json.dumps(cfg, indent=2), "```", ""]
    L += ["## Files", "",
          "- `tables/*.csv`: the report's tables in full (pairs, family_summary, functional_audit, states, complexes)",
          f"- `exports/{t.attrs.get('study')}.nc`, `exports/parquet/`, `exports/csv/`: every table of the store", ""]
    return "\n".join(L)
