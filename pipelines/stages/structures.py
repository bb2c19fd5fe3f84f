"""Stage ``structures``: Phi-structures of the complexes up to ``analysis.structure_max_size``."""

from __future__ import annotations

import logging

import iitcore
from pipelines.config import StudyConfig
from pipelines.executor import Executor
from pipelines.schema import decode_units, structure_tables
from pipelines.store import Store
from pipelines.work import Context

log = logging.getLogger("iitstudies")
STRUCTURES_PER_TASK = 50
Job = tuple[int, tuple[int, ...]]  # (analysed-state index, units)


def structure_batch(ctx: Context, jobs: list[Job]) -> list[iitcore.PhiStructure]:
    """Phi-structures of a batch of (analysed state, units) jobs."""
    out = []
    for index, units in jobs:
        substrate, state = ctx.substrate_of(index)
        out.append(iitcore.phi_structure(substrate, state, units=units, compat=ctx.compat))
    return out


def compute_structures(executor: Executor, store: Store, ctx: Context, cfg: StudyConfig) -> int:
    """Writes ``structures`` and ``distinctions`` (skipped when not asked for or already stored)."""
    if "phi_structure" not in cfg.analysis.levels or store.has_table("structures"):
        return 0
    cx = store.table("complexes")
    rows = [
        (k, (int(cx["state_index"].values[k]), decode_units(cx["units"].values[k])))
        for k in range(cx.sizes["complex"])
        if int(cx["size"].values[k]) <= cfg.analysis.structure_max_size
    ]
    batches = [rows[k : k + STRUCTURES_PER_TASK] for k in range(0, len(rows), STRUCTURES_PER_TASK)]
    log.info("computing %d Phi-structures in %d tasks", len(rows), len(batches))
    results = []
    for b, structures in executor.map(structure_batch, ctx, [[job for _, job in batch] for batch in batches], "phi-structures"):
        results.extend((k, ps) for (k, _), ps in zip(batches[b], structures))
    structures_ds, distinctions_ds = structure_tables(cx.sizes["complex"], sorted(results, key=lambda r: r[0]))
    store.write_table("distinctions", distinctions_ds)
    store.write_table("structures", structures_ds)
    return len(rows)
