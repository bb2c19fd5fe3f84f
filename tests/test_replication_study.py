"""Findlay et al. 2024 in a study: the ring computer and isolated candidates through the pipeline and report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import iitcore
from iitcore.isolated import isolated_phi_structure
from pipelines.config import ConfigError, load_config
from pipelines.executor import LocalExecutor
from pipelines.families import implement, make_target
from pipelines.report import write_report
from pipelines.report.frames import check_functional
from pipelines.stages.generate import generate_study
from pipelines.store import Store
from pipelines.study import run_study

ISOLATED = """\
study: ring-isolated
store: unused.zarr
families:
  - name: ring2
    recipe: random
    params: {n: 2, k: 2, self_loops: true}
    seeds: [3]
    states: {select: given, values: [[1, 0], [0, 1]]}
    implementations:
      - kind: ring_computer
analysis:
  levels: [phi_s, complexes, phi_structure]
  formalism: pyphi-feature-iit4
  candidates: isolated
  max_size: 4
  structure_max_size: 4
execution:
  batch_size: 50
"""

EMBEDDED = """\
study: findlay-targets
store: unused.zarr
families:
  - name: wxyz
    recipe: findlay2024:wxyz
    states: {select: given, values: [[1, 1, 0, 1], [0, 0, 0, 0]]}
    implementations:
      - kind: copy
        params: {seed: 2}
analysis:
  levels: [phi_s, complexes, phi_structure]
  formalism: pyphi-feature-iit4
execution:
  batch_size: 50
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def test_isolated_study_equals_iitcore_and_audits_the_ring_computer(tmp_path):
    config = write(tmp_path, "isolated", ISOLATED)
    store_path = tmp_path / "isolated.zarr"
    run_study(config, store_path, executor=LocalExecutor(), bar=False)
    cfg, store = load_config(config), Store.open(store_path, mode="r")
    gen = generate_study(cfg)
    substrates = {s.id: s.substrate for s in gen.systems}
    cx, structures = store.table("complexes"), store.table("structures")
    systems = store.table("systems")
    ring = next(s for s in gen.systems if s.kind == "ring_computer")
    assert int(systems["settle"].sel(system=ring.id)) == 3
    for i, s in enumerate(gen.states):
        expected = iitcore.complexes(substrates[s.system], s.state, 4, formalism=cfg.analysis.formalism_values()[0], candidates="isolated")
        rows = np.flatnonzero(cx["state_index"].values == i)
        stored = {tuple(json.loads(str(cx["units"].values[k]))): k for k in rows}
        assert sorted(stored) == sorted(c.units for c in expected) and stored
        for c in expected:
            k = stored[c.units]
            assert float(cx["phi"].values[k]) == pytest.approx(c.phi, abs=1e-12)
            ps = isolated_phi_structure(substrates[s.system], s.state, c.units, formalism=cfg.analysis.formalism_values()[0])
            assert float(structures["big_phi"].values[k]) == pytest.approx(ps.big_phi, abs=1e-12)
    ring_rows = [k for k in range(cx.sizes["complex"]) if str(cx["system"].values[k]) == ring.id]
    assert any(float(cx["phi"].values[k]) == pytest.approx(2.0) for k in ring_rows)  # the rings of 2 COPY units
    report = write_report(store, tmp_path / "report").read_text()
    assert "ring_computer" in report and "## Replication of Findlay et al. 2024" not in report
    audit = [line for line in report[report.index("## Functional equivalence"):].splitlines() if ring.id in line]
    assert audit and "| yes |" in audit[0]  # the audit re-check allows for the loaded state's settling


def test_functional_audit_of_a_transient_encoding():
    target = make_target("findlay2024:pqrs")
    ring = implement(target, "ring_computer")
    states = [tuple((c >> i) & 1 for i in range(4)) for c in range(16)]
    encodings = {s: ring.encode(s) for s in states}
    args = (target.substrate, ring.substrate, ring.target_units, ring.cycle_length, encodings)
    assert check_functional(*args, settle=ring.settle).equivalent is True
    unsettled = check_functional(*args)
    assert unsettled.equivalent is False and unsettled.counterexample.startswith("from target state")


def test_findlay_targets_in_a_study_get_the_replication_section(tmp_path):
    config = write(tmp_path, "embedded", EMBEDDED)
    store_path = tmp_path / "embedded.zarr"
    run_study(config, store_path, executor=LocalExecutor(), bar=False)
    report = write_report(Store.open(store_path, mode="r"), tmp_path / "report").read_text()
    section = report[report.index("## Replication of Findlay et al. 2024"):report.index("## Across families")]
    assert "`findlay2024:wxyz`" in section and "candidates `embedded`" in section
    assert "{W,Z} 0.4743 / 2.841; {Y} 0.2767 / 0.5534" in section  # the published showcase complexes
    assert "| 1101 |" in section and "copy: ratio" in section


def test_isolated_needs_gates(tmp_path):
    config = write(tmp_path, "bad", EMBEDDED.replace("  formalism: pyphi-feature-iit4", "  candidates: isolated"))
    with pytest.raises(ConfigError, match="analysis.candidates.*wxyz.*given only as tables"):
        generate_study(load_config(config), str(config))
