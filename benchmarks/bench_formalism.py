"""Benchmark: what the formalism costs.

Run: ``python benchmarks/bench_formalism.py [--baseline main] [--max-n 9] [--rounds 2]``.

(1) Before / after: the workloads of ``bench_sia.py`` (phi_s of the reference
networks with n >= 5 in the default and the reference-branch formalism, and
dense probabilistic systems of 5..max-n units, every partition searched),
timed in alternating subprocesses with the ``iitcore`` of git revision
``--baseline`` and of this checkout: per system the best of 3-50 calls
(0.3 s each) and of all rounds.
(2) The cost of ``tie_rule="s1"``: complexes plus the Phi-structure of every
complex, default formalism against S1, on the reference networks with up to
6 units and on PQRS (Findlay et al. 2024) in every reachable state.
One core: BLAS threads pinned to 1. Times are wall-clock on a shared machine;
compare the ratios, which are measured side by side.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tarfile  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from io import BytesIO  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FEAT = "pyphi-feature-iit4"
MIN_REPEAT, MAX_REPEAT, BUDGET_S = 3, 50, 0.3


def _best(fn) -> float:
    """Best time of at least MIN_REPEAT calls, repeated (up to MAX_REPEAT) until BUDGET_S is spent."""
    best, spent, calls = np.inf, 0.0, 0
    while calls < MIN_REPEAT or (spent < BUDGET_S and calls < MAX_REPEAT):
        t0 = time.perf_counter()
        fn()
        t = time.perf_counter() - t0
        best, spent, calls = min(best, t), spent + t, calls + 1
    return best


def worker(max_n: int) -> None:
    """Time the bench_sia workloads with whichever ``iitcore`` is first on the path; print JSON."""
    import iitcore
    from benchmarks.bench_sia import dense_logistic
    from tests.reference import networks, substrate

    keyword = "formalism" if "formalism" in inspect.signature(iitcore.sia).parameters else "compat"
    out: dict[str, float] = {}
    for net in networks():
        if net["n_units"] < 5 or net.get("timings_s", {}).get("sia") is None:
            continue
        sub = substrate(net)
        for mode in ("iit4_2023", FEAT):
            out[f"{net['name']}|{net['n_units']}|{mode}"] = _best(lambda: iitcore.sia(sub, net["state"], **{keyword: mode}))
    for n in range(5, max_n + 1):
        sub = dense_logistic(n)
        out[f"dense_logistic|{n}|iit4_2023"] = _best(lambda: iitcore.sia(sub, (0,) * n, **{keyword: "iit4_2023"}))
    print(json.dumps(out))


def _export(revision: str, into: Path) -> Path:
    """``iitcore/`` of ``revision`` under ``into``."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "iitcore"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _run(tree: Path, max_n: int) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tree), str(REPO)]))
    proc = subprocess.run([sys.executable, __file__, "--worker", "--max-n", str(max_n)], env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def before_after(baseline: str, max_n: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        old_tree = _export(baseline, Path(tmp))
        runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        for r in range(rounds):  # alternate which goes first
            order = [("before", old_tree), ("after", REPO)]
            for label, tree in order if r % 2 == 0 else order[::-1]:
                runs[label].append(_run(tree, max_n))
    best = {label: {k: min(run[k] for run in rs) for k in rs[0]} for label, rs in runs.items()}
    print(f"(1) phi_s before ({baseline}) and after (this checkout), best of {rounds} rounds")
    print(f"{'system':<28}{'n':>3}  {'formalism':<20}{'before s':>10}{'after s':>10}{'after/before':>14}")
    totals = {}
    for key in best["before"]:
        name, n, mode = key.split("|")
        b, a = best["before"][key], best["after"][key]
        tb, ta = totals.get(mode, (0.0, 0.0))
        totals[mode] = (tb + b, ta + a)
        print(f"{name:<28}{n:>3}  {mode:<20}{b:>10.4f}{a:>10.4f}{a / b:>14.2f}")
    for mode, (b, a) in totals.items():
        print(f"{'total':<31}  {mode:<20}{b:>10.4f}{a:>10.4f}{a / b:>14.2f}")


def _analysis(sub, state, f) -> tuple[float, int, float]:
    """Best seconds for complexes + every complex's Phi-structure; number of complexes; sum of their Phi."""
    import iitcore

    def run() -> tuple[int, float]:
        found = iitcore.complexes(sub, state, formalism=f)
        return len(found), sum(iitcore.phi_structure(sub, state, c.units, formalism=f, sia_result=c.sia).big_phi
                               for c in found)

    count, big_phi = run()
    return _best(run), count, big_phi


def s1_cost() -> None:
    import iitcore
    from tests.reference import networks, substrate

    s1 = iitcore.formalism("iit4_2023", tie_rule="s1")
    print("\n(2) tie_rule='s1' against the default formalism: complexes + Phi-structures of the complexes")
    print(f"{'system':<36}{'default s':>11}{'s1 s':>9}{'s1/default':>12}  {'complexes':<10}  Phi of the complexes")
    total = [0.0, 0.0]
    changed = 0
    for net in networks():
        if net["n_units"] > 6:
            continue
        sub = substrate(net)
        (t0, k0, p0), (t1, k1, p1) = (_analysis(sub, net["state"], f) for f in ("iit4_2023", s1))
        total[0] += t0
        total[1] += t1
        changed += (k0, round(p0, 9)) != (k1, round(p1, 9))
    print(f"{'reference networks (n <= 6), total':<36}{total[0]:>11.3f}{total[1]:>9.3f}{total[1] / total[0]:>12.2f}"
          f"  {'':<10}  changed in {changed} networks")
    pqrs = iitcore.Substrate.from_gates(
        [{"gate": g, "inputs": ins} for g, ins in (("XOR", [1, 3]), ("XOR", [2, 3]), ("OR", [0, 1]), ("AND", [0, 1]))],
        labels=list("PQRS"),
    )
    for i in range(16):
        state = tuple((i >> b) & 1 for b in range(4))
        try:
            (t0, k0, p0), (t1, k1, p1) = (_analysis(pqrs, state, f) for f in ("iit4_2023", s1))
        except iitcore.StateUnreachableError:
            continue
        label = f"PQRS {''.join(map(str, state))}"
        print(f"{label:<36}{t0:>11.3f}{t1:>9.3f}{t1 / t0:>12.2f}  {f'{k0} / {k1}':<10}  "
              f"{f'{p0:.3f} -> {p1:.3f}' if abs(p0 - p1) > 1e-9 else f'{p0:.3f}'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="main", help="git revision to compare with (default main)")
    parser.add_argument("--max-n", type=int, default=9, help="largest dense system (default 9)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.worker:
        worker(args.max_n)
        return
    sys.path.insert(0, str(REPO))
    before_after(args.baseline, args.max_n, args.rounds)
    s1_cost()


if __name__ == "__main__":
    main()
