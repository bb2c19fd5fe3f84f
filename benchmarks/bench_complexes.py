"""Benchmark: all complexes (plan, evaluate, exclude).

Run: ``python benchmarks/bench_complexes.py``. Prints (1) every reference
network with n <= 6 against PyPhi's recorded ``timings_s["complexes"]``
(formalism "pyphi-feature-iit4", goal >= 50x in total), (2) a dense random
10-unit network (1,023 candidates, goal < 2 minutes), (3) planning for
500-unit sparse substrates (in-degree <= 3, goal: seconds). Columns:
candidates planned / pruned records / evaluated. One core: BLAS threads pinned to 1.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import iitcore  # noqa: E402
from tests.reference import close, networks, substrate  # noqa: E402

FEAT = "pyphi-feature-iit4"


def dense_logistic(n: int, seed: int = 0) -> iitcore.Substrate:
    """Dense probabilistic substrate: every unit a logistic function of all units."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.0, 0.3, (n, n))
    spins = ((np.arange(1 << n)[:, None] >> np.arange(n)) & 1) * 2 - 1
    return iitcore.Substrate.from_tpm(np.round(1.0 / (1.0 + np.exp(-4.0 * (spins @ weights))), 4))


def sparse_gates(n: int, window: int, noise: float, seed: int = 0) -> iitcore.Substrate:
    """Random gates with 1-3 inputs drawn within ``window`` units of each unit (ring)."""
    rng = np.random.default_rng(seed)
    gates = []
    for j in range(n):
        k = int(rng.integers(1, 4))
        ins = sorted({(j + int(d)) % n for d in rng.choice(np.arange(-window, window + 1), k, replace=False)})
        name = str(rng.choice(["AND", "OR", "XOR"])) if len(ins) > 1 else str(rng.choice(["COPY", "NOT"]))
        gates.append({"gate": name, "inputs": ins, "noise": noise})
    return iitcore.Substrate.from_gates(gates)


def row(name: str, n: int, seconds: float, res: iitcore.Complexes, extra: str = "") -> None:
    plan = res.plan
    print(
        f"{name:<40}{n:>4}{seconds:>9.3f}{len(plan.candidates):>7}{len(plan.pruned):>7}{len(res.evaluated):>7}"
        f"{len(res):>5}  {extra}"
    )


def main() -> None:
    warnings.simplefilter("ignore")
    header = f"{'network':<40}{'n':>4}{'ours s':>9}{'plan':>7}{'pruned':>7}{'eval':>7}{'cx':>5}"
    print("1. Reference networks, n <= 6: all complexes vs PyPhi timings_s['complexes']")
    print(header + f"  {'PyPhi s':>8}{'ratio':>8}  same")
    ours_total = ref_total = 0.0
    for net in networks():
        ref = net["results"].get("complexes")
        ref_t = net.get("timings_s", {}).get("complexes")
        if not ref or ref_t is None or net["n_units"] > 6:
            continue
        sub = substrate(net)
        t0 = time.perf_counter()
        res = iitcore.complexes(sub, net["state"], formalism=FEAT)
        t = time.perf_counter() - t0
        same = [list(c.units) for c in res] == [c["nodes"] for c in ref["complexes"]] and all(
            close(c.phi, r["phi_s"]) for c, r in zip(res, ref["complexes"])
        )
        ours_total += t
        ref_total += ref_t
        row(net["name"], net["n_units"], t, res, f"{ref_t:>8.3f}{ref_t / t:>7.0f}x  {same}")
    print(f"{'total':<44}{ours_total:>9.3f}{'':>26}  {ref_total:>8.3f}{ref_total / ours_total:>7.0f}x  (goal >= 50x)\n")

    print("2. Dense random 10-unit network (logistic, all 1,023 candidates), goal < 120 s")
    print(header)
    sub = dense_logistic(10)
    t0 = time.perf_counter()
    res = iitcore.complexes(sub, (0, 1) * 5)
    row("dense_logistic(10)", 10, time.perf_counter() - t0, res, f"phi_max {res[0].phi:.3e}" if len(res) else "")
    print()

    print("3. Planning 500-unit sparse substrates (in-degree <= 3), goal: seconds")
    print(f"{'substrate':<40}{'n':>4}{'plan s':>9}{'plan':>7}{'pruned':>7}{'enum':>7}{'max':>5}  components (largest)")
    rng = np.random.default_rng(1)
    for window, noise, max_size in ((4, 0.05, 7), (12, 0.05, 7), (250, 0.0, 7), (250, 0.0, 9)):
        sub = sparse_gates(500, window, noise)
        state = sub.step(rng.integers(0, 2, 500)) if noise == 0 else tuple(rng.integers(0, 2, 500).tolist())
        t0 = time.perf_counter()
        plan = iitcore.plan_candidates(sub, state, max_size=max_size)
        t = time.perf_counter() - t0
        sizes = sorted((len(c["units"]) for c in plan.components), reverse=True)
        name = f"sparse window={window} noise={noise}"
        print(
            f"{name:<40}{500:>4}{t:>9.3f}{len(plan.candidates):>7}{len(plan.pruned):>7}"
            f"{plan.counts['enumerated']:>7}{max_size:>5}  {len(sizes)} ({sizes[0]}), complete={plan.complete}"
        )


if __name__ == "__main__":
    main()
