"""Pipeline throughput: candidates/s on 1 and 2 Dask workers (LocalCluster, and Slurm) versus calling
iitcore in a loop; what limits 1 -> 2 worker scaling; and the resume of a finished study.

    python benchmarks/bench_pipeline.py [--batch-size 200] [--no-slurm] [--no-resume]

Runs a study of about 10,800 small candidates (reference networks of 5 and 6
units in every state, with relabelled copies) through ``run_study`` with the
in-process executor and with Dask on 1 and 2 workers, timing its candidates
stage (batches streamed into a Zarr store) through run_study's ``stage`` hook,
and prints a table: wall time, candidates/s, overhead per candidate against the
direct loop, and 1 -> 2 worker scaling.

Scaling, load or overhead: the Dask task stream gives the share of worker time
in the candidates stage spent in tasks (busy; the rest is the pipeline's
overhead: scatter, scheduling, the single writer), and the workers' CPU clocks
the CPU they got per worker-second (cpu; below busy, tasks waited for a CPU:
the machine's load, shown as load average and CPU pressure). With a Slurm answering (``deploy/slurm/local-slurm.sh
up``), the same study runs on the packaged ``slurm`` profile (2 batch jobs).
Resume: the finished study again, with its stored plan and with the plan key
removed (what every resume did before plans were stored), per stage, and the
same through the CLI with and without Prefect.
"""

from __future__ import annotations

import argparse
import logging
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
RESUME_ROUNDS = 2

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
  cluster: {{kind: local, dashboard_address: "127.0.0.1:0"}}
  batch_size: {batch}
"""


def direct(cfg_path: Path) -> tuple[float, int]:
    """Seconds to evaluate every planned candidate with iitcore in one process (no pipeline)."""
    cfg = load_config(cfg_path)
    gen = generate_study(cfg)
    subs = {s.id: s.substrate for s in gen.systems}
    formalisms = {f.label: f for f in cfg.analysis.formalism_values()}
    plans = [(subs[s.system], s.state, formalisms[s.formalism],
              plan_state(subs[s.system], s.state, ["complexes"], None, formalisms[s.formalism])) for s in gen.states]
    start = time.perf_counter()
    for substrate, state, f, sp in plans:
        if sp.candidates:
            iitcore.evaluate_candidates(substrate, state, list(sp.candidates), formalism=f)
    return time.perf_counter() - start, sum(len(sp.candidates) for *_, sp in plans)


def timed_stages(
    times: dict[str, float], around_candidates: Callable[[str], None] | None = None
) -> Callable[[str, Callable[..., Any]], Callable[..., Any]]:
    """A ``stage`` hook for run_study that records each stage's seconds (and calls ``around_candidates``
    with "before" and "after" the candidates stage)."""

    def stage(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            if around_candidates is not None and name == "candidates":
                around_candidates("before")
            start = time.perf_counter()
            out = fn(*args)
            times[name] = time.perf_counter() - start
            if around_candidates is not None and name == "candidates":
                around_candidates("after")
            return out

        return call

    return stage


def pipeline(cfg_path: Path, executor: Executor, store: Path) -> tuple[float, int]:
    """Seconds of the candidates stage (batches through the executor, streaming writes to the store)."""
    times: dict[str, float] = {}
    summary = run_study(cfg_path, store, bar=False, stage=timed_stages(times), executor=executor)
    assert summary.computed_units == summary.work_units
    return times["candidates"], summary.candidates


def cpu_pressure() -> str:
    """The machine's load: 1-minute load average, and the share of the last 10 s some task waited for a CPU."""
    load = f"load {os.getloadavg()[0]:.1f}"
    try:
        some = Path("/proc/pressure/cpu").read_text().split()[1].split("=")[1]
    except (OSError, IndexError):
        return load
    return f"{load}, CPU pressure {float(some):.0f}%"


class DaskRun:
    """One study on a Dask cluster: worker start, and of its candidates stage the seconds, the share of
    worker time spent in tasks (busy) and the CPU the workers got per second of it (cpu)."""

    def __init__(self, cfg_path: Path, spec: ClusterSpec, workers: int, store: Path):
        self.load = cpu_pressure()
        start = time.perf_counter()
        with dask_executor(spec) as ex:
            ex.client.wait_for_workers(workers, timeout=300)
            self.start_s = time.perf_counter() - start
            cpu: dict[str, dict[str, float]] = {}
            times: dict[str, float] = {}
            hook = timed_stages(times, lambda when: cpu.__setitem__(when, ex.client.run(time.process_time)))
            with get_task_stream(ex.client) as stream:
                summary = run_study(cfg_path, store, bar=False, stage=hook, executor=ex)
        assert summary.computed_units == summary.work_units
        self.n, self.seconds = summary.candidates, times["candidates"]
        busy = sum(
            ss["stop"] - ss["start"]
            for t in stream.data if str(t["key"]).startswith("evaluate")
            for ss in t["startstops"] if ss["action"] == "compute"
        )
        self.busy = busy / (workers * self.seconds)
        self.cpu = sum(cpu["after"][w] - cpu["before"][w] for w in cpu["after"]) / (workers * self.seconds)


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
        summary = run_study(cfg_path, store, bar=False, stage=timed_stages(times), executor=ex)
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
    load_before = cpu_pressure()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cfg_path = work / "bench.yaml"
        cfg_path.write_text(STUDY.format(batch=args.batch_size))
        t0, n = direct(cfg_path)
        tl, _ = pipeline(cfg_path, LocalExecutor(), work / "local.zarr")
        runs: dict[int | str, DaskRun] = {w: DaskRun(cfg_path, LocalCluster(n_workers=w, dashboard_address="127.0.0.1:0"), w, work / f"w{w}.zarr")
                for w in (1, 2)}
        slurm = None if args.no_slurm else slurm_spec()
        if slurm is not None:
            slurm = slurm.model_copy(update={"log_directory": str(work / "slurm-logs")})
            runs["slurm"] = DaskRun(cfg_path, slurm, 2, work / "slurm.zarr")
        if not args.no_resume:
            rounds = [{stored: resume_split(cfg_path, work / "w2.zarr", stored) for stored in (True, False)}
                      for _ in range(RESUME_ROUNDS)]  # alternating, and the fastest of each, against the load's swings
            resumes = {stored: {k: min(r[stored][k] for r in rounds) for k in rounds[0][stored]} for stored in (True, False)}
            cli = {prefect: cli_resume(cfg_path, work / "w2.zarr", prefect) for prefect in (False, True)}
    t1, t2 = runs[1].seconds, runs[2].seconds
    print(f"\n{n} candidates in batches of {args.batch_size}; {os.cpu_count()} CPUs; {load_before} before, "
          f"{cpu_pressure()} after\n")
    print(f"{'run':<34}{'seconds':>10}{'candidates/s':>15}{'overhead ms/cand':>18}{'busy':>7}{'cpu':>7}"
          f"{'start s':>9}  load at start")
    print(row("iitcore loop (1 process)", t0, n, "-"))
    print(row("pipeline, in-process executor", tl, n, f"{(tl - t0) / n * 1e3:.3f}"))
    for key, r in runs.items():
        w = 2 if key == "slurm" else int(key)
        name = "pipeline, Slurm 2 jobs (slurm)" if key == "slurm" else f"pipeline, LocalCluster {w} worker{'s' * (w > 1)}"
        print(row(name, r.seconds, n, f"{(w * r.seconds - t0) / n * 1e3:.3f}")
              + f"{r.busy:>7.0%}{r.cpu:>7.2f}{r.start_s:>9.1f}  {r.load}")
    if "slurm" in runs:
        print(f"Slurm / LocalCluster, 2 workers: {t2 / runs['slurm'].seconds:.2f} x the candidates/s")
    else:
        print("(no Slurm row: no Slurm answers here; start one with deploy/slurm/local-slurm.sh up)")
    print(f"\nscaling efficiency 1 -> 2 workers: {t1 / (2 * t2):.0%}  (goal >= 85%); "
          f"CPU per worker {runs[1].cpu:.2f} -> {runs[2].cpu:.2f}, busy {runs[1].busy:.0%} -> {runs[2].busy:.0%}")
    print("busy: share of worker time in the candidates stage spent in tasks (the rest: scatter, scheduling, "
          "waiting for the single writer)")
    print("cpu: CPU seconds the workers got per worker-second of the stage (below busy: tasks waited for a CPU, "
          "i.e. the machine's load)")
    print("overhead counts worker-seconds: (workers x wall - loop) / candidates")
    if not args.no_resume:
        print(f"\nresume of the finished study (2 local workers, seconds; fastest of {RESUME_ROUNDS} alternating rounds):")
        stages = [k for k in resumes[True] if k != "total"]
        print(f"{'plan':<22}" + "".join(f"{k:>12}" for k in stages) + f"{'total':>10}")
        for stored, label in ((False, "re-planned (before)"), (True, "stored (after)")):
            t = resumes[stored]
            print(f"{label:<22}" + "".join(f"{t.get(k, 0.0):>12.2f}" for k in stages) + f"{t['total']:>10.2f}")
        print(f"iitstudies run (new process, stored plan): {cli[False]:.1f} s with --no-prefect, "
              f"{cli[True]:.1f} s with Prefect (temporary server): Prefect adds {cli[True] - cli[False]:.1f} s")


if __name__ == "__main__":
    main()
