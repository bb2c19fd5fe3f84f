"""A whole study as an ordered list of stages over one loaded config and one open store.

:data:`STAGES` names each stage and the function that runs it on a
:class:`StudyRun`. :func:`run_study` runs them in order in plain Python; the
Prefect flow runs the same list with ``stage`` wrapping each into a Prefect task.
Work goes to an :class:`~pipelines.executor.Executor` (Dask, or in-process).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from pipelines import provenance
from pipelines.config import ClusterSpec, ExistingScheduler, StudyConfig, load_config, resolve_cluster, study_hash
from pipelines.executor import Executor, dask_executor
from pipelines.hashing import canonical_json, text_hash
from pipelines.report import write_report
from pipelines.schema import states_table, systems_table
from pipelines.stages.candidates import ComputeSummary, compute_candidates
from pipelines.stages.comparisons import compare_systems
from pipelines.stages.complexes import count_complexes, find_complexes
from pipelines.stages.generate import Generated, generate_study
from pipelines.stages.plan import plan_states
from pipelines.stages.structures import compute_structures
from pipelines.lock import StoreLock, read_owner
from pipelines.store import BASE_TABLES, Store, StoreError
from pipelines.work import AnalysedState, Context, Plan

log = logging.getLogger("iitstudies")
T = TypeVar("T")
# derived tables in the order they are made; each is made from the candidates and those before it
DERIVED_ORDER = ("complexes", "distinctions", "structures", "comparisons")
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


class StudyRun:
    """One run of a study: its inputs, and what each stage adds (a plain object, shared by the stages)."""

    def __init__(
        self, cfg: StudyConfig, config_path: Path, store_path: Path, executor: Executor,
        allow_config_change: bool = False, bar: bool | None = None,
    ):
        self.cfg = cfg
        self.config_path = config_path
        self.store_path = store_path
        self.executor = executor
        self.allow_config_change = allow_config_change
        self.bar = bar
        self.generated: Generated | None = None
        self.ctx: Context | None = None
        self.plan: Plan | None = None
        self.store: Store | None = None
        self.run_index = -1
        self.computed = ComputeSummary(0, 0, 0)
        self.comparisons = 0
        self.report: Path | None = None


def plan_hash(states: list[AnalysedState], plan: Plan) -> str:
    """Fingerprint of the layout: analysed states and candidate rows in order (as stores of format 1 record it)."""
    states_json = canonical_json([[s.system, list(s.state)] for s in states])
    return text_hash(states_json + canonical_json([list(u) for u in plan.row_units]), digits=16)


def open_or_create(run: StudyRun) -> Store:
    """Open the study's store, checking it holds this study; create it when absent."""
    assert run.generated is not None and run.plan is not None
    cfg, path, states = run.cfg, run.store_path, run.generated.states
    h = study_hash(cfg)
    fingerprint = plan_hash(states, run.plan)
    if path.exists():
        store = Store.open(path)
        attrs = store.attrs
        if attrs.get("study_hash") != h:
            if not run.allow_config_change:
                raise StoreError(
                    f"{path}: the store holds study '{attrs.get('study')}' (config hash {attrs.get('study_hash')}), "
                    f"but {run.config_path} describes study '{cfg.study}' (config hash {h}). Use another store "
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
            repair(store)
            return store
    systems = run.generated.systems
    prov = {
        "config": cfg.model_dump(mode="json"),
        "config_file": str(run.config_path),
        "study_hash": h,
        "seeds": {f.name: f.seed_list() for f in cfg.families},
        "code": provenance.code_version(),
        "packages": provenance.package_versions(),
        "host": provenance.host(),
        "created": provenance.now(),
        "verification_seconds": {s.id: s.verification.get("seconds") for s in systems if s.kind != "target"},
        "runs": [],
    }
    attrs = {"study": cfg.study, "study_hash": h, "plan_hash": fingerprint, "provenance": canonical_json(prov)}
    return Store.create(path, attrs, systems_table(systems), states_table(states, run.plan), run.plan)


def repair(store: Store) -> None:
    """Before a resume, read every chunk: recompute the work units whose rows are damaged and rebuild
    damaged derived tables (and the tables made from them); damage to the layout is an error."""
    found = store.integrity()
    if found.ok:
        return
    for d in found.damage:
        log.warning("%s: damaged: %s", store.path, d)
    layout = [d for d in found.damage if not d.units and d.table in BASE_TABLES]
    if layout:
        raise StoreError(
            f"{store.path}: the store's layout is damaged ({'; '.join(map(str, layout))}); it cannot be "
            "repaired in place: move the store away and run again"
        )
    derived = set(store.derived_tables())
    if found.damaged_units:
        log.warning("%s: recomputing work units %s", store.path, sorted(found.damaged_units))
        store.redo_units(found.damaged_units)
        stale = derived & set(DERIVED_ORDER)  # all made from the candidates
    else:
        first = min((DERIVED_ORDER.index(t) for t in found.damaged_tables if t in DERIVED_ORDER), default=None)
        stale = (found.damaged_tables | (set(DERIVED_ORDER[first:]) if first is not None else set())) & derived
    for table in sorted(stale):
        store.drop_table(table)


# ------------------------------------------------------------------ the stages, in order
def generate_stage(run: StudyRun) -> None:
    run.generated = gen = generate_study(run.cfg, str(run.config_path))
    run.ctx = Context(
        {s.id: s.substrate for s in gen.systems}, tuple((s.system, s.state) for s in gen.states), run.cfg.analysis.compat
    )


def plan_stage(run: StudyRun) -> None:
    a = run.cfg.analysis
    assert run.ctx is not None
    run.plan = plan_states(run.executor, run.ctx, list(a.levels), a.max_size, run.cfg.execution.batch_size)


def store_stage(run: StudyRun) -> None:
    run.store = store = open_or_create(run)
    prov = store.provenance
    prov["runs"].append({"started": provenance.now(), "finished": None, "host": provenance.host(),
                         **run.executor.describe()})
    store.set_provenance(prov)
    run.run_index = len(prov["runs"]) - 1


def candidates_stage(run: StudyRun) -> None:
    assert run.store is not None and run.plan is not None and run.ctx is not None
    run.computed = compute_candidates(run.executor, run.store, run.plan, run.ctx, run.run_index, run.bar)


def complexes_stage(run: StudyRun) -> None:
    assert run.store is not None and run.ctx is not None
    find_complexes(run.store, run.ctx)


def structures_stage(run: StudyRun) -> None:
    assert run.store is not None and run.ctx is not None
    compute_structures(run.executor, run.store, run.ctx, run.cfg)


def comparisons_stage(run: StudyRun) -> None:
    assert run.store is not None
    run.comparisons = compare_systems(run.store)
    prov = run.store.provenance
    prov["runs"][run.run_index].update(finished=provenance.now(), **asdict(run.computed))
    run.store.set_provenance(prov)


def report_stage(run: StudyRun) -> None:
    assert run.store is not None
    run.report = write_report(run.store)


STAGES: list[tuple[str, Callable[[StudyRun], None]]] = [
    ("generate", generate_stage),
    ("plan", plan_stage),
    ("store", store_stage),
    ("candidates", candidates_stage),
    ("complexes", complexes_stage),
    ("structures", structures_stage),
    ("comparisons", comparisons_stage),
    ("report", report_stage),
]


@contextlib.contextmanager
def _executor_for(spec: ClusterSpec, executor: Executor | None) -> Iterator[Executor]:
    if executor is not None:
        yield executor
        return
    with dask_executor(spec) as dask:
        log.info("Dask dashboard: %s", dask.client.dashboard_link)
        yield dask


def run_study(
    config_path: str | Path,
    store_path: str | Path | None = None,
    scheduler: str | None = None,
    allow_config_change: bool = False,
    bar: bool | None = None,
    stage: Stage = plain,
    executor: Executor | None = None,
    cfg: StudyConfig | None = None,
) -> StudySummary:
    """Run (or resume) the study a config file describes; returns what was done.

    ``cfg``: the config already loaded from ``config_path`` (it is read once).
    ``executor``: where work runs; by default a Dask cluster from the config
    (or ``scheduler``), started and stopped here.
    """
    cfg_path = Path(config_path)
    cfg = cfg if cfg is not None else load_config(cfg_path)
    path = Path(store_path if store_path is not None else cfg.store)
    spec = ExistingScheduler(kind="address", address=scheduler) if scheduler else resolve_cluster(cfg, cfg_path)
    with StoreLock(path), _executor_for(spec, executor) as ex:
        run = StudyRun(cfg, cfg_path, path, ex, allow_config_change, bar)
        for name, fn in STAGES:
            stage(name, fn)(run)
    assert run.generated is not None and run.plan is not None and run.store is not None
    return StudySummary(
        study=cfg.study, store=str(path), systems=len(run.generated.systems), states=len(run.generated.states),
        candidates=run.plan.n_rows, work_units=len(run.plan.units), computed_units=run.computed.computed_units,
        skipped_units=run.computed.skipped_units, complexes=count_complexes(run.store), comparisons=run.comparisons,
        report=str(run.report),
    )


def status(store_path: str | Path) -> dict[str, Any]:
    """What a store holds: work units and candidates done and left, derived tables, runs, damage, a run using it."""
    store = Store.open(store_path, mode="r")
    damage = [str(d) for d in store.integrity().damage]
    done = store.done()
    attrs = store.attrs
    wu = store.table("work_units")
    rows_done = int(((wu.stop - wu.start) * wu.done).sum())
    owner = read_owner(store_path)
    return {
        "study": attrs["study"],
        "store": str(store_path),
        "work_units_done": int(done.sum()),
        "work_units_total": int(done.size),
        "candidates_done": rows_done,
        "candidates_total": int(attrs["n_candidates"]),
        "tables": sorted(name for name, _ in store.root.groups()),
        "runs": store.provenance["runs"],
        "damage": damage,
        "in_use_by": owner.describe() if owner is not None and owner.alive() is not False else None,
        "complete": bool(done.all()) and store.has_table("comparisons") and not damage,
    }
