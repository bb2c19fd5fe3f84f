"""Pipeline throughput: candidates/s on 1 and 2 Dask workers versus calling iitcore in a loop.

    python benchmarks/bench_pipeline.py [--batch-size 200]

Runs the compute stage (Dask batches streamed into a Zarr store) of a study of
about 10,800 small candidates (reference networks of 5 and 6 units in every
state, with relabelled copies), and prints a table: wall time, candidates/s,
overhead per candidate against the direct loop, and 1 -> 2 worker scaling.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import iitcore
from pipelines.compute import Context
from pipelines.config import LocalCluster, load_config
from pipelines.cluster import connect
from pipelines.execute import compute, plan_states
from pipelines.plan import pack
from pipelines.study import begin_run, open_or_create
from pipelines.systems import analysed_states, generate

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


def direct(ctx: Context, plan) -> float:
    """Seconds to evaluate every planned candidate with iitcore in one process."""
    start = time.perf_counter()
    for i, sp in enumerate(plan.states):
        if sp.candidates:
            system, state = ctx.states[i]
            iitcore.evaluate_candidates(ctx.substrates[system], state, list(sp.candidates), formalism=ctx.compat)
    return time.perf_counter() - start


def pipeline(cfg_path: Path, workers: int, workdir: Path) -> tuple[float, int]:
    """Seconds of the compute stage (scatter, batches on Dask, streaming writes) on ``workers`` workers."""
    cfg = load_config(cfg_path)
    systems, targets, impls = generate(cfg)
    states = analysed_states(cfg, systems, targets, impls)
    ctx = Context({s.id: s.substrate for s in systems}, tuple((s.system, s.state) for s in states), cfg.analysis.compat)
    spec = LocalCluster(n_workers=workers, dashboard_address="127.0.0.1:0")
    with connect(spec) as client:
        plan = pack(plan_states(client, ctx, list(cfg.analysis.levels), None), cfg.execution.batch_size)
        store = open_or_create(workdir / f"w{workers}.zarr", cfg, cfg_path, systems, states, plan, False)
        run = begin_run(store, client, spec)
        start = time.perf_counter()
        summary = compute(client, store, plan, ctx, run, bar=False)
        elapsed = time.perf_counter() - start
    assert summary.computed_rows == plan.n_rows
    return elapsed, plan.n_rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch-size", type=int, default=200)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cfg_path = work / "bench.yaml"
        cfg_path.write_text(STUDY.format(batch=args.batch_size))
        cfg = load_config(cfg_path)
        systems, targets, impls = generate(cfg)
        states = analysed_states(cfg, systems, targets, impls)
        ctx = Context({s.id: s.substrate for s in systems}, tuple((s.system, s.state) for s in states), cfg.analysis.compat)
        from pipelines.plan import plan_state

        plan = pack([plan_state(ctx.substrates[s], st, ["complexes"], None) for s, st in ctx.states], args.batch_size)
        t0 = direct(ctx, plan)
        t1, n = pipeline(cfg_path, 1, work)
        t2, _ = pipeline(cfg_path, 2, work)
    print(f"\n{n} candidates in {len(plan.units)} batches of {args.batch_size}\n")
    print(f"{'run':<26}{'seconds':>10}{'candidates/s':>15}{'overhead ms/cand':>18}")
    print(f"{'iitcore loop (1 process)':<26}{t0:>10.2f}{n / t0:>15.0f}{'-':>18}")
    print(f"{'pipeline, 1 worker':<26}{t1:>10.2f}{n / t1:>15.0f}{(t1 - t0) / n * 1e3:>18.3f}")
    print(f"{'pipeline, 2 workers':<26}{t2:>10.2f}{n / t2:>15.0f}{(2 * t2 - t0) / n * 1e3:>18.3f}")
    print(f"\nscaling efficiency 1 -> 2 workers: {t1 / (2 * t2):.0%}  (goal >= 85%)")
    print("overhead on 2 workers counts worker-seconds: (2 x wall - loop) / candidates")


if __name__ == "__main__":
    main()
