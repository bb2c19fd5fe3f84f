"""Markdown table of the computer's units by role, cycle length and verification time.

``python -m pipelines.families.computer_table [n ...]`` (default 3 4 5);
each target is a random 2-input network (seed 0), verified exhaustively.
"""

from __future__ import annotations

import sys
import time

from pipelines.families import implement, make_target
from pipelines.families.computer import ROLES


def table(sizes: list[int]) -> str:
    rows = []
    for n in sizes:
        target = make_target("random", {"n": n, "k": 2}, 0)
        start = time.perf_counter()
        comp = implement(target, "computer")
        total = time.perf_counter() - start
        counts = [comp.unit_roles.count(r) for r in ROLES]
        v = comp.verification
        rows.append(
            [n, *counts, comp.substrate.n, comp.cycle_length, f"{v['seconds']:.3f}", f"{total:.3f}"]
        )
    head = ["n", *ROLES, "total", "K", "verify s", "build+verify s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table([int(x) for x in sys.argv[1:]] or [3, 4, 5]))
