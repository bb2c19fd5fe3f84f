"""Pipeline throughput: candidates/s on 1 and 2 Dask workers versus calling iitcore in a loop.

    python benchmarks/bench_pipeline.py [--batch-size 200]

Runs a study of about 10,800 small candidates (reference networks of 5 and 6
units in every state, with relabelled copies) through ``run_study`` with the
in-process executor and with Dask on 1 and 2 workers, timing its candidates
stage (batches streamed into a Zarr store) through run_study's ``stage`` hook,
and prints a table: wall time, candidates/s, overhead per candidate against the
direct loop, and 1 -> 2 worker scaling.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import iitcore
from pipelines.config import LocalCluster, load_config
from pipelines.executor import Executor, LocalExecutor, dask_executor
from pipelines.stages.generate import generate_study
from pipelines.stages.plan import plan_state
from pipelines.study import run_study

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch-size", type=int, default=200)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cfg_path = work / "bench.yaml"
        cfg_path.write_text(STUDY.format(batch=args.batch_size))
        t0, n = direct(cfg_path)
        tl, _ = pipeline(cfg_path, LocalExecutor(), work / "local.zarr")
        runs = {}
        for workers in (1, 2):
            spec = LocalCluster(n_workers=workers, dashboard_address="127.0.0.1:0")
            with dask_executor(spec) as ex:
                runs[workers], _ = pipeline(cfg_path, ex, work / f"w{workers}.zarr")
    t1, t2 = runs[1], runs[2]
    print(f"\n{n} candidates in batches of {args.batch_size}\n")
    print(f"{'run':<30}{'seconds':>10}{'candidates/s':>15}{'overhead ms/cand':>18}")
    print(f"{'iitcore loop (1 process)':<30}{t0:>10.2f}{n / t0:>15.0f}{'-':>18}")
    print(f"{'pipeline, in-process executor':<30}{tl:>10.2f}{n / tl:>15.0f}{(tl - t0) / n * 1e3:>18.3f}")
    print(f"{'pipeline, Dask 1 worker':<30}{t1:>10.2f}{n / t1:>15.0f}{(t1 - t0) / n * 1e3:>18.3f}")
    print(f"{'pipeline, Dask 2 workers':<30}{t2:>10.2f}{n / t2:>15.0f}{(2 * t2 - t0) / n * 1e3:>18.3f}")
    print(f"\nscaling efficiency 1 -> 2 workers: {t1 / (2 * t2):.0%}  (goal >= 85%)")
    print("overhead on 2 workers counts worker-seconds: (2 x wall - loop) / candidates")


if __name__ == "__main__":
    main()
