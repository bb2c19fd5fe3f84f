"""Figure of the stored-program computer: wiring by role, and one cycle's timing.

Regenerate with ``python -m pipelines.families.computer_figure [n] [path]``
(default n = 4, ``docs/figures/computer_n<n>.png``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from pipelines.families import implement, make_target  # noqa: E402
from pipelines.families.computer import ROLES  # noqa: E402

COLOURS = dict(zip(ROLES, plt.get_cmap("tab10").colors))
REPO = Path(__file__).resolve().parents[2]


def _positions(labels: tuple[str, ...], roles: tuple[str, ...], n: int) -> np.ndarray:
    """x by stage of the data path, y by memory column (so the trees line up)."""
    columns = 1 << n
    height = float(columns * n)
    xy = np.zeros((len(labels), 2))
    small = {r: [j for j, role in enumerate(roles) if role == r] for r in ("clock", "decoder", "control", "buffer", "register")}
    stage = {"clock": 0, "decoder": 1, "control": 2, "memory": 3, "read-gate": 4}
    for j, (lab, role) in enumerate(zip(labels, roles)):
        if role in small:
            group = small[role]
            x = {"clock": 0, "decoder": 1, "control": 2, "buffer": 6 + n + (n - 1).bit_length(), "register": 7 + n + (n - 1).bit_length()}[role]
            xy[j] = x, (group.index(j) + 0.5) * height / len(group)
        elif role in ("memory", "read-gate"):
            i, s = (int(v) for v in lab[1:].split("."))
            xy[j] = stage[role], s * n + i + 0.5
        elif role == "or-tree":
            s, level, k = (int(v) for v in lab[1:].split("."))
            xy[j] = 4 + level, s * n + (k + 0.5) * n / max(1, -(-n // (1 << level)))
        else:  # mux X{level}.{k}: centred on the columns it selects among
            level, k = (int(v) for v in lab[1:].split("."))
            span = (1 << level) * n
            xy[j] = 4 + (n - 1).bit_length() + level, k * span + span / 2
    return xy


def draw(n: int = 4, path: Path | None = None) -> Path:
    """Draw the computer for n-unit targets running the PQRS (n = 4) or a random program."""
    target = make_target("pqrs", {}, 0) if n == 4 else make_target("random", {"n": n, "k": 2}, 0)
    comp = implement(target, "computer")
    sub, roles = comp.substrate, comp.unit_roles
    xy = _positions(sub.labels, roles, n)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(17, 10), gridspec_kw={"width_ratios": [1.25, 1]})
    for j, ins in enumerate(sub.inputs):
        for i in ins:
            if i != j:
                ax.plot(*zip(xy[i], xy[j]), color="0.6", lw=0.3, alpha=0.35, zorder=1)
    for role in ROLES:
        sel = [j for j, r in enumerate(roles) if r == role]
        loops = [j for j in sel if j in sub.inputs[j]]
        ax.scatter(xy[sel, 0], xy[sel, 1], s=14, color=COLOURS[role], label=f"{role} ({len(sel)})", zorder=2)
        ax.scatter(xy[loops, 0], xy[loops, 1], s=40, facecolors="none", edgecolors=COLOURS[role], lw=0.6, zorder=2)
    for j, role in enumerate(roles):
        if role in ("register", "buffer", "decoder", "control", "clock"):
            ax.annotate(sub.labels[j], xy[j], xytext=(4, 0), textcoords="offset points", fontsize=6, va="center")
    ax.set_title(f"Computer for {n}-unit targets: {sub.n} units (circles: self-loops)\nwiring identical for every program")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=5, fontsize=8, frameon=False)

    state = (1, 0, 0, 0) if n == 4 else (0,) * n
    phases = np.array(comp.phase_states(state) + [comp.substrate.step(comp.phase_states(state)[-1])])
    shown = [lab for lab in sub.labels if lab[0] in "bWLCRB" and not lab.startswith("nb")]
    shown = [f"b{j}" for j in range(comp.info["schedule"]["counter_bits"])] + [
        lab for lab in shown if not lab.startswith("b")
    ]
    root = f"X{n}.0"
    shown.insert(shown.index("L0"), root)
    rows = np.array([phases[:, sub.labels.index(lab)] for lab in shown])
    bx.imshow(rows, aspect="auto", cmap="Greys", interpolation="nearest", vmin=0, vmax=1.6)
    bx.set_yticks(range(len(shown)), [("root " + lab if lab == root else lab) for lab in shown], fontsize=8)
    bx.set_xticks(range(comp.cycle_length + 1))
    bx.set_xlabel("tick (counter value); tick K = next cycle's phase 0")
    sched = comp.info["schedule"]
    bx.set_title(
        f"One cycle, K = {comp.cycle_length} ticks, target {''.join(target.labels)} from state "
        f"{''.join(map(str, state))} -> {''.join(map(str, target.update(state)))}\n"
        f"issue ticks {list(sched['issue'])}, results at the root {list(sched['result'])}, commit at {sched['commit']}",
        fontsize=10,
    )
    fig.tight_layout()
    out = path or REPO / "docs" / "figures" / f"computer_n{n}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=130)
    plt.close(fig)
    return out


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    print(draw(size, Path(sys.argv[2]) if len(sys.argv) > 2 else None))
