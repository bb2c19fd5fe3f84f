"""Report figures (matplotlib, Agg backend), each saved as PNG and SVG; they read only frames made from the store."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from iitcore import Substrate  # noqa: E402

KIND_COLORS = {"target": "#1b9e77", "computer": "#d95f02", "ring_computer": "#e6ab02", "unfolding": "#7570b3",
               "copy": "#e7298a"}
FLOW = ("clock", "decoder", "control", "memory", "read-gate", "or-tree", "mux", "buffer", "register")
ROLE_COLORS = dict(zip(FLOW, plt.get_cmap("tab10").colors))


def save(fig: Figure, out_dir: Path, name: str) -> Path:
    """Write ``name``.png and ``name``.svg; returns the PNG path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / f"{name}.png"
    fig.savefig(png, dpi=130, bbox_inches="tight")
    fig.savefig(out_dir / f"{name}.svg", bbox_inches="tight")
    plt.close(fig)
    return png


def _strip(ax: plt.Axes, groups: dict[str, np.ndarray], ylabel: str, title: str, symlog: bool = False) -> None:
    """Box plot plus jittered points, one column per implementation kind (``symlog``: wide-range counts)."""
    rng = np.random.default_rng(0)
    kinds = list(groups)
    for x, kind in enumerate(kinds):
        y = np.asarray(groups[kind], dtype=float)
        y = y[~np.isnan(y)]
        color = KIND_COLORS.get(kind, "grey")
        if y.size:
            ax.boxplot([y], positions=[x], widths=0.5, showfliers=False, medianprops={"color": "black"})
            ax.scatter(x + rng.uniform(-0.18, 0.18, y.size), y, s=16, alpha=0.6, color=color, edgecolors="none", zorder=3)
        ax.annotate(f"n={y.size}", (x, 1.0), xycoords=("data", "axes fraction"), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(kinds)), kinds)
    ax.set_xlim(-0.6, len(kinds) - 0.4)
    if symlog:
        ax.set_yscale("symlog", linthresh=1)
        ax.set_ylim(-0.2, max(ax.get_ylim()[1], 1.0) * 1.5)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10, pad=14)


def _by_kind(df: pd.DataFrame, column: str, kinds: list[str]) -> dict[str, np.ndarray]:
    return {k: df.loc[df["kind"] == k, column].to_numpy(dtype=float) for k in kinds}


def phi_by_kind(states: pd.DataFrame, complexes: pd.DataFrame, kinds: list[str], out_dir: Path) -> Path:
    """phi_s distributions by kind: the maximal complex per encoded state, and every complex."""
    enc = states[states["phase"] == 0]
    cx = complexes[complexes["phase"] == 0]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    _strip(axes[0], _by_kind(enc, "max_phi_s", kinds), "phi_s (bit)", "max phi_s per analysed state (0 = no complex)")
    _strip(axes[1], _by_kind(cx, "phi_s", kinds), "phi_s (bit)", "phi_s of every complex")
    fig.suptitle("phi_s by system kind (encoded states, phase 0)")
    return save(fig, out_dir, "phi_s_by_kind")


def complexes_by_kind(states: pd.DataFrame, complexes: pd.DataFrame, kinds: list[str], out_dir: Path) -> Path:
    """Number and size of complexes and the sum of Phi by kind."""
    enc = states[states["phase"] == 0]
    cx = complexes[complexes["phase"] == 0]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")
    _strip(axes[0], _by_kind(enc, "n_complexes", kinds), "complexes", "number of complexes per state", symlog=True)
    _strip(axes[1], _by_kind(cx, "size", kinds), "units", "size of every complex")
    axes[1].yaxis.get_major_locator().set_params(integer=True)
    _strip(axes[2], _by_kind(enc, "sum_Phi", kinds), "Phi (bit)", "sum of Phi over a state's complexes", symlog=True)
    fig.suptitle("complexes by system kind (encoded states, phase 0)")
    return save(fig, out_dir, "complexes_by_kind")


def _layout(roles: list[str]) -> np.ndarray:
    """Unit positions: one column per role in data-flow order, units spread over the column's height."""
    pos = np.zeros((len(roles), 2))
    columns = [r for r in FLOW if r in roles] + sorted(set(roles) - set(FLOW))
    for x, role in enumerate(columns):
        members = [j for j, r in enumerate(roles) if r == role]
        ys = np.linspace(1, 0, len(members) + 2)[1:-1]
        pos[members, 0] = x
        pos[members, 1] = ys
    return pos


def computer_wiring(
    substrate: Substrate, roles: list[str], complexes: pd.DataFrame, title: str, out_dir: Path
) -> Path:
    """The computer's wiring by role, units coloured by the phi_s of the complex they belong to."""
    pos = _layout(roles)
    fig, ax = plt.subplots(figsize=(13, 9))
    segs = [(pos[i], pos[j]) for j, ins in enumerate(substrate.inputs) for i in ins if i != j]
    ax.add_collection(LineCollection(segs, colors="#999999", linewidths=0.4, alpha=0.35, zorder=1))
    phi = np.full(len(roles), np.nan)
    multi = np.zeros(len(roles), dtype=bool)
    for units, p in zip(complexes["units"], complexes["phi_s"]):
        phi[units] = p
        multi[units] = len(units) > 1
    loops = np.array([j in ins for j, ins in enumerate(substrate.inputs)])
    out = np.isnan(phi)
    ax.scatter(*pos[out].T, s=18, facecolors="white", edgecolors="#777777", linewidths=0.6, zorder=2,
               label="in no complex")
    vmax = max(float(np.nanmax(phi)) if (~out).any() else 1.0, 1e-9)
    sc = ax.scatter(*pos[~out].T, c=phi[~out], cmap="plasma", vmin=0, vmax=vmax, s=34,
                    edgecolors=np.where(multi[~out], "black", "none"), linewidths=1.2, zorder=3,
                    label="in a complex (colour: its phi_s)")
    ax.scatter(*pos[loops].T, s=70, facecolors="none", edgecolors="#2c7fb8", linewidths=0.7, zorder=4,
               label="self-loop (latch, memory cell, clock bit)")
    fig.colorbar(sc, ax=ax, shrink=0.6, label="phi_s of the unit's complex (bit)")
    columns = [r for r in FLOW if r in roles] + sorted(set(roles) - set(FLOW))
    for x, role in enumerate(columns):
        ax.text(x, 1.02, f"{role}\n({roles.count(role)})", ha="center", va="bottom", fontsize=9)
        members = [j for j, r in enumerate(roles) if r == role]
        if len(members) <= 16:
            for j in members:
                ax.text(pos[j, 0] + 0.09, pos[j, 1], substrate.labels[j], fontsize=7, va="center")
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(-0.03, 1.1)
    ax.axis("off")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.08), ncol=3, fontsize=9, frameon=False)
    ax.set_title(title, fontsize=11)
    return save(fig, out_dir, "computer_wiring")


def computer_phases(complexes: pd.DataFrame, target_phi: float, title: str, out_dir: Path) -> Path:
    """phi_s of the computer's complexes at every phase of one cycle, by role; complexes counted per phase."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7), sharex=True, height_ratios=[2, 1])
    phases = np.arange(int(complexes["phase"].max()) + 1 if len(complexes) else 1)
    groups = complexes.assign(phi_r=complexes["phi_s"].round(4)).groupby(["roles", "phase", "phi_r"]).size()
    roles = list(dict.fromkeys(r for r in FLOW if r in set(complexes["roles"]))) + sorted(
        set(complexes["roles"]) - set(FLOW)
    )
    offsets = np.linspace(-0.3, 0.3, max(len(roles), 1))
    for off, role in zip(offsets, roles):
        g = groups[role]
        x = g.index.get_level_values("phase").to_numpy() + off
        top.scatter(x, g.index.get_level_values("phi_r"), s=12 + 16 * np.sqrt(g.to_numpy()),
                    color=ROLE_COLORS.get(role, "grey"), alpha=0.8, label=role, edgecolors="black", linewidths=0.3)
    top.axhline(target_phi, color=KIND_COLORS["target"], ls="--", lw=1.5, label=f"target's max phi_s ({target_phi:.3f})")
    top.set_ylabel("phi_s of a complex (bit)")
    top.set_title(title + "\n(marker area grows with the number of complexes sharing role, phase and phi_s)", fontsize=10)
    top.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    counts = complexes.groupby(["phase", "roles"]).size().unstack(fill_value=0).reindex(phases, fill_value=0)
    bottom_acc = np.zeros(len(phases))
    for role in roles:
        vals = counts[role].to_numpy() if role in counts else np.zeros(len(phases))
        bottom.bar(phases, vals, bottom=bottom_acc, color=ROLE_COLORS.get(role, "grey"), label=role)
        bottom_acc += vals
    bottom.set_ylabel("complexes")
    bottom.set_xlabel("phase (tick of the cycle; 0 = encoded state)")
    bottom.set_xticks(phases)
    return save(fig, out_dir, "computer_phases")


def target_structure(
    states: pd.DataFrame, distinctions: pd.DataFrame, labels: list[str], title: str, out_dir: Path
) -> Path:
    """The target's Phi-structure: phi_s and Phi per analysed state, and the distinctions of one complex."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5), width_ratios=[3, 2], layout="constrained")
    x = np.arange(len(states))
    w = 0.38
    left.bar(x - w / 2, states["max_phi_s"], w, color=KIND_COLORS["target"], label="phi_s (maximal complex)")
    left.bar(x + w / 2, states["sum_phi_d"], w, color="#66a61e", label="Phi: sum of phi_d (distinctions)")
    left.bar(x + w / 2, states["sum_phi_r"], w, bottom=states["sum_phi_d"], color="#e6ab02", label="Phi: sum of phi_r (relations)")
    for xi, (d, r, top) in enumerate(zip(states["n_distinctions"], states["n_relations"], states["sum_phi_d"] + states["sum_phi_r"])):
        computed = not (np.isnan(d) or np.isnan(r))
        label = f"{int(d)}d\n{int(r)}r" if computed else "not\ncomputed"
        left.annotate(label, (xi + w / 2, top if computed else 0.0), ha="center", va="bottom", fontsize=7)
    left.set_xticks(x, states["target_state"], rotation=90 if len(x) > 8 else 0, fontfamily="monospace")
    left.set_xlabel("target state (unit order " + "".join(labels) + ")" if len(labels) <= 12 else "target state")
    left.set_ylabel("bit")
    left.set_title("per analysed state (labels: number of distinctions d and relations r)", fontsize=10)
    left.set_ylim(0, 1.2 * np.nanmax([*(states["sum_phi_d"] + states["sum_phi_r"]), *states["max_phi_s"], 0.1]))
    left.legend(fontsize=8)
    if len(distinctions):
        d = distinctions.sort_values("phi", ascending=True)
        right.barh(np.arange(len(d)), d["phi"], height=0.6, color="#66a61e")
        right.set_ylim(-0.8, max(len(d), 4) - 0.2)
        right.set_yticks(np.arange(len(d)), d["text"], fontsize=8, fontfamily="monospace")
        right.set_xlabel("phi_d (bit)")
        right.set_title(f"distinctions at {distinctions['target_state'].iloc[0]} (mechanism: cause / effect purview)",
                        fontsize=10)
    else:
        right.text(0.5, 0.5, "no distinctions stored\n(no complex, or Phi-structure not computed)",
                   ha="center", va="center", transform=right.transAxes)
        right.axis("off")
    fig.suptitle(title)
    return save(fig, out_dir, "target_structure")


def scaling(ratios: pd.DataFrame, formalism: str, out_dir: Path) -> Path:
    """The computer's largest per-complex Phi against n (all analysed phases), beside the target's Phi distribution."""
    df = ratios[(ratios["formalism"] == formalism) & ratios["reachable"].astype(bool)]
    sizes = sorted(df["n"].unique())
    fig, ax = plt.subplots(figsize=(max(4.5, 1.6 * len(sizes) + 2), 3.8))
    rng = np.random.default_rng(0)
    for x, n in enumerate(sizes):
        g = df[df["n"] == n]
        for dx, column, kind in ((-0.2, "target_Phi", "target"), (0.2, "computer_Phi", "computer")):
            y = g[column].to_numpy(dtype=float)
            y = y[~np.isnan(y)]
            if not y.size:
                continue
            ax.boxplot([y], positions=[x + dx], widths=0.3, showfliers=False, medianprops={"color": "black"})
            ax.scatter(x + dx + rng.uniform(-0.1, 0.1, y.size), y, s=10, alpha=0.5, color=KIND_COLORS[kind],
                       edgecolors="none", zorder=3, label=kind if x == 0 else None)
        ax.annotate(f"{len(g)} pairs", (x, 1.0), xycoords=("data", "axes fraction"), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(sizes)), [f"n = {n}" for n in sizes])
    ax.set_yscale("symlog", linthresh=1)
    ax.set_ylim(-0.2, max(ax.get_ylim()[1], 1.0) * 1.5)
    ax.set_ylabel("largest per-complex Phi (computer: over its analysed phases)")
    ax.set_title(f"computer vs target, by target size ({formalism})", fontsize=10, pad=14)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return save(fig, out_dir, "scaling")
