"""Pipeline throughput: candidates/s on 1 and 2 Dask workers (LocalCluster, and Slurm) versus calling
iitcore in a loop; what limits 1 -> 2 worker scaling; and the resume of a finished study.

    python benchmarks/bench_pipeline.py [--batch-size 200] [--no-slurm] [--no-resume]

Runs a study of about 10,800 small candidates (reference networks of 5 and 6
units in every state, with relabelled copies) through ``run_study`` with the
in-process executor and with Dask on 1 and 2 workers, timing its candidates
stage (batches streamed into a Zarr store) through run_study's ``stage`` hook,
and prints a table: wall time, candidates/s, overhead per candidate against the
direct loop, and 1 -> 2 worker scaling.

Scaling: two CPU-bound processes spun side by side with one alone give the
scaling the machine's load leaves to any 2-process job (the ceiling), and the
Dask task stream gives the share of the candidates stage the workers spent
computing (busy); idle worker time is the pipeline's overhead (scatter,
scheduling, the single writer). With a Slurm answering (``deploy/slurm/local-slurm.sh
up``), the same study runs on the packaged ``slurm`` profile (2 batch jobs).
Resume: the finished study again, with its stored plan and with the plan key
removed (what every resume did before plans were stored), per stage, and the
same through the CLI with and without Prefect.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from distributed import get_task_stream

import iitcore
from pipelines.config import ClusterSpec, LocalCluster, load_cluster_profile, load_config, packaged_profile
from pipelines.executor import Executor, LocalExecutor, dask_executor
from pipelines.stages.generate import generate_study
from pipelines.stages.plan import plan_state
from pipelines.store import Store
from pipelines.study import run_study

REPO = Path(__file__).resolve().parents[1]
SPIN_S = 3.0

STUDY = """\
study: bench
store: bench.zarr
families:
  - name: dense6
    recipe: reference:rand_dense_n6_s7600
    states: {{select: all}}
    implementations: [{{kind: copy, params: {{seed: 1}}}}]
  - name: dense5
    recipe: reference:rand_dense_n5_s7500
    states: {{select: all}}
    implementations: [{{kind: copy, params: {{seed: 1}}}}]
  - name: noisy6
    recipe: reference:rand_noisy_n6_s2601
    states: {{select: all}}
analysis:
  levels: [phi_s, complexes]
execution:
  batch_size: {batch}
"""


def direct(cfg_path: Path) -> tuple[float, int]:
    """Seconds to evaluate every planned candidate with iitcore in one process (no pipeline)."""
    cfg = load_config(cfg_path)
    gen = generate_study(cfg)
    subs = {s.id: s.substrate for s in gen.systems}
    plans = [(subs[s.system], s.state, plan_state(subs[s.system], s.state, ["complexes"], None)) for s in gen.states]
    start = time.perf_counter()
    for substrate, state, sp in plans:
        if sp.candidates:
            iitcore.evaluate_candidates(substrate, state, list(sp.candidates), compat=cfg.analysis.compat)
    return time.perf_counter() - start, sum(len(sp.candidates) for *_, sp in plans)


def timed_candidates(times: dict[str, float]) -> Callable[[str, Callable[..., Any]], Callable[..., Any]]:
    """A ``stage`` hook for run_study that records each stage's seconds."""

    def stage(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            start = time.perf_counter()
            out = fn(*args)
            times[name] = time.perf_counter() - start
            return out

        return call

    return stage


def pipeline(cfg_path: Path, executor: Executor, store: Path) -> tuple[float, int]:
    """Seconds of the candidates stage (batches through the executor, streaming writes to the store)."""
    times: dict[str, float] = {}
    summary = run_study(cfg_path, store, bar=False, stage=timed_candidates(times), executor=executor)
    assert summary.computed_units == summary.work_units
    return times["candidates"], summary.candidates


def _spin(seconds: float, out: Any) -> None:
    start, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        pass
    out.put(time.process_time() - cpu)


def cpu_share(processes: int) -> float:
    """CPUs that ``processes`` busy processes get together right now (1.0 = one full core)."""
    out = multiprocessing.get_context("spawn").Queue()
    procs = [multiprocessing.get_context("spawn").Process(target=_spin, args=(SPIN_S, out)) for _ in range(processes)]
    for p in procs:
        p.start()
    got = sum(out.get() for _ in procs)
    for p in procs:
        p.join()
    return got / SPIN_S


class DaskRun:
    """One study on a Dask cluster: worker start, candidates stage seconds and the workers' busy share."""

    def __init__(self, cfg_path: Path, spec: ClusterSpec, workers: int, store: Path):
        start = time.perf_counter()
        with dask_executor(spec) as ex:
            ex.client.wait_for_workers(workers, timeout=300)
            self.start_s = time.perf_counter() - start
            with get_task_stream(ex.client) as stream:
                self.seconds, self.n = pipeline(cfg_path, ex, store)
        busy = sum(
            ss["stop"] - ss["start"]
            for t in stream.data if str(t["key"]).startswith("evaluate")
            for ss in t["startstops"] if ss["action"] == "compute"
        )
        self.busy = busy / (workers * self.seconds)


def slurm_spec() -> ClusterSpec | None:
    """The packaged ``slurm`` profile when a Slurm answers here (``sinfo``), else None."""
    if shutil.which("sinfo") is None:
        return None
    try:
        if subprocess.run(["sinfo", "-h"], capture_output=True, timeout=30).returncode != 0:
            return None
    except subprocess.TimeoutExpired:
        return None
    return load_cluster_profile(packaged_profile("slurm"))


def resume_split(cfg_path: Path, store: Path, stored_plan: bool) -> dict[str, float]:
    """Seconds per stage (and in all) of resuming the finished study on 2 local workers, cluster start included."""
    if not stored_plan:
        Store.open(store).set_attrs(plan_key="")  # what a store looked like before plans were stored
    times: dict[str, float] = {}
    start = time.perf_counter()
    with dask_executor(LocalCluster(n_workers=2, dashboard_address="127.0.0.1:0")) as ex:
        times["cluster start"] = time.perf_counter() - start
        summary = run_study(cfg_path, store, bar=False, stage=timed_candidates(times), executor=ex)
    times["total"] = time.perf_counter() - start
    assert summary.computed_units == 0 and summary.plan == ("stored" if stored_plan else "planned")
    return times


def cli_resume(cfg_path: Path, store: Path, prefect: bool) -> float:
    """Seconds of ``iitstudies run`` resuming the finished study (a new process), with or without Prefect."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "flows", "run", str(cfg_path), "--store", str(store), "--no-progress"]
    start = time.perf_counter()
    subprocess.run(cmd + ([] if prefect else ["--no-prefect"]), env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def row(name: str, seconds: float, n: int, overhead: str) -> str:
    return f"{name:<34}{seconds:>10.2f}{n / seconds:>15.0f}{overhead:>18}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch-size", type=int, default=200)
    ap.add_argument("--no-slurm", action="store_true", help="skip the Slurm row")
    ap.add_argument("--no-resume", action="store_true", help="skip the resume rows")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cfg_path = work / "bench.yaml"
        cfg_path.write_text(STUDY.format(batch=args.batch_size).replace("execution:", "execution:\n  cluster: {kind: local, dashboard_address: '127.0.0.1:0'}"))
        share = {1: cpu_share(1), 2: cpu_share(2)}
        t0, n = direct(cfg_path)
        tl, _ = pipeline(cfg_path, LocalExecutor(), work / "local.zarr")
        runs = {w: DaskRun(cfg_path, LocalCluster(n_workers=w, dashboard_address="127.0.0.1:0"), w, work / f"w{w}.zarr")
                for w in (1, 2)}
        slurm = None if args.no_slurm else slurm_spec()
        on_slurm = DaskRun(cfg_path, slurm, 2, work / "slurm.zarr") if slurm is not None else None
        if not args.no_resume:
            resumes = {stored: resume_split(cfg_path, work / "w2.zarr", stored) for stored in (True, False)}
            cli = {prefect: cli_resume(cfg_path, work / "w2.zarr", prefect) for prefect in (False, True)}
        share_after = {1: cpu_share(1), 2: cpu_share(2)}
    load_after = os.getloadavg()
    t1, t2 = runs[1].seconds, runs[2].seconds
    print(f"\n{n} candidates in batches of {args.batch_size}; load average {load_before[0]:.1f} before, "
          f"{load_after[0]:.1f} after (1 min), {os.cpu_count()} CPUs\n")
    print(f"{'run':<34}{'seconds':>10}{'candidates/s':>15}{'overhead ms/cand':>18}{'busy':>7}{'start s':>9}")
    print(row("iitcore loop (1 process)", t0, n, "-"))
    print(row("pipeline, in-process executor", tl, n, f"{(tl - t0) / n * 1e3:.3f}"))
    for w, r in runs.items():
        print(row(f"pipeline, LocalCluster {w} worker{'s' if w > 1 else ''}", r.seconds, n,
                  f"{(w * r.seconds - t0) / n * 1e3:.3f}") + f"{r.busy:>7.0%}{r.start_s:>9.1f}")
    if on_slurm is not None:
        print(row("pipeline, Slurm 2 jobs (slurm)", on_slurm.seconds, n,
                  f"{(2 * on_slurm.seconds - t0) / n * 1e3:.3f}") + f"{on_slurm.busy:>7.0%}{on_slurm.start_s:>9.1f}")
        print(f"Slurm / LocalCluster, 2 workers: {t2 / on_slurm.seconds:.2f} x the candidates/s")
    else:
        print("(no Slurm row: no Slurm answers here; start one with deploy/slurm/local-slurm.sh up)")
    ceiling = [share[2] / (2 * share[1]), share_after[2] / (2 * share_after[1])]
    print(f"\nscaling efficiency 1 -> 2 workers: {t1 / (2 * t2):.0%}  (goal >= 85%)")
    print(f"ceiling the load leaves (2 spinning processes vs 1): {ceiling[0]:.0%} before, {ceiling[1]:.0%} after "
          f"(CPUs got: 1 process {share[1]:.2f}, 2 processes {share[2]:.2f} before)")
    print("busy: share of worker time in the candidates stage spent computing (the rest is pipeline overhead)")
    print("overhead counts worker-seconds: (workers x wall - loop) / candidates")
    if not args.no_resume:
        print("\nresume of the finished study (2 local workers, seconds):")
        stages = [k for k in resumes[True] if k != "total"]
        print(f"{'plan':<22}" + "".join(f"{k:>14}" for k in stages) + f"{'total':>10}")
        for stored, label in ((False, "re-planned (before)"), (True, "stored (after)")):
            t = resumes[stored]
            print(f"{label:<22}" + "".join(f"{t.get(k, 0.0):>14.2f}" for k in stages) + f"{t['total']:>10.2f}")
        print(f"iitstudies run (new process, stored plan): {cli[False]:.1f} s with --no-prefect, "
              f"{cli[True]:.1f} s with Prefect (temporary server): Prefect adds {cli[True] - cli[False]:.1f} s")


if __name__ == "__main__":
    main()
