"""Benchmark: phi_s of one candidate system, every partition searched.

Run: ``python benchmarks/bench_sia.py [--max-n 10]``. Prints a table of n,
our seconds, PyPhi's recorded seconds (reference ``timings_s``) where it
has them, and the ratio; then dense probabilistic systems up to ``--max-n``
against the issue's targets, and the cost of a large factored substrate.
Single core: BLAS threads are pinned to 1.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import tracemalloc  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import iitcore  # noqa: E402
from iitcore.system import expand  # noqa: E402
from tests.reference import networks, substrate  # noqa: E402

TARGETS = {7: 0.2, 8: 1.0, 9: 10.0, 10: 90.0}


def dense_logistic(n: int, seed: int = 0) -> iitcore.Substrate:
    """Dense probabilistic substrate: every unit a logistic function of all units."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.0, 0.3, (n, n))
    spins = ((np.arange(1 << n)[:, None] >> np.arange(n)) & 1) * 2 - 1
    return iitcore.Substrate.from_tpm(np.round(1.0 / (1.0 + np.exp(-4.0 * (spins @ weights))), 4))


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-n", type=int, default=10, help="largest dense system (default 10)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    print("Reference networks with n >= 5 (PyPhi seconds from timings_s['sia'])")
    print(f"{'network':<28}{'n':>3}{'ours s':>10}{'PyPhi s':>10}{'ratio':>9}{'phi_s':>12}")
    total_ours = total_ref = 0.0
    for net in networks():
        ref_t = net.get("timings_s", {}).get("sia")
        if net["n_units"] < 5 or ref_t is None:
            continue
        sub = substrate(net)
        t, res = timed(lambda: iitcore.sia(sub, net["state"], formalism="pyphi-feature-iit4"), repeat=3)
        total_ours += t
        total_ref += ref_t
        print(f"{net['name']:<28}{net['n_units']:>3}{t:>10.4f}{ref_t:>10.3f}{ref_t / t:>9.0f}x{res.phi:>12.6f}")
    print(f"{'total':<31}{total_ours:>10.4f}{total_ref:>10.3f}{total_ref / total_ours:>9.0f}x\n")

    print("Dense probabilistic systems, every partition searched (one core)")
    print(f"{'n':>3}{'ours s':>10}{'target s':>10}{'peak MB':>10}{'phi_s':>14}  searched all")
    for n in range(5, args.max_n + 1):
        sub = dense_logistic(n)
        t, res = timed(lambda: iitcore.sia(sub, (0,) * n), repeat=3 if n < 9 else 1)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        target = TARGETS.get(n)
        print(
            f"{n:>3}{t:>10.3f}{(f'{target:.1f}' if target else '-'):>10}{peak:>10.0f}"
            f"{res.phi:>14.3e}  {not res.mip_search_shortcircuited}"
        )
    large_substrate()


def large_substrate() -> None:
    """Build a 1,000-unit factored substrate and expand 10-unit candidates from it."""
    n = 1000
    rng = np.random.default_rng(1)
    t_build, sub = timed(
        lambda: iitcore.Substrate.from_gates(
            [{"gate": "MAJ", "inputs": sorted({i, (i + 1) % n, (i - 1) % n}), "noise": 0.1} for i in range(n)]
        )
    )
    state = tuple(int(x) for x in rng.integers(0, 2, n))
    t_first, _ = timed(lambda: expand(sub, state, tuple(range(100, 110))))
    t_next, _ = timed(lambda: expand(sub, state, tuple(range(200, 210))), repeat=5)
    tracemalloc.start()
    expand(sub, state, tuple(range(300, 310)))
    peak = tracemalloc.get_traced_memory()[1] / 1024
    tracemalloc.stop()
    t_sia, _ = timed(lambda: iitcore.sia(sub, state, tuple(range(400, 410))), repeat=3)
    print("\nFactored substrate of 1,000 noisy MAJ units (ring wiring), 10-unit candidates")
    print(f"{'step':<52}{'ms':>10}")
    for label, t in (
        ("build the substrate", t_build),
        ("expand a candidate (first: background junction tree)", t_first),
        ("expand another candidate", t_next),
        ("sia of a candidate (expand + phi_s)", t_sia),
    ):
        print(f"{label:<52}{t * 1000:>10.1f}")
    print(f"{'peak memory of one expansion (KiB)':<52}{peak:>10.1f}")


if __name__ == "__main__":
    main()
