"""Replication of Findlay et al. 2024: our numbers beside the published ones (docs/replication/).

``python -m pipelines.report.replication [OUT] [--published FILE]`` (default
``docs/replication`` and ``tests/data/findlay2024.json``) computes

- both targets' 16 states in the reference-branch formalism (the authors')
  and in the default one, with every state where they differ and why;
- the showcase states beside the published values;
- the ring computer at the loaded state of the PQRS showcase state: the
  paper's hand-picked candidates as isolated subgraphs, the exhaustive
  embedded complexes and which candidates drop out and why;
- the same for the project's own computer running the paper's PQRS;
- a figure of the ring computer's wiring with its complexes coloured,

and writes README.md, CSV tables and the figure to OUT.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import iitcore  # noqa: E402
from iitcore.isolated import isolated_phi_structure  # noqa: E402
from pipelines.families import Implementation, Target, implement, make_target  # noqa: E402
from pipelines.families.simulate import all_states  # noqa: E402

REFERENCE = "pyphi-feature-iit4"  # the authors' PyPhi branch
DEFAULT = "iit4_2023"
TARGETS = ("pqrs", "wxyz")
REPO = Path(__file__).resolve().parents[2]
# The paper's statements about its computer at the loaded state (hand-picked candidates, isolated subgraphs).
PAPER_COMPUTER = {
    "ring": "phi_s 2.0, Phi 4 to 6",
    "single": "phi_s 1, Phi <= 2",
    "A1": "phi_s 0 (analysed with its Markov blanket, not bare)",
    "complexes": "24 isolated; 22 embedded (A2 and T0R0 drop out)",
}


def bits(state: Sequence[int]) -> str:
    return "".join(str(int(b)) for b in state)


# ------------------------------------------------------------------ targets
@dataclass(frozen=True)
class StateResult:
    """Complexes of one target state in one formalism (``None`` when the state is unreachable)."""

    state: tuple[int, ...]
    complexes: list[dict[str, Any]] | None
    found: iitcore.Complexes | None


def _structure_summary(structure: iitcore.PhiStructure, labels: Sequence[str]) -> dict[str, Any]:
    return {
        "Phi": structure.big_phi,
        "distinctions": len(structure.distinctions),
        "relations": structure.n_relations,
        "mechanisms": ["".join(labels[u] for u in d.mechanism) for d in structure.distinctions],
    }


def analyse_state(substrate: iitcore.Substrate, state: tuple[int, ...], formalism: str) -> StateResult:
    """Every complex of ``state`` with its phi_s and Phi-structure summary."""
    try:
        found = iitcore.complexes(substrate, state, formalism=formalism)
    except iitcore.StateUnreachableError:
        return StateResult(state, None, None)
    rows = []
    for c in found:
        structure = iitcore.phi_structure(substrate, state, c.units, formalism=formalism)
        rows.append({"complex": c.labels, "units": list(c.units), "phi_s": c.phi, **_structure_summary(structure, substrate.labels)})
    return StateResult(state, rows, found)


def target_states(target: Target, formalism: str) -> list[StateResult]:
    return [analyse_state(target.substrate, tuple(int(b) for b in s), formalism) for s in all_states(target.n)]


def states_frame(name: str, results: dict[str, list[StateResult]]) -> pd.DataFrame:
    """One row per (state, formalism, complex); unreachable states as one undefined row."""
    rows = []
    for formalism, per_state in results.items():
        for r in per_state:
            if r.complexes is None:
                rows.append({"target": name, "state": bits(r.state), "formalism": formalism, "complex": "undefined (unreachable)"})
            elif not r.complexes:
                rows.append({"target": name, "state": bits(r.state), "formalism": formalism, "complex": "none"})
            for c in r.complexes or []:
                rows.append({"target": name, "state": bits(r.state), "formalism": formalism,
                             **{k: v for k, v in c.items() if k not in ("units", "mechanisms")}})
    return pd.DataFrame(rows)


def _cell(r: StateResult) -> str:
    if r.complexes is None:
        return "undefined (unreachable: no cause)"
    if not r.complexes:
        return "no complex"
    return "; ".join(f"{c['complex']} {c['phi_s']:.4f} / {c['Phi']:.2f} / {c['distinctions']} / {c['relations']}" for c in r.complexes)


def _tied_note(s: iitcore.SIA) -> str:
    tied = [f"{side} {bits(spec.state)} tied with {', '.join(bits(t) for t in spec.ties)}"
            for side, spec in (("cause", s.cause_state), ("effect", s.effect_state)) if spec is not None and spec.ties]
    return "; ".join(tied)


def why_different(ref: StateResult, new: StateResult, labels: Sequence[str]) -> str:
    """Explain a state whose complexes differ between the formalisms, from the two searches' records."""
    notes = []
    ref_sia = {e.units: e for e in ref.found.evaluated if isinstance(e, iitcore.SIA)}
    new_sia = {e.units: e for e in new.found.evaluated if isinstance(e, iitcore.SIA)}
    relevant = {c.units for c in ref.found} | {c.units for c in new.found}
    relevant |= {tuple(u) for tie in new.found.exclusion.ties for u in tie["candidates"]}
    for units, a in ref_sia.items():
        b = new_sia.get(units)
        if units in relevant and b is not None and not np.isclose(a.phi, b.phi, atol=1e-9):
            pairs = len(b.ties.get("state_pairs", []))
            notes.append(
                f"{a.labels}: phi_s {a.phi:.4f} in the reference branch, which keeps the first of its tied specified "
                f"states ({_tied_note(a) or 'ties'}), {b.phi:.4f} in the default, which searches all "
                f"{pairs or 'tied'} state pairs and keeps the best"
            )
    outranked = [c for c in ref.found if not any(c.units == d.units for d in new.found)]
    for c in outranked:
        by = [d for d in new.found if set(d.units) & set(c.units)]
        if by:
            notes.append(f"so in the default {c.labels} ({c.phi:.4f}) is excluded by the overlapping complex "
                         + ", ".join(f"{d.labels} ({d.phi:.4f})" for d in by))
    for tie in new.found.exclusion.ties:
        cands = ", ".join("".join(labels[u] for u in c) for c in tie["candidates"])
        if tie.get("resolved_by") == "Phi":
            won = ", ".join("".join(labels[u] for u in c) for c in tie["accepted"]) or "none (Phi tied too)"
            notes.append(
                f"in the default, overlapping candidates {cands} tie at phi_s {tie['phi']:.4f}, resolved by Phi "
                f"({', '.join(f'{v:.2f}' for v in tie['Phi'])}): it accepts {won}"
            )
    return "; ".join(notes) or "the searches differ without a recorded tie (inspect this state)"


def showcase_rows(name: str, target: Target, published: dict[str, Any]) -> list[dict[str, Any]]:
    """Quantity, ours, published, agreement for the showcase state (reference-branch formalism)."""
    pub = published["networks"][name]["showcase"]
    state = tuple(pub["state"])
    found = iitcore.complexes(target.substrate, state, formalism=REFERENCE)
    lab = target.labels
    rows: list[dict[str, Any]] = []

    def add(quantity: str, ours: Any, theirs: Any, tol: float | None = None) -> None:
        ok = abs(float(ours) - float(theirs)) <= tol if tol is not None else ours == theirs
        rows.append({"target": name, "state": bits(state), "quantity": quantity, "ours": ours, "published": theirs,
                     "agrees": bool(ok)})

    if "complexes" in pub:
        add("complexes", " ".join(c.labels for c in found), " ".join("".join(c["units"]) for c in pub["complexes"]))
        wanted = pub["complexes"]
    else:
        add("complexes", " ".join(c.labels for c in found), "".join(pub["complex"]))
        wanted = [{**pub, "units": pub["complex"]}]
    for c, want in zip(found, wanted):
        who = "".join(want["units"])
        structure = iitcore.phi_structure(target.substrate, state, c.units, formalism=REFERENCE)
        add(f"{who} phi_s", c.phi, want["phi_s"], 1e-9)
        add(f"{who} normalised phi_s", c.sia.normalized_phi, want["normalized_phi_s"], 1e-9)
        if "mip_parts" in want:
            add(f"{who} cause state", bits(c.sia.cause_state.state), bits(want["cause_state"]))
            add(f"{who} effect state", bits(c.sia.effect_state.state), bits(want["effect_state"]))
            add(f"{who} ii cause", c.sia.cause_state.ii, want["ii_cause"], 1e-9)
            add(f"{who} ii effect", c.sia.effect_state.ii, want["ii_effect"], 1e-9)
            add(f"{who} MIP", " ".join(sorted("".join(lab[u] for u in p) for p in c.sia.partition.parts)),
                " ".join(sorted("".join(p) for p in want["mip_parts"])))
            add(f"{who} severed edges", len(c.sia.partition.severed_edges), want["mip_severed_edges"])
        add(f"{who} Phi", round(structure.big_phi, 4), want["big_phi"], 0.005)
        add(f"{who} distinctions", len(structure.distinctions), want["num_distinctions"])
        add(f"{who} relations", structure.n_relations, want["num_relations"])
        if "distinction_mechanisms" in want:
            add(f"{who} distinction mechanisms", " ".join(sorted(_structure_summary(structure, lab)["mechanisms"])),
                " ".join(sorted(want["distinction_mechanisms"])))
    return rows


# ------------------------------------------------------------------ computers
def hand_picked(impl: Implementation) -> list[list[str]]:
    """The paper's candidates: every ring, the clock, dividers and carries, every register's R0."""
    labels, n = impl.substrate.labels, len(impl.target_units)
    rings = [[f"T{j}/{c}" for j in range(n)] for c in range(1 << n)]
    clock = [[x] for x in labels if x == "C0" or (x[0] in "XA" and x[1:].isdigit())]
    return rings + sorted(clock, key=lambda x: (x[0][1:], x[0][0] != "X")) + [[f"T{i}R0"] for i in range(n)]


def _published_for(candidate: list[str]) -> str:
    if len(candidate) > 1:
        return PAPER_COMPUTER["ring"]
    return PAPER_COMPUTER["A1"] if candidate == ["A1"] else PAPER_COMPUTER["single"]


def _embedded_outcome(units: tuple[int, ...], found: iitcore.Complexes) -> str:
    """What the exhaustive embedded search made of a candidate."""
    if any(c.units == units for c in found):
        return "complex"
    for e in found.exclusion.excluded:
        if tuple(e["units"]) == units:
            return f"excluded: {e['reason']}"
    for e in found.evaluated:
        if isinstance(e, iitcore.Unreachable) and e.units == units:
            return f"unreachable: {e.reason}"
    return "pruned by the plan (phi_s = 0 for certain)"


def _why_zero(s: iitcore.SIA) -> str:
    ii = f"ii cause {s.cause_state.ii:.2f}, ii effect {s.effect_state.ii:.2f}" if s.cause_state and s.effect_state else ""
    return ", ".join(x for x in (" ".join(s.reasons), ii) if x)


def ring_candidates_frame(impl: Implementation, state: tuple[int, ...], found: iitcore.Complexes) -> pd.DataFrame:
    """Hand-picked candidates: isolated phi_s and Phi beside the paper's values, and their embedded fate."""
    sub = impl.substrate
    rows = []
    picked = hand_picked(impl)
    isolated = iitcore.evaluate_candidates(sub, state, picked, formalism=REFERENCE, candidates="isolated")
    embedded = iitcore.evaluate_candidates(sub, state, picked, formalism=REFERENCE)
    for cand, iso, emb in zip(picked, isolated, embedded):
        units = sub.validate_units(cand)
        structure = isolated_phi_structure(sub, state, cand, formalism=REFERENCE) if iso.phi > 0 else None
        rows.append({
            "candidate": " ".join(cand),
            "isolated phi_s": iso.phi,
            "isolated Phi": structure.big_phi if structure else 0.0,
            "distinctions": len(structure.distinctions) if structure else 0,
            "relations": structure.n_relations if structure else 0,
            "published (isolated)": _published_for(cand),
            "embedded phi_s": getattr(emb, "phi", float("nan")),
            "embedded": _embedded_outcome(units, found),
            "embedded, why 0": _why_zero(emb) if isinstance(emb, iitcore.SIA) and emb.phi == 0 else "",
        })
    return pd.DataFrame(rows)


def complexes_frame(impl: Implementation, state: tuple[int, ...], found: iitcore.Complexes) -> pd.DataFrame:
    """Every embedded complex with its Phi-structure summary and the roles of its units."""
    rows = []
    for c in found:
        structure = iitcore.phi_structure(impl.substrate, state, c.units, formalism=REFERENCE)
        rows.append({"complex": " ".join(impl.substrate.labels[u] for u in c.units), "size": len(c.units),
                     "roles": ", ".join(sorted({impl.unit_roles[u] for u in c.units})), "phi_s": c.phi,
                     **{k: v for k, v in _structure_summary(structure, impl.substrate.labels).items() if k != "mechanisms"}})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ figure
STAGE_X = {"clock": 0.0, "divider": 0.0, "carry": 0.0, "memory": 1.0, "instruction": 2.2, "multiplexer": 3.2,
           "mux-output": 4.2, "buffer": 5.2, "difference": 6.2, "toggle-enable": 6.2, "register": 6.2}
STAGE_NAMES = {"clock": "clock, dividers,\ncarries", "memory": "rings Tj/c\n(row c)", "instruction": "IR/c",
               "multiplexer": "Mc", "mux-output": "O", "buffer": "buffers", "register": "registers"}


def ring_positions(impl: Implementation) -> np.ndarray:
    """x by stage of the data path; rings in a block of n columns, one row per target state."""
    labels, roles, n = impl.substrate.labels, impl.unit_roles, len(impl.target_units)
    rows = 1 << n
    xy = np.zeros((len(labels), 2))
    groups: dict[float, list[int]] = {}
    for j, role in enumerate(roles):
        if role != "memory":
            groups.setdefault(STAGE_X[role], []).append(j)
    for j, (lab, role) in enumerate(zip(labels, roles)):
        if role == "memory":
            pos, c = (int(v) for v in lab[1:].split("/"))
            xy[j] = STAGE_X["memory"] + pos * 0.8 / n, rows - c
        else:
            group = groups[STAGE_X[role]]
            xy[j] = STAGE_X[role], rows - (group.index(j) + 0.5) * rows / len(group) + 0.5
    return xy


def draw_ring_complexes(impl: Implementation, found: iitcore.Complexes, path: Path, title: str) -> Path:
    """The ring computer's wiring, each complex in its own colour (grey: in no complex)."""
    sub = impl.substrate
    xy = ring_positions(impl)
    fig, ax = plt.subplots(figsize=(13, 10))
    for j, ins in enumerate(sub.inputs):
        for i in ins:
            if i != j:
                ax.annotate("", xy[j], xy[i], arrowprops={"arrowstyle": "-|>", "color": "0.75", "lw": 0.4,
                                                          "shrinkA": 3, "shrinkB": 3, "alpha": 0.6})
    colours = [c for c in plt.get_cmap("tab20").colors + plt.get_cmap("tab20b").colors if len(set(c)) > 1]  # no greys
    member = {u: k for k, c in enumerate(found) for u in c.units}
    grey = [j for j in range(sub.n) if j not in member]
    ax.scatter(xy[grey, 0], xy[grey, 1], s=28, color="0.8", edgecolors="0.5", lw=0.4, zorder=2, label="in no complex")
    for k, c in enumerate(found):
        units = list(c.units)
        ax.scatter(xy[units, 0], xy[units, 1], s=60, color=colours[k % len(colours)], edgecolors="k", lw=0.5, zorder=3,
                   label=f"{' '.join(sub.labels[u] for u in units)} (phi_s {c.phi:.2f})" if k < 30 else None)
    for j, lab in enumerate(sub.labels):
        if impl.unit_roles[j] != "memory":
            ax.annotate(lab, xy[j], xytext=(5, 0), textcoords="offset points", fontsize=6, va="center")
    loops = [j for j in range(sub.n) if j in sub.inputs[j]]
    ax.scatter(xy[loops, 0], xy[loops, 1], s=140, facecolors="none", edgecolors="0.3", lw=0.6, zorder=1)
    ax.set_title(title)
    ax.set_xticks([STAGE_X[r] + (0.3 if r == "memory" else 0) for r in STAGE_NAMES])
    ax.set_xticklabels(list(STAGE_NAMES.values()))
    ax.set_yticks([])
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7, frameon=False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


# ------------------------------------------------------------------ document
def _table(frame: pd.DataFrame, floats: str = "{:.4f}") -> str:
    shown = frame.copy()
    for col in shown.columns:
        if shown[col].dtype.kind == "f":
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else floats.format(v))
    head = "| " + " | ".join(shown.columns) + " |\n|" + "---|" * len(shown.columns) + "\n"
    return head + "\n".join("| " + " | ".join(str(v) for v in row) + " |" for row in shown.itertuples(index=False))


@dataclass
class Section:
    """Markdown lines of one section, its lines for the summary, and what later sections need."""

    lines: list[str]
    summary: list[str]
    seconds: float
    big_phi: float = 0.0


def target_section(name: str, published: dict[str, Any], out: Path) -> Section:
    """A target's showcase state beside the published values and its 16 states in both formalisms."""
    start = time.perf_counter()
    target = make_target(f"findlay2024:{name}")
    results = {formalism: target_states(target, formalism) for formalism in (REFERENCE, DEFAULT)}
    states_frame(name, results).to_csv(out / f"{name}_states.csv", index=False)
    show = pd.DataFrame(showcase_rows(name, target, published))
    show.to_csv(out / f"{name}_showcase.csv", index=False)
    showcase = tuple(published["networks"][name]["showcase"]["state"])
    lines = [f"## Target {name.upper()}", "",
             f"Showcase state {bits(showcase)} beside the published values (reference branch): "
             f"{int(show['agrees'].sum())} of {len(show)} quantities agree.", "",
             _table(show), "", "All 16 states:", "",
             "| state | reference branch | default | same |", "|---|---|---|---|"]
    differ = []
    for ref, new in zip(results[REFERENCE], results[DEFAULT]):
        same = _cell(ref) == _cell(new)
        lines.append(f"| {bits(ref.state)} | {_cell(ref)} | {_cell(new)} | {'yes' if same else '**no**'} |")
        if not same:
            differ.append((bits(ref.state), f"- **{bits(ref.state)}**: {why_different(ref, new, target.labels)}."))
    ref = results[REFERENCE]
    whole = sum(1 for r in ref if r.complexes and len(r.complexes[0]["units"]) == target.n)
    unreachable = sum(r.complexes is None for r in ref)
    lines += ["", f"In the reference branch the whole system is the complex in {whole} of 16 states; "
              f"unreachable states (undefined, no cause): {unreachable}.", ""]
    lines += (["States where the formalisms differ, and why:", "", *(d for _, d in differ), ""] if differ
              else ["The formalisms agree in every state.", ""])
    index = sum(b << i for i, b in enumerate(showcase))
    big_phi = max(c["Phi"] for c in ref[index].complexes)
    summary = [f"{name.upper()}: showcase {bits(showcase)} {int(show['agrees'].sum())}/{len(show)} published quantities "
               f"agree; whole system the complex in {whole}/16 states, {unreachable} unreachable; the default "
               f"formalism differs in {len(differ)} state(s){': ' + ', '.join(s for s, _ in differ) if differ else ''}."]
    return Section(lines, summary, time.perf_counter() - start, big_phi)


def computer_section(kind: str, target_phi: float, out: Path) -> Section:
    """A computer running the paper's PQRS at the encoding of its showcase state: embedded complexes,
    and for the ring computer the paper's hand-picked candidates isolated and its wiring figure."""
    start = time.perf_counter()
    target = make_target("findlay2024:pqrs")
    showcase = tuple(target.info["state"])
    impl = implement(target, kind)
    labels = impl.substrate.labels
    state = impl.encode(showcase)
    found = iitcore.complexes(impl.substrate, state, formalism=REFERENCE)
    cx = complexes_frame(impl, state, found)
    cx.to_csv(out / f"{kind}_complexes.csv", index=False)
    best = float(cx["Phi"].max()) if len(cx) else 0.0
    ratio = target_phi / best if best else float("inf")
    title = "The paper's ring computer" if kind == "ring_computer" else "The project's own computer"
    lines = [f"## {title} running PQRS, at the encoding of {bits(showcase)}", "",
             f"{impl.substrate.n} units, {impl.cycle_length} ticks per target update "
             f"({impl.verification['method']}). Embedded (background conditioned as the spec says), exhaustive: "
             f"**{len(found)} complexes**, largest phi_s {cx['phi_s'].max():.4f}, largest Phi {best:.4f}, "
             f"sizes {sorted(set(cx['size']))}. Target Phi {target_phi:.2f} / computer's largest "
             f"per-complex Phi = **{ratio:.1f}**.", ""]
    summary = [f"{title} ({impl.substrate.n} units): {len(found)} embedded complexes of sizes {sorted(set(cx['size']))}, "
               f"largest Phi {best:.2f}; target Phi / computer's largest Phi = {ratio:.1f}."]
    if kind == "ring_computer":
        picked = ring_candidates_frame(impl, state, found)
        picked.to_csv(out / "ring_computer_candidates.csv", index=False)
        iso = int((picked["isolated phi_s"] > 0).sum())
        dropped = picked[picked["embedded"] != "complex"]
        figure = draw_ring_complexes(impl, found, out / "ring_computer_complexes.png",
                                     f"Ring computer ({impl.substrate.n} units) running PQRS, loaded state of "
                                     f"{bits(showcase)}: {len(found)} embedded complexes")
        extra = [" ".join(labels[u] for u in c.units) for c in found
                 if [labels[u] for u in c.units] not in hand_picked(impl)]
        lines += [f"The paper's hand-picked candidates as isolated subgraphs: {iso} of {len(picked)} have phi_s > 0 "
                  f"(paper: {PAPER_COMPUTER['complexes']}).", "", _table(picked), "",
                  f"Embedded, {len(dropped)} hand-picked candidates are not complexes: "
                  + "; ".join(f"{r['candidate']} ({r['embedded']}; {r['embedded, why 0']})" for _, r in dropped.iterrows())
                  + ". NO_CAUSE / NO_EFFECT: conditioned on the background at the loaded state, the unit's own "
                  "past (cause) or future (effect) is not specified by its state, so it has no intrinsic "
                  "information on that side."
                  + (f" Complexes that are not hand-picked: {', '.join(extra)}." if extra else
                     " Every embedded complex is a hand-picked candidate."), "",
                  f"![ring computer complexes]({figure.name})", ""]
        summary.insert(0, f"Ring computer, the paper's hand-picked candidates isolated: {iso}/{len(picked)} with phi_s > 0 "
                          f"(paper: {PAPER_COMPUTER['complexes']}); embedded, not complexes: "
                          f"{', '.join(dropped['candidate'])}.")
    lines += ["Embedded complexes:", "", _table(cx), ""]
    return Section(lines, summary, time.perf_counter() - start)


def write(out: Path, published_path: Path) -> Path:
    """Compute everything and write OUT/README.md, its CSV tables and the figure."""
    out.mkdir(parents=True, exist_ok=True)
    published = json.loads(published_path.read_text())
    targets = {name: target_section(name, published, out) for name in TARGETS}
    computers = {kind: computer_section(kind, targets["pqrs"].big_phi, out) for kind in ("ring_computer", "computer")}
    sections = {**targets, **computers}
    lines = ["# Replication of Findlay et al. 2024", "",
             "Generated by `python -m pipelines.report.replication` (see `pipelines/report/replication.py`); published values from "
             f"`{published_path.name}` (the paper's showcase states) and the paper's text (its computer). "
             f"Reference-branch formalism: `{REFERENCE}` (PyPhi `feature/iit-4.0`, what the authors used); default: "
             f"`{DEFAULT}`. Cells: complex phi_s / Phi / distinctions / relations.", "", "## Summary", "",
             *(f"- {line}" for sec in sections.values() for line in sec.summary), ""]
    for sec in sections.values():
        lines += sec.lines
    lines += ["## Timings", "", "Seconds on a shared 2-core machine (loaded; for orientation only): "
              + ", ".join(f"{k} {sec.seconds:.1f}" for k, sec in sections.items()) + ".", ""]
    readme = out / "README.md"
    readme.write_text("\n".join(lines))
    return readme


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pipelines.report.replication", description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(REPO / "docs" / "replication"))
    parser.add_argument("--published", default=str(REPO / "tests" / "data" / "findlay2024.json"))
    args = parser.parse_args(argv)
    print(write(Path(args.out), Path(args.published)))


if __name__ == "__main__":
    main()
