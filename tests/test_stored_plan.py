"""Stored plans: a resume with the same config and code rebuilds the plan from the store instead of
planning; a changed planner key or stored rows that fail the plan's content hash make it plan again."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from flows.cli import main
from pipelines.config import load_config
from pipelines.executor import LocalExecutor
from pipelines.stages.generate import generate_study
from pipelines.stages.plan import plan_states
from pipelines.store import Store
from pipelines.study import run_study, status
from pipelines.work import Context

STUDY = """\
study: plans
store: unused.zarr
families:
  - name: basic
    recipe: reference:pyphi_basic
    states: {select: all}
    implementations:
      - kind: copy
        params: {seed: 1}
analysis:
  levels: [phi_s, complexes]
execution:
  batch_size: 5
"""


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("plans")
    cfg = d / "plans.yaml"
    cfg.write_text(STUDY)
    store = d / "plans.zarr"
    summary = run_study(cfg, store, executor=LocalExecutor(), bar=False)
    assert summary.plan == "planned" and summary.computed_units == summary.work_units > 2
    return cfg, store


def resume(cfg: Path, finished_store: Path, tmp_path: Path) -> tuple[Path, str]:
    """Resume a copy of the finished store; the copy and how the run got its plan."""
    store = tmp_path / "copy.zarr"
    if not store.exists():
        shutil.copytree(finished_store, store)
    summary = run_study(cfg, store, executor=LocalExecutor(), bar=False)
    assert summary.computed_units == 0
    return store, summary.plan


def test_a_resume_reuses_the_stored_plan_and_says_so(finished, tmp_path, caplog, capsys):
    cfg, finished_store = finished
    with caplog.at_level(logging.INFO, logger="iitstudies"):
        store, how = resume(cfg, finished_store, tmp_path)
    assert how == "stored"
    assert "planning skipped" in caplog.text and "planned " not in caplog.text
    assert [r["plan"] for r in status(store)["runs"]] == ["planned", "stored"]
    assert main(["status", str(store)]) == 0
    out = capsys.readouterr().out
    assert "a resume with this config and code skips planning" in out
    assert "1: started" in out and "reused the stored plan" in out


def test_the_stored_plan_is_the_plan_the_planner_makes(finished):
    cfg_path, store_path = finished
    cfg = load_config(cfg_path)
    gen = generate_study(cfg)
    ctx = Context({s.id: s.substrate for s in gen.systems}, tuple((s.system, s.state) for s in gen.states),
                  {f.label: f for f in cfg.analysis.formalism_values()}, tuple(s.formalism for s in gen.states))
    fresh = plan_states(LocalExecutor(), ctx, list(cfg.analysis.levels), cfg.analysis.max_size, cfg.execution.batch_size)
    stored = Store.open(store_path, mode="r").plan(cfg.execution.batch_size)
    assert stored.states == fresh.states and stored.row_units == fresh.row_units
    assert stored.units == fresh.units and np.array_equal(stored.row_state, fresh.row_state)


def test_new_planner_code_plans_again_then_stores_its_key(finished, tmp_path):
    cfg, finished_store = finished
    store = tmp_path / "copy.zarr"
    shutil.copytree(finished_store, store)
    key = Store.open(store).attrs["plan_key"]
    Store.open(store).set_attrs(plan_key="made-by-other-code")
    assert resume(cfg, finished_store, tmp_path)[1] == "planned"
    assert Store.open(store, mode="r").attrs["plan_key"] == key
    assert resume(cfg, finished_store, tmp_path)[1] == "stored"


def test_stored_rows_that_fail_the_content_hash_are_not_used(finished, tmp_path, caplog):
    cfg, finished_store = finished
    store = tmp_path / "copy.zarr"
    shutil.copytree(finished_store, store)
    units = Store.open(store).root["candidates/units"]
    units[0] = "[0]" if str(units[0]) != "[0]" else "[1]"
    with caplog.at_level(logging.WARNING, logger="iitstudies"):
        assert resume(cfg, finished_store, tmp_path)[1] == "planned"
    assert "does not match its content hash" in caplog.text
