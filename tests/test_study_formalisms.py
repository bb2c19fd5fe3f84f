"""Studies under several formalisms: config, one store holding a sensitivity panel, provenance, hash, report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import iitcore
from pipelines.config import ConfigError, load_config, study_hash
from pipelines.executor import LocalExecutor
from pipelines.report import write_report
from pipelines.stages.generate import generate_study
from pipelines.store import Store, StoreError
from pipelines.study import run_study

PANEL = ["iit4_2023", "iit4_2023[tie_rule=s1]", "iit4_2026-paper"]
STUDY = """\
study: panel
store: unused.zarr
families:
  - name: noisy
    recipe: pqrs
    params: {noise: 0.1}
    states: {select: given, values: [[1, 0, 0, 0], [1, 1, 0, 0]]}
    implementations:
      - kind: copy
        params: {seed: 2}
  - name: basic
    recipe: reference:pyphi_basic
    states: {select: all}
analysis:
  levels: [phi_s, complexes, phi_structure]
  ANALYSIS
execution:
  cluster: {kind: local, n_workers: 1, dashboard_address: "127.0.0.1:0"}
  batch_size: 20
"""
RESULT_TABLES = ("states", "candidates", "complexes", "structures", "distinctions", "comparisons")


def write(tmp_path: Path, analysis: str, name: str = "study.yaml") -> Path:
    p = tmp_path / name
    p.write_text(STUDY.replace("ANALYSIS", analysis))
    return p


@pytest.fixture(scope="module")
def panel(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("panel")
    cfg = write(tmp, "formalisms: [iit4_2023, {preset: iit4_2023, tie_rule: s1}, iit4_2026-paper]")
    store = tmp / "panel.zarr"
    run_study(cfg, store, executor=LocalExecutor(), bar=False)
    return cfg, store


def test_config_forms(tmp_path):
    one = load_config(write(tmp_path, "formalism: iit4_2026"))
    assert [f.label for f in one.analysis.formalism_values()] == ["iit4_2026"]
    mapping = load_config(write(tmp_path, "formalism: {preset: iit4_2026-paper, tie_rule: s1}"))
    assert mapping.analysis.formalism_values() == (iitcore.formalism("iit4_2026-paper", tie_rule="s1"),)
    default = load_config(write(tmp_path, "max_size: 4"))
    assert default.analysis.formalism_values() == (iitcore.formalism("iit4_2023"),)
    panel = load_config(write(tmp_path, "formalisms: [iit4_2023, 'iit4_2023[tie_rule=s1]', iit4_2026-paper]"))
    assert [f.label for f in panel.analysis.formalism_values()] == PANEL


@pytest.mark.parametrize("analysis, message", [
    ("formalism: iit5", "key 'analysis.formalism': Value error, unknown formalism 'iit5'; presets: iit4_2023"),
    ("formalism: {tie_rule: s1}", "key 'analysis.formalism': Value error, a formalism mapping needs 'preset'"),
    ("formalism: {preset: iit4_2023, cap: x}", "unknown formalism field 'cap'"),
    ("formalisms: [iit4_2023, {preset: iit4_2023, ii_cap: both}]",
     "key 'analysis.formalisms': Value error, entry 1: formalism field 'ii_cap' must be one of"),
    ("formalisms: [iit4_2026, {preset: iit4_2023, ii_cap: current_state}]",
     "entry 1 (iit4_2023[ii_cap=current_state]) makes the same choices as iit4_2026"),
    ("formalisms: []", "key 'analysis.formalisms'"),
    ("formalism: iit4_2023\n  formalisms: [iit4_2026]", "give either formalism or formalisms, not both"),
    ("compat: iit4_2023", "key 'analysis.compat': unknown key"),
])
def test_config_errors_name_the_key(tmp_path, analysis, message):
    p = write(tmp_path, analysis)
    with pytest.raises(ConfigError) as info:
        load_config(p)
    assert message in str(info.value) and str(p) in str(info.value)


def test_study_hash_covers_the_formalisms(tmp_path):
    default = study_hash(load_config(write(tmp_path, "max_size: 6", "a.yaml")))
    named = study_hash(load_config(write(tmp_path, "max_size: 6\n  formalism: iit4_2023", "b.yaml")))
    assert default == named  # the same formalism, said or not
    assert study_hash(load_config(write(tmp_path, "max_size: 6\n  formalism: iit4_2026", "c.yaml"))) != default
    panel = study_hash(load_config(write(tmp_path, "max_size: 6\n  formalisms: [iit4_2023, iit4_2026]", "d.yaml")))
    swapped = study_hash(load_config(write(tmp_path, "max_size: 6\n  formalisms: [iit4_2026, iit4_2023]", "e.yaml")))
    assert len({default, panel, swapped}) == 3


def test_every_result_table_has_the_formalism_coordinate(panel):
    _, path = panel
    store = Store.open(path, mode="r")
    for name in RESULT_TABLES:
        table = store.table(name)
        assert "formalism" in table.coords, name
        assert list(dict.fromkeys(str(x) for x in table["formalism"].values)) == PANEL, name
    states = store.table("states")
    n = states.sizes["state"] // 3
    for k in range(3):  # the same states under each formalism, formalisms outermost
        block = states.isel(state=slice(k * n, (k + 1) * n))
        assert set(str(x) for x in block["formalism"].values) == {PANEL[k]}
        assert list(block["state_bits"].values) == list(states["state_bits"].values[:n])


def test_panel_equals_iitcore_per_formalism(panel):
    """Every stored candidate and complex equals a direct iitcore call under its row's formalism."""
    cfg_path, path = panel
    cfg = load_config(cfg_path)
    gen = generate_study(cfg)
    formalisms = {f.label: f for f in cfg.analysis.formalism_values()}
    subs = {s.id: s.substrate for s in gen.systems}
    store = Store.open(path, mode="r")
    cand, cx = store.table("candidates"), store.table("complexes")
    for i, s in enumerate(gen.states):
        f = formalisms[s.formalism]
        rows = np.flatnonzero(cand["state_index"].values == i)
        assert all(str(cand["formalism"].values[r]) == s.formalism for r in rows)
        units = [tuple(json.loads(str(cand["units"].values[r]))) for r in rows]
        for r, res in zip(rows, iitcore.evaluate_candidates(subs[s.system], s.state, units, formalism=f)):
            assert float(cand["phi"].values[r]) == pytest.approx(res.phi, abs=1e-12)
            if f.ii_cap != "none" and res.cause_state is not None:
                assert float(cand["cause_i_diff"].values[r]) == pytest.approx(res.cause_state.i_diff, abs=1e-12)
            else:
                assert np.isnan(cand["cause_i_diff"].values[r])
        try:
            expected = sorted(c.units for c in iitcore.complexes(subs[s.system], s.state, formalism=f))
        except iitcore.StateUnreachableError:
            expected = []  # the pipeline plans no candidate for an unreachable state
        stored = sorted(tuple(json.loads(str(cx["units"].values[k]))) for k in np.flatnonzero(cx["state_index"].values == i))
        assert stored == expected


def test_the_2026_rows_never_exceed_the_2023_rows(panel):
    _, path = panel
    cand = Store.open(path, mode="r").table("candidates")
    labels = cand["formalism"].values
    old = cand["phi"].values[labels == "iit4_2023"]
    new = cand["phi"].values[labels == "iit4_2026-paper"]
    reachable = ~np.isnan(old)
    assert len(old) == len(new) and reachable.any()
    assert np.all(new[reachable] <= old[reachable] + 1e-12) and np.any(new[reachable] < old[reachable] - 1e-6)


def test_provenance_records_every_formalism(panel):
    _, path = panel
    prov = Store.open(path, mode="r").provenance
    assert [f["label"] for f in prov["formalisms"]] == PANEL
    assert prov["formalisms"][1] == iitcore.formalism("iit4_2023", tie_rule="s1").to_dict()
    assert all(iitcore.Formalism.from_dict(d).label == d["label"] for d in prov["formalisms"])


def test_report_under_each_formalism(panel, tmp_path):
    _, path = panel
    store = Store.open(path, mode="r")
    first = write_report(store, tmp_path / "first")
    assert "Formalism: `iit4_2023`" in first.read_text() and "--formalism LABEL" in first.read_text()
    paper = write_report(store, tmp_path / "paper", formalism="iit4_2026-paper")
    assert "Formalism: `iit4_2026-paper`" in paper.read_text()
    assert (tmp_path / "paper" / "tables" / "pairs.csv").read_text().count("\n") == 3  # header + 2 pairs
    with pytest.raises(StoreError, match="no formalism 'iit5' in the store; it holds iit4_2023"):
        write_report(store, tmp_path / "none", formalism="iit5")
