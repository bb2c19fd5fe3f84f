"""Invariants of the pipeline: its store equals a plain loop of iitcore.complexes / phi_structure,
state by state, and parallel (Dask) equals sequential (in-process executor)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import iitcore
from pipelines.config import load_config
from pipelines.executor import LocalExecutor
from pipelines.stages.generate import generate_study
from pipelines.store import Store
from pipelines.study import run_study

RESULT_TABLES = ("systems", "states", "candidates", "work_units", "complexes", "structures", "distinctions", "comparisons")
STUDY = """\
study: invariants
store: unused.zarr
families:
  - name: basic
    recipe: reference:pyphi_basic
    states: {select: all}
    implementations:
      - kind: copy
        params: {seed: 3}
  - name: pqrs
    recipe: pqrs
    states: {select: sampled, count: 5, seed: 1}
    implementations:
      - kind: unfolding
        params: {horizon: 2}
analysis:
  levels: [phi_s, complexes, phi_structure]
  structure_max_size: 4
execution:
  cluster: {kind: local, n_workers: 2, dashboard_address: "127.0.0.1:0"}
  batch_size: 7
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("invariants") / "invariants.yaml"
    p.write_text(STUDY)
    return p


@pytest.fixture(scope="module")
def sequential(config) -> Path:
    store = config.parent / "sequential.zarr"
    run_study(config, store, executor=LocalExecutor(), bar=False)
    return store


def test_store_equals_a_plain_loop_of_iitcore(config, sequential):
    cfg = load_config(config)
    gen = generate_study(cfg)
    substrates = {s.id: s.substrate for s in gen.systems}
    store = Store.open(sequential, mode="r")
    cx, st, states = store.table("complexes"), store.table("structures"), store.table("states")
    assert states.sizes["state"] == len(gen.states) > 10
    n_structures = 0
    for i, s in enumerate(gen.states):
        assert str(states["state_bits"].values[i]) == "".join(map(str, s.state))
        try:
            expected = list(iitcore.complexes(substrates[s.system], s.state, compat=cfg.analysis.compat))
        except iitcore.StateUnreachableError:
            expected = []  # the pipeline plans no candidate for an unreachable state
        rows = np.flatnonzero(cx["state_index"].values == i)
        stored = sorted((tuple(json.loads(str(cx["units"].values[k]))), float(cx["phi"].values[k]), int(k)) for k in rows)
        assert [u for u, _, _ in stored] == sorted(c.units for c in expected)
        by_units = {c.units: c for c in expected}
        for units, phi, k in stored:
            assert phi == pytest.approx(by_units[units].phi, abs=1e-12)
            if len(units) <= cfg.analysis.structure_max_size:
                ps = iitcore.phi_structure(substrates[s.system], s.state, units=units, compat=cfg.analysis.compat)
                assert bool(st["computed"].values[k])
                assert float(st["big_phi"].values[k]) == pytest.approx(ps.big_phi, abs=1e-12)
                assert int(st["n_distinctions"].values[k]) == len(ps.distinctions)
                assert int(st["n_relations"].values[k]) == ps.n_relations
                n_structures += 1
        assert float(cx["max_phi"].values[i]) == pytest.approx(max((c.phi for c in expected), default=0.0), abs=1e-12)
    assert n_structures > 0 and cx.sizes["complex"] > 0


def test_parallel_equals_sequential(config, sequential):
    parallel = config.parent / "parallel.zarr"
    summary = run_study(config, parallel, bar=False)  # Dask, 2 worker processes
    assert summary.computed_units == summary.work_units > 3
    for name in RESULT_TABLES:
        a = Store.open(sequential, mode="r").table(name)
        b = Store.open(parallel, mode="r").table(name)
        xr.testing.assert_identical(a, b)
