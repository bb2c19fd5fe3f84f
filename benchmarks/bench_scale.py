"""Benchmark: exact MIP searches at scale, side by side with the code before them.

Run: ``python benchmarks/bench_scale.py`` (options: ``--sia-n 7 12``,
``--structure-n 5 8``, ``--before-sia-max 10``, ``--before-structure-max 6``).

For dense probabilistic systems (``bench_sia.dense_logistic``) it times
phi_s (n = 7..12) and the Phi-structure (n = 5..8) with today's code and
with the code before the MIP searches, loaded from git at run time
(commit ``BEFORE``: full enumeration of system partitions, tabulated
mechanism partitions), where that code runs; a short case is the best of up
to 3 runs. Every case runs in its own
process on one core (BLAS threads pinned to 1) under an address-space
limit (``--memory-gb``, default 8), so the peak memory is per case and a
runaway case cannot take the machine down. The machine is shared: compare
the side-by-side ratios, and read absolute seconds with the printed load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEFORE = "3863149"  # the last commit before the MIP searches
GOALS = {("sia", 11): 60.0, ("sia", 12): 600.0, ("structure", 7): 60.0, ("structure", 8): 900.0}


def _before_modules() -> tuple[types.ModuleType, types.ModuleType]:
    """(sia, structure) modules of commit BEFORE, built from ``git show``."""

    def load(name: str, path: str, replace: dict[str, str]) -> types.ModuleType:
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"{BEFORE}:{path}"], check=True, capture_output=True, text=True).stdout
        for old, new in replace.items():
            source = source.replace(old, new)
        module = types.ModuleType(name)
        sys.modules[name] = module
        exec(compile(source, f"{BEFORE}:{path}", "exec"), module.__dict__)
        return module

    sia = load("before_sia", "iitcore/sia.py", {})
    load("before_mechanism", "iitcore/mechanism.py", {})
    structure = load(
        "before_structure",
        "iitcore/structure.py",
        {"from iitcore.mechanism import": "from before_mechanism import", "from iitcore.sia import": "from before_sia import"},
    )
    return sia, structure


def run_case(kind: str, n: int, code: str) -> dict:
    """Time one case in this process (called in a child process)."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import warnings

    warnings.simplefilter("ignore")
    import iitcore
    from bench_sia import dense_logistic

    if code == "before":
        sia_mod, structure_mod = _before_modules()
        sia, phi_structure = sia_mod.sia, structure_mod.phi_structure
    else:
        sia, phi_structure = iitcore.sia, iitcore.phi_structure
    sub = dense_logistic(n)
    state = (0,) * n
    seconds = []
    while not seconds or (sum(seconds) < 2.0 and len(seconds) < 3):  # best of up to 3 runs when short
        start = time.perf_counter()
        try:
            if kind == "sia":
                res = sia(sub, state)
                value, detail = res.phi, f"N={res.partition.normalization} early stop={res.mip_search_shortcircuited}"
            else:
                res = phi_structure(sub, state)
                value, detail = res.big_phi, f"{len(res.distinctions)} distinctions, {res.n_relations} relations"
        except (ValueError, MemoryError) as err:
            return {"error": f"{type(err).__name__}: {str(err)[:60]}"}
        seconds.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": min(seconds), "value": value, "detail": detail, "peak_mb": peak_mb}


def child(kind: str, n: int, code: str, memory_gb: float, timeout: float) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [sys.executable, __file__, "--case", kind, str(n), code, "--memory-gb", str(memory_gb)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    if out.returncode:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": "MemoryError" if "MemoryError" in out.stderr else last[:70]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(kind: str, sizes: range, before_max: int, memory_gb: float, timeout: float) -> None:
    title = "phi_s (sia)" if kind == "sia" else "Phi-structure"
    print(f"\n{title} of dense probabilistic systems, state all-OFF, one core")
    print(f"{'n':>3}{'ours s':>10}{'x prev n':>10}{'before s':>11}{'ratio':>9}{'peak MB':>9}{'goal s':>8}  value / detail")
    previous = None
    for n in sizes:
        ours = child(kind, n, "ours", memory_gb, timeout)
        before = child(kind, n, "before", memory_gb, timeout) if n <= before_max else {"error": "not run"}
        if "error" in ours:
            print(f"{n:>3}{'-':>10}{'':>10}  ours: {ours['error']}")
            previous = None
            continue
        growth = f"{ours['seconds'] / previous:.1f}" if previous else "-"
        before_s = f"{before['seconds']:.3f}" if "seconds" in before else before["error"][:10]
        ratio = f"{before['seconds'] / ours['seconds']:.1f}x" if "seconds" in before else "-"
        goal = GOALS.get((kind, n))
        verdict = "" if goal is None else ("ok" if ours["seconds"] < goal else "OVER")
        goal_s = f"{goal:.0f} {verdict}" if goal else "-"
        agree = ""
        if "seconds" in before:
            agree = " (same)" if abs(before["value"] - ours["value"]) <= 1e-9 * max(1.0, abs(ours["value"])) else " (DIFFERS)"
        print(
            f"{n:>3}{ours['seconds']:>10.3f}{growth:>10}{before_s:>11}{ratio:>9}{ours['peak_mb']:>9.0f}{goal_s:>8}"
            f"  {ours['value']:.6g}{agree}; {ours['detail']}"
        )
        if "error" in before and before["error"] != "not run":
            print(f"{'':>3}  before: {before['error']}")
        previous = ours["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sia-n", type=int, nargs=2, default=(7, 12), metavar=("FROM", "TO"))
    parser.add_argument("--structure-n", type=int, nargs=2, default=(5, 8), metavar=("FROM", "TO"))
    parser.add_argument("--before-sia-max", type=int, default=10, help="largest n timed with the code before (default 10)")
    parser.add_argument("--before-structure-max", type=int, default=7, help="largest n tried with the code before (default 7: raises)")
    parser.add_argument("--memory-gb", type=float, default=8.0, help="address-space limit per case (default 8)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per case (default 1800)")
    parser.add_argument("--case", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        soft = int(args.memory_gb * (1 << 30))
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        resource.setrlimit(resource.RLIMIT_AS, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
        kind, n, code = args.case
        print(json.dumps(run_case(kind, int(n), code)))
        return
    print(f"load average at start: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} on {os.cpu_count()} cores")
    print(f"'before' = commit {BEFORE} loaded from git; ratio = before s / ours s, measured side by side")
    table("sia", range(args.sia_n[0], args.sia_n[1] + 1), args.before_sia_max, args.memory_gb, args.timeout)
    table("structure", range(args.structure_n[0], args.structure_n[1] + 1), args.before_structure_max, args.memory_gb, args.timeout)
    print(f"\nload average at end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
