"""Benchmark: all complexes (plan, evaluate, exclude).

Run: ``python benchmarks/bench_complexes.py`` (add ``--slow-baseline`` to run
the baseline planner on the 5-unit target's computer too, ~4 min a state;
``--flagship`` to time ``iitstudies run configs/computer-vs-target.yaml``).
Prints (1) every reference network with n <= 6 against PyPhi's recorded
``timings_s["complexes"]`` (compat "pyphi-feature-iit4", goal >= 50x in
total), (2) a dense random 10-unit network (1,023 candidates, goal < 2
minutes), (3) planning for 500-unit sparse substrates (in-degree <= 3, goal:
seconds), (4) planning and evaluation per state of the computers of 3- to
6-unit targets, every phase of one cycle, beside the baseline planner
(``--baseline REV``, default the commit before the branch-and-reduce
planner: its ``iitcore`` is extracted with ``git archive`` and run in a
subprocess in the same benchmark run), (5) noisy computers (flip noise 0.01
and 0.1) of a 4-unit target, (6) cache hit rates, (7) the paper's ring
computer, (8) the flagship end to end. Columns of (1)-(3): candidates
planned / pruned records / evaluated. One core: BLAS threads pinned to 1.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if os.environ.get("BENCH_BASELINE_WORKER") is None:
    sys.path.insert(0, str(ROOT))

import iitcore  # noqa: E402
from pipelines.families import KINDS, implement, make_target  # noqa: E402

FEAT = "pyphi-feature-iit4"
BASELINE = "3863149"  # the last commit with the enumerating planner


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


TARGET_STATES = {3: 4, 4: 4, 5: 2, 6: 2}  # target states whose whole cycle (16 phases) is planned


def computer_states(n: int, seed: int = 1, noise: float = 0.0) -> tuple[iitcore.Substrate, list[tuple[int, ...]]]:
    """The computer of a random n-unit target (k = 2) and its states over the cycles of the first
    ``TARGET_STATES[n]`` target states, in order (as a study visits them).

    ``noise``: flip noise on every unit (each table p becomes noise + (1 - 2 noise) p), same states."""
    impl = implement(make_target("random", {"n": n, "k": 2, "self_loops": False}, seed), "computer")
    sub = impl.substrate
    if noise:
        sub = iitcore.Substrate(sub.inputs, tuple(noise + (1 - 2 * noise) * t for t in sub.tables), sub.labels)
    states = []
    for s in range(TARGET_STATES[n]):
        states += impl.phase_states(tuple((s >> i) & 1 for i in range(n)))
    return sub, states


def plan_times(n: int, limit: int | None = None) -> dict[str, object]:
    """Plan the first ``limit`` (default all) states of :func:`computer_states` (with whatever ``iitcore`` is
    imported): seconds and candidates."""
    sub, states = computer_states(n)
    seconds, candidates = [], []
    for st in states[:limit]:
        t0 = time.perf_counter()
        plan = iitcore.plan_candidates(sub, st)
        seconds.append(time.perf_counter() - t0)
        candidates.append([list(c) for c in plan.candidates])
    return {"seconds": seconds, "candidates": candidates}


def baseline_plan_times(rev: str, sizes: list[str]) -> dict[int, dict[str, object]]:
    """:func:`plan_times` with ``iitcore`` as of ``rev`` (``git archive`` into a temporary directory, a subprocess).

    ``sizes``: "n" (every state) or "n:limit" (the first ``limit`` states)."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "iitcore"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        env = {**os.environ, "BENCH_BASELINE_WORKER": "1", "PYTHONPATH": os.pathsep.join([tmp, str(ROOT)])}
        out = subprocess.run([sys.executable, __file__, "--worker", ",".join(map(str, sizes))], env=env, check=True,
                             capture_output=True, text=True).stdout
    return {int(k): v for k, v in json.loads(out).items()}


def computers(args: argparse.Namespace) -> None:
    from iitcore.cache import cache_info, caching, clear_caches

    print("4. Computers of n-unit targets: every phase (16) of the first 4 (n <= 4) or 2 target states; seconds per state")
    print("   no cache: caching(False); cached: caches cleared, then the states in order (as a study plans them)")
    print(f"{'computer':<10}{'units':>6}{'states':>7}{'baseline':>10}{'no cache':>10}{'cached':>9}{'ratio':>13}{'same':>6}"
          f"{'cands':>10}{'largest':>8}{'eval s':>9}{'eval cands/s':>13}")
    slow = ["3", "4"] + (["5:1"] if args.slow_baseline else [])
    base = baseline_plan_times(args.baseline, slow)
    clear_caches()
    for n in (3, 4, 5, 6):
        sub, states = computer_states(n)
        t0 = time.perf_counter()
        with caching(False):
            plain = [iitcore.plan_candidates(sub, st) for st in states]
        t_plain = (time.perf_counter() - t0) / len(states)
        clear_caches()
        t0 = time.perf_counter()
        plans = [iitcore.plan_candidates(sub, st) for st in states]
        t_cached = (time.perf_counter() - t0) / len(states)
        assert [p.to_dict() for p in plans] == [p.to_dict() for p in plain]
        step = len(states) // 4  # evaluate 4 phases
        t0 = time.perf_counter()
        count = 0
        for st, plan in zip(states[::step], plans[::step]):
            iitcore.evaluate_candidates(sub, st, plan.candidates)
            count += len(plan.candidates)
        t_eval = time.perf_counter() - t0
        sizes = [len(p.candidates) for p in plans]
        largest = max(len(c) for p in plans for c in p.candidates)
        if n in base:
            t_base = sum(base[n]["seconds"]) / len(base[n]["seconds"])
            same = base[n]["candidates"] == [[list(c) for c in p.candidates] for p in plans[: len(base[n]["candidates"])]]
            ratio = f"{t_base / t_plain:.0f}x / {t_base / t_cached:.0f}x"
            cols = f"{t_base:>10.3f}{t_plain:>10.4f}{t_cached:>9.4f}{ratio:>13}{str(same):>6}"
        else:
            cols = f"{'-':>10}{t_plain:>10.4f}{t_cached:>9.4f}{'-':>13}{'-':>6}"
        print(f"{f'n={n}':<10}{sub.n:>6}{len(states):>7}{cols}{f'{min(sizes)}-{max(sizes)}':>10}{largest:>8}"
              f"{t_eval / len(states[::step]):>9.3f}{count / t_eval:>13.0f}")
    print("   baseline: planner at", args.baseline, "(n=5 only with --slow-baseline, first state; 200-255 s a state)\n")

    print("5. Noisy computers of a 4-unit target (flip noise on every unit), exact; 64 states (4 cycles), per state")
    print(f"{'noise':<14}{'units':>6}{'plan s':>10}{'eval s':>9}{'cands':>8}{'largest':>8}{'phi>0':>7}  complete / bound")
    for noise in (0.01, 0.1):
        sub, states = computer_states(4, noise=noise)
        t_plan = t_eval = 0.0
        counts, largest, positive, complete = [], 0, [], True
        for st in states:
            t0 = time.perf_counter()
            plan = iitcore.plan_candidates(sub, st)
            t1 = time.perf_counter()
            out = iitcore.evaluate_candidates(sub, st, plan.candidates)
            t_eval += time.perf_counter() - t1
            t_plan += t1 - t0
            counts.append(len(plan.candidates))
            largest = max([largest] + [len(c) for c in plan.candidates])
            positive.append(sum(1 for e in out if getattr(e, "phi", 0.0) > 0.0))
            complete &= plan.complete
        print(f"{noise:<14}{sub.n:>6}{t_plan / len(states):>10.4f}{t_eval / len(states):>9.3f}"
              f"{f'{min(counts)}-{max(counts)}':>8}{largest:>8}{f'{min(positive)}-{max(positive)}':>7}  "
              f"complete={complete} (no bound: max_size None, elimination width <= 20)")
    print()

    print("6. Cache hit rates (the cached pass of n=6 in section 4, then section 5)")
    for name, info in cache_info().items():
        print(f"   {name:<90} hits {info['hits']:>7}  misses {info['misses']:>6}  hit rate {info['hit_rate']:.3f}")
    print()

    print("7. The paper's ring computer (PQRS program) at its loaded state: all embedded complexes, goal < 10 s")
    if "ring_computer" not in KINDS:
        print("   postponed: the ring computer (issue 13) is not on this branch\n")
    else:
        impl = implement(make_target("pqrs", {}, 0), "ring_computer")
        state = impl.encode((1, 0, 0, 0))
        t0 = time.perf_counter()
        res = iitcore.complexes(impl.substrate, state)
        print(f"   {impl.substrate.n} units: {len(res.plan.candidates)} candidates, {len(res)} complexes, "
              f"complete={res.complete}, {time.perf_counter() - t0:.2f} s (baseline: 3-5 min a state)\n")

    print("8. Flagship end to end (iitstudies run configs/computer-vs-target.yaml)")
    if not args.flagship:
        print("   not run (add --flagship; baseline measured 22.5 min on 2 workers, planning 8-14 min of it)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        config = (ROOT / "configs" / "computer-vs-target.yaml").read_text().replace(
            "store: studies/computer-vs-target.zarr", f"store: {tmp}/flagship.zarr")
        (Path(tmp) / "flagship.yaml").write_text(config)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "flows", "run", str(Path(tmp) / "flagship.yaml")], cwd=ROOT, check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        print(f"   {time.perf_counter() - t0:.0f} s end to end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the baseline planner")
    parser.add_argument("--slow-baseline", action="store_true",
                        help="also run the baseline on one state of the 5-unit target's computer (~4 min)")
    parser.add_argument("--flagship", action="store_true", help="time the flagship study end to end")
    parser.add_argument("--only-computers", action="store_true", help="sections 4-8 only")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.worker:
        sizes = [item.split(":") for item in args.worker.split(",")]
        print(json.dumps({int(x[0]): plan_times(int(x[0]), int(x[1]) if len(x) > 1 else None) for x in sizes}))
        return
    if not args.only_computers:
        reference_and_sparse()
    computers(args)


def reference_and_sparse() -> None:
    from tests.reference import close, networks, substrate
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
        res = iitcore.complexes(sub, net["state"], compat=FEAT)
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
    print(f"{'substrate':<40}{'n':>4}{'plan s':>9}{'plan':>7}{'pruned':>7}{'checked':>8}{'max':>5}  components (largest)")
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
            f"{plan.counts['enumerated']:>8}{max_size:>5}  {len(sizes)} ({sizes[0]}), complete={plan.complete}"
        )


if __name__ == "__main__":
    main()
