"""Benchmark: Phi-structures (SIA, distinctions, congruence, relation sums).

Run: ``python benchmarks/bench_structure.py``. For every reference network
with n <= 5, times the Phi-structure of its maximal complex and of the whole
substrate (where the reference has them) and compares with PyPhi's recorded
``timings_s`` (target: at least 50x faster in total); then 6-unit cases
(target: under a minute each on one core). Single core: BLAS threads are
pinned to 1. "ours s" is the best of ``REPEATS`` runs (the machine is
shared); the total of the first, cold runs (one-off partition tables
included) is printed as well.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import iitcore  # noqa: E402
from tests.reference import network, networks, substrate  # noqa: E402

FEAT = "pyphi-feature-iit4"
RATIO_TARGET = 50.0
SIX_UNIT_TARGET_S = 60.0
REPEATS = 3


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def logistic(weights, k: float = 4.0) -> iitcore.Substrate:
    W = np.asarray(weights, dtype=float)
    spins = ((np.arange(1 << len(W))[:, None] >> np.arange(len(W))) & 1) * 2 - 1
    return iitcore.Substrate.from_tpm(1.0 / (1.0 + np.exp(-k * (spins @ W))), (W != 0).astype(int))


def fig6d() -> iitcore.Substrate:
    """[P] Fig 6D (spec 9.6): 27 distinctions, 1537080 relations."""
    s = 0.7
    d = (1 - s) / 10
    m, w = 3 * d, 4 * d
    W = [[m, s, d, d, d, w], [d, d, w, m, d, s], [d, m, d, s, w, d], [w, d, m, d, s, d], [s, w, d, d, m, d], [d, d, s, w, d, m]]
    return logistic(W)


def reference_table() -> None:
    print(f"{'network':<42} {'n':>2} {'system':<16} {'ours s':>9} {'PyPhi s':>9} {'ratio':>8}")
    ours_total = pyphi_total = cold_total = 0.0
    for net in networks():
        if net["n_units"] > 5:
            continue
        sub = substrate(net)
        for key in ("phi_structure", "phi_structure_whole"):
            ref = net["results"].get(key)
            pyphi = net["timings_s"].get(key)
            if not isinstance(ref, dict) or not pyphi:
                continue
            runs = [timed(lambda: iitcore.phi_structure(sub, net["state"], ref["nodes"], formalism=FEAT))[0] for _ in range(REPEATS)]
            seconds = min(runs)
            cold_total += runs[0]
            ours_total += seconds
            pyphi_total += pyphi
            label = "whole" if key.endswith("whole") else "max complex"
            nodes = "".join(sub.labels[u] for u in ref["nodes"])
            print(f"{net['name']:<42} {net['n_units']:>2} {label + ' ' + nodes:<16} {seconds:9.4f} {pyphi:9.3f} {pyphi / seconds:8.1f}")
    ratio = pyphi_total / ours_total
    verdict = "meets" if ratio >= RATIO_TARGET else "MISSES"
    print(f"{'total (n <= 5)':<61} {ours_total:9.3f} {pyphi_total:9.3f} {ratio:8.1f}  {verdict} the {RATIO_TARGET:.0f}x target")
    print(f"{'total of first (cold) runs':<61} {cold_total:9.3f} {pyphi_total:9.3f} {pyphi_total / cold_total:8.1f}")


def six_unit_cases() -> None:
    dense = network("rand_dense_n6_s7600")
    dense_sub = substrate(dense)
    complex_nodes = dense["results"]["complexes"]["maximal_complex"]["nodes"]
    cases = [
        ("rand_dense_n6_s7600 maximal complex", lambda: iitcore.phi_structure(dense_sub, dense["state"], complex_nodes)),
        ("rand_dense_n6_s7600 whole substrate", lambda: iitcore.phi_structure(dense_sub, dense["state"])),
        ("[P] Fig 6D whole substrate", lambda: iitcore.phi_structure(fig6d(), (1, 0, 0, 0, 0, 0))),
    ]
    print(f"\n{'6-unit case':<40} {'units':>5} {'#d':>4} {'#relations':>20} {'Phi':>12} {'seconds':>8}")
    for name, run in cases:
        seconds, res = timed(run)
        verdict = "ok" if seconds < SIX_UNIT_TARGET_S else "SLOW"
        print(f"{name:<40} {len(res.units):>5} {len(res.distinctions):>4} {res.n_relations:>20} {res.big_phi:12.6g} {seconds:8.2f}  {verdict}")


def main() -> None:
    reference_table()
    six_unit_cases()


if __name__ == "__main__":
    main()
