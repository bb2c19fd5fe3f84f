"""Estimated run time of a study from measured per-item costs (no store, no cluster).

    python benchmarks/estimate_study.py configs/computer-vs-target.yaml [--sample 3] [--workers 2 16 64]

Generates the study's systems and analysed states exactly as a run does, groups
the analysed states by (implementation kind, target size, phase 0 or later),
times a random sample of each group in this process (plan, evaluate every
candidate, exclusion, Phi-structures of complexes up to ``structure_max_size``)
under every formalism of the config, and multiplies by the group sizes. The
wall time on W workers is the single-core total divided by W (the pipeline
scales at ~100% from 1 to 2 workers, ``bench_pipeline.py``) plus the
measured per-candidate overhead of 0.65 ms / W, and is never below the most
expensive single state. Print: per group count, s/item, total; then the totals.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

import iitcore
from pipelines.config import load_config
from pipelines.stages.generate import generate_study

OVERHEAD_PER_CANDIDATE = 0.65e-3  # seconds, bench_pipeline.py (pipeline vs plain loop)


def formalisms(cfg) -> list[iitcore.Formalism]:
    """The study's formalisms, in config order."""
    return list(cfg.analysis.formalism_values())


def cost(substrate: iitcore.Substrate, state: tuple[int, ...], formalism, max_size, structure_max: int) -> tuple[float, int]:
    """Seconds for one analysed state (complexes and their Phi-structures) and its candidate count."""
    start = time.perf_counter()
    try:
        found = iitcore.complexes(substrate, state, max_size, formalism=formalism)
    except iitcore.StateUnreachableError:  # planned, recorded, nothing evaluated
        return time.perf_counter() - start, 0
    for c in found:
        if len(c.units) <= structure_max:
            iitcore.phi_structure(substrate, state, c.units, formalism=formalism, sia_result=c.sia)
    return time.perf_counter() - start, len(found.plan.candidates)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", type=Path)
    ap.add_argument("--sample", type=int, default=3, help="states timed per group")
    ap.add_argument("--workers", type=int, nargs="+", default=[2, 16, 64])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    cfg = load_config(args.config)
    t0 = time.perf_counter()
    gen = generate_study(cfg, str(args.config))
    generate_s = time.perf_counter() - t0
    systems = {s.id: s for s in gen.systems}
    target_n = {s.id: s.substrate.n for s in gen.systems if s.kind == "target"}
    groups: dict[tuple[str, int, str], list] = defaultdict(list)
    for st in gen.states:
        s = systems[st.system]
        groups[(s.kind, target_n[s.target_id], "phase 0" if st.phase == 0 else "phases > 0")].append(st)
    rng = np.random.default_rng(args.seed)
    forms = formalisms(cfg)
    total = candidates = worst = 0.0
    print(f"generate (systems, verification, samplers): {generate_s:.1f} s")
    print(f"{'kind':<14}{'n':>3} {'phases':<11}{'states':>8}{'s/state':>10}{'cand/state':>11}{'total s':>11}")
    for key in sorted(groups):
        items = groups[key]
        pick = rng.choice(len(items), size=min(args.sample, len(items)), replace=False)
        secs, cands = [], []
        for i in pick:
            st = items[int(i)]
            for f in forms:
                s, c = cost(systems[st.system].substrate, st.state, f, cfg.analysis.max_size, cfg.analysis.structure_max_size)
                secs.append(s)
                cands.append(c)
        per_state = float(np.mean(secs)) * len(forms)
        worst = max(worst, max(secs))
        total += per_state * len(items)
        candidates += float(np.mean(cands)) * len(forms) * len(items)
        print(f"{key[0]:<14}{key[1]:>3} {key[2]:<11}{len(items):>8}{per_state:>10.3f}{np.mean(cands):>11.0f}"
              f"{per_state * len(items):>11.0f}")
    print(f"formalisms: {len(forms)}; analysed states: {len(gen.states)}; candidates ~{candidates:.0f}")
    print(f"single core: {total / 3600:.2f} h of analysis + {generate_s:.0f} s generation")
    for w in args.workers:
        wall = max(worst, (total + candidates * OVERHEAD_PER_CANDIDATE) / w) + generate_s
        print(f"{w:>4} workers: ~{wall / 3600:.2f} h")


if __name__ == "__main__":
    main()
