"""A whole study, stage by stage: generate, verify, plan, compute, exclusion, structures, compare.

:func:`run_study` runs the stages in plain Python. The Prefect flow runs the
same function with ``stage`` wrapping each stage into a Prefect task.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from distributed import Client

from pipelines import derive, provenance
from pipelines.cluster import connect
from pipelines.columns import to_json
from pipelines.compute import Context
from pipelines.config import ClusterSpec, ExistingScheduler, StudyConfig, load_config, resolve_cluster, study_hash
from pipelines.execute import ComputeSummary, compute, plan_states
from pipelines.plan import Plan, pack
from pipelines.report import write_report
from pipelines.store import Store, StoreError
from pipelines.systems import AnalysedState, System, analysed_states, generate, verify
from pipelines.tables import states_table, systems_table

log = logging.getLogger("iitstudies")
T = TypeVar("T")
Stage = Callable[[str, Callable[..., T]], Callable[..., T]]


def plain(name: str, fn: Callable[..., T]) -> Callable[..., T]:
    """Run a stage as it is (no orchestration)."""
    return fn


@dataclass(frozen=True)
class StudySummary:
    study: str
    store: str
    systems: int
    states: int
    candidates: int
    work_units: int
    computed_units: int
    skipped_units: int
    complexes: int
    comparisons: int
    report: str


def plan_hash(states: list[AnalysedState], plan: Plan) -> str:
    """Fingerprint of the layout: analysed states and candidate rows in order."""
    blob = to_json([[s.system, list(s.state)] for s in states]) + to_json([list(u) for u in plan.row_units])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def open_or_create(
    path: Path, cfg: StudyConfig, config_path: Path, systems: list[System], states: list[AnalysedState],
    plan: Plan, allow_config_change: bool,
) -> Store:
    """Open the study's store, checking it holds this study; create it when absent."""
    h = study_hash(cfg)
    fingerprint = plan_hash(states, plan)
    if path.exists():
        store = Store.open(path)
        attrs = store.attrs
        if attrs.get("study_hash") != h:
            if not allow_config_change:
                raise StoreError(
                    f"{path}: the store holds study '{attrs.get('study')}' (config hash {attrs.get('study_hash')}), "
                    f"but {config_path} describes study '{cfg.study}' (config hash {h}). Use another store "
                    f"path, or pass --allow-config-change to discard the stored results and start again"
                )
            log.warning("config changed: discarding the results in %s", path)
            shutil.rmtree(path)
        elif attrs.get("plan_hash") != fingerprint:
            raise StoreError(
                f"{path}: the stored plan differs from the plan this code makes for the same config "
                f"(planner changed?); use a new store"
            )
        else:
            return store
    prov = {
        "config": cfg.model_dump(mode="json"),
        "config_file": str(config_path),
        "study_hash": h,
        "seeds": {f.name: f.seed_list() for f in cfg.families},
        "code": provenance.code_version(),
        "packages": provenance.package_versions(),
        "host": provenance.host(),
        "created": provenance.now(),
        "verification_seconds": {s.id: s.verification.get("seconds") for s in systems if s.kind != "target"},
        "runs": [],
    }
    attrs = {"study": cfg.study, "study_hash": h, "plan_hash": fingerprint, "provenance": to_json(prov)}
    return Store.create(path, attrs, systems_table(systems), states_table(states, plan), plan)


def begin_run(store: Store, client: Client, spec: ClusterSpec) -> int:
    prov = store.provenance
    prov["runs"].append(
        {"started": provenance.now(), "finished": None, "host": provenance.host(), "cluster": spec.kind,
         "dashboard": client.dashboard_link, "workers": len(client.scheduler_info().get("workers", {}))}
    )
    store.set_provenance(prov)
    return len(prov["runs"]) - 1


def end_run(store: Store, run: int, summary: ComputeSummary) -> None:
    prov = store.provenance
    prov["runs"][run].update(finished=provenance.now(), **asdict(summary))
    store.set_provenance(prov)


def run_study(
    config_path: str | Path,
    store_path: str | Path | None = None,
    scheduler: str | None = None,
    allow_config_change: bool = False,
    bar: bool | None = None,
    stage: Stage = plain,
) -> StudySummary:
    """Run (or resume) the study a config file describes; returns what was done."""
    cfg_path = Path(config_path)
    cfg = load_config(cfg_path)
    path = Path(store_path if store_path is not None else cfg.store)
    spec = ExistingScheduler(kind="address", address=scheduler) if scheduler else resolve_cluster(cfg, cfg_path)
    systems, targets, impls = stage("generate", generate)(cfg, str(cfg_path))
    stage("verify", verify)(systems)
    states = analysed_states(cfg, systems, targets, impls)
    ctx = Context({s.id: s.substrate for s in systems}, tuple((s.system, s.state) for s in states), cfg.analysis.compat)
    with connect(spec) as client:
        log.info("Dask dashboard: %s", client.dashboard_link)
        print(f"Dask dashboard: {client.dashboard_link}", flush=True)
        state_plans = stage("plan", plan_states)(client, ctx, list(cfg.analysis.levels), cfg.analysis.max_size)
        plan = pack(state_plans, cfg.execution.batch_size)
        store = open_or_create(path, cfg, cfg_path, systems, states, plan, allow_config_change)
        run = begin_run(store, client, spec)
        summary = stage("compute", compute)(client, store, plan, ctx, run, bar)
        stage("exclusion", derive.exclusion)(store, cfg, ctx)
        stage("structures", derive.structures)(client, store, ctx, cfg)
        end_run(store, run, summary)
    n_comparisons = stage("compare", derive.compare)(store)
    report_md = stage("report", write_report)(path)
    return StudySummary(
        study=cfg.study, store=str(path), systems=len(systems), states=len(states), candidates=plan.n_rows,
        work_units=len(plan.units), computed_units=summary.computed_units, skipped_units=summary.skipped_units,
        complexes=derive.count_complexes(store), comparisons=n_comparisons, report=str(report_md),
    )


def status(store_path: str | Path) -> dict[str, Any]:
    """What a store holds: work units and candidates done and left, derived tables, runs."""
    store = Store.open(store_path, mode="r")
    done = store.done()
    attrs = store.attrs
    wu = store.table("work_units")
    rows_done = int(((wu.stop - wu.start) * wu.done).sum())
    prov = store.provenance
    return {
        "study": attrs["study"],
        "store": str(store_path),
        "work_units_done": int(done.sum()),
        "work_units_total": int(done.size),
        "candidates_done": rows_done,
        "candidates_total": int(attrs["n_candidates"]),
        "tables": sorted(name for name, _ in store.root.groups()),
        "runs": prov["runs"],
        "complete": bool(done.all()) and store.has_table("comparisons"),
    }
