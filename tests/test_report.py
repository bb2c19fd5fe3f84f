"""The study report on a tiny real study: rows and numbers, figures, exports, and the functional check."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
import xarray as xr
import zarr

from iitcore import Substrate
from pipelines.report.frames import check_functional
from pipelines.families import implement, make_target
from pipelines.families.simulate import all_states
from pipelines.report import write_report
from pipelines.store import Store, open_table
from pipelines.study import run_study

CONFIG = """
study: report-test
store: {store}
families:
  - name: pqrs
    recipe: pqrs
    states: {{select: given, values: [[1, 0, 0, 0], [0, 0, 1, 0]]}}
    implementations:
      - kind: copy
        params: {{seed: 1}}
      - kind: unfolding
        params: {{horizon: 2}}
  - name: pair
    recipe: random
    params: {{n: 2, k: 2, self_loops: true}}
    seeds: [1]
    states: {{select: all}}
    implementations:
      - kind: computer
      - kind: copy
        params: {{seed: 1}}
analysis:
  levels: [phi_s, complexes, phi_structure]
  structure_max_size: 4
  phases: all
execution:
  cluster: {{kind: local, n_workers: 1, dashboard_address: ":0"}}
  batch_size: 500
"""
FIGURES = ("phi_s_by_kind", "complexes_by_kind", "target_structure", "computer_wiring", "computer_phases")


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("report")
    store = tmp / "study.zarr"
    config = tmp / "study.yaml"
    config.write_text(CONFIG.format(store=store))
    run_study(config, bar=False)
    return store, write_report(Store.open(store, mode="r"), tmp / "report")


def _table(store: Path, name: str) -> xr.Dataset:
    return open_table(store, name).load()


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def test_pairs_match_the_store(study: tuple[Path, Path]) -> None:
    store, report = study
    sy, st, cx, sr = (_table(store, t) for t in ("systems", "states", "complexes", "structures"))
    pairs = pd.read_csv(report.parent / "tables" / "pairs.csv", dtype={"target_state": str})
    kinds = dict(zip(map(str, sy["system"].values), map(str, sy["kind"].values)))
    targets = dict(zip(map(str, sy["system"].values), map(str, sy["target"].values)))
    impls = [s for s, k in kinds.items() if k != "target"]
    showcase = next(targets[s] for s, k in kinds.items() if k == "computer")  # shown state by state
    encoded = {
        (str(s), str(ts)): i
        for i, (s, ts, ph) in enumerate(zip(st["system"].values, st["target_state"].values, st["phase"].values))
        if ph == 0
    }
    expected_rows = sum(1 for (s, _) in encoded if s in impls)
    assert len(pairs) == expected_rows == 2 * 2 + 2 * 4
    text = report.read_text()
    for impl in impls:
        for (s, ts), i in encoded.items():
            if s != impl:
                continue
            t_i = encoded[(targets[impl], ts)]
            rows = np.flatnonzero(cx["state_index"].values == i)
            row = pairs[(pairs["implementation"] == impl) & (pairs["target_state"] == ts)]
            assert len(row) == 1
            row = row.iloc[0]
            assert row["impl_n_complexes"] == len(rows)
            assert np.isclose(row["impl_max_phi_s"], cx["phi"].values[rows].max() if len(rows) else 0.0)
            assert np.isclose(row["impl_sum_Phi"], sr["big_phi"].values[rows].sum())
            t_rows = np.flatnonzero(cx["state_index"].values == t_i)
            assert np.isclose(row["target_phi_s"], cx["phi"].values[t_rows].max() if len(t_rows) else 0.0)
            assert np.isclose(row["target_Phi"], sr["big_phi"].values[t_rows].sum())
            assert bool(row["functionally_equivalent"])
            if kinds[impl] == "copy":
                assert bool(row["same_complexes"])
                if not row["phenomenally_equivalent"]:  # a relabelled copy must be identical: the report calls it a bug
                    assert f"{targets[impl]} in {ts}: same complexes yes" in text and "indicates a bug" in text
            if kinds[impl] == "unfolding":
                assert row["impl_n_complexes"] == 0 and not row["phenomenally_equivalent"]
            if targets[impl] == showcase:
                eq = "yes" if row["phenomenally_equivalent"] else "no"
                line = f"| {ts} | {kinds[impl]} | yes | {eq} | {row['target_complexes']} | {_fmt(row['target_phi_s'])} |"
                assert line in text
    # the PQRS target in 1000 is one complex of all four units, and so is its copy
    pqrs = pairs[(pairs["kind"] == "copy") & (pairs["target_state"] == "1000")].iloc[0]
    assert pqrs["target_complexes"] == "{P,Q,R,S}" and pqrs["matching_complexes"] == "1 of 1"
    # the audit re-checks PQRS 1000 (its successor 0010 was analysed) and every state of the 2-unit target
    audit = pd.read_csv(report.parent / "tables" / "functional_audit.csv")
    assert audit["audit_equivalent"].all()
    assert sorted(audit["audit_states"]) == [1, 1, 4, 4]


def test_report_sections_and_provenance(study: tuple[Path, Path]) -> None:
    store, report = study
    text = report.read_text()
    for heading in ("## Findings", "## Per target and implementation", "## Across families", "## Figures",
                    "## Functional equivalence", "## Completeness", "## Provenance"):
        assert heading in text
    prov = json.loads(zarr.open_group(str(store), mode="r").attrs["provenance"])
    assert f"`{prov['code']['git_commit']}`" in text and prov["created"] in text
    summary = pd.read_csv(report.parent / "tables" / "family_summary.csv")
    assert set(summary["kind"]) == {"target", "computer", "copy", "unfolding"}
    computer = summary[summary["kind"] == "computer"].iloc[0]
    assert computer["phenomenally_equivalent"] == "0/4" and computer["functionally_equivalent"] == "4/4"
    assert "config hash" in text and "git commit" in text and "Every candidate search was exhaustive" in text


@pytest.mark.parametrize("name", FIGURES)
def test_figures_exist_and_are_not_blank(study: tuple[Path, Path], name: str) -> None:
    _, report = study
    png = report.parent / "figures" / f"{name}.png"
    svg = png.with_suffix(".svg")
    assert png.stat().st_size > 10_000 and svg.stat().st_size > 10_000
    image = mpimg.imread(png)
    assert image.std() > 0.01
    assert f"figures/{name}.png" in report.read_text()


def _numeric(c: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(c) or pd.api.types.is_bool_dtype(c)


def test_exports_equal_the_store(study: tuple[Path, Path]) -> None:
    store, report = study
    exports = report.parent / "exports"
    for name in ("systems", "states", "candidates", "complexes", "structures", "distinctions", "comparisons"):
        ds = _table(store, name)
        nc = xr.open_dataset(exports / "report-test.nc", group=name, engine="h5netcdf").load()
        assert set(nc.data_vars) == set(ds.data_vars)
        for v in ds.data_vars:
            a, b = ds[v].values, nc[v].values
            if a.dtype.kind in "fbiu":
                np.testing.assert_array_equal(a, b)
            else:
                assert [str(x) for x in a] == [str(x) for x in b]
        for dim in ds.dims:
            cols = [v for v in ds.data_vars if ds[v].dims == (dim,)]
            stem = name if len(ds.dims) == 1 else f"{name}-{dim}"
            want = ds[cols].to_dataframe()
            text_cols = [c for c in cols if not _numeric(want[c])]
            pq = pd.read_parquet(exports / "parquet" / f"{stem}.parquet")
            csv = pd.read_csv(exports / "csv" / f"{stem}.csv", index_col=0, dtype={c: str for c in text_cols},
                              keep_default_na=False, na_values=[""])
            csv[text_cols] = csv[text_cols].fillna("")
            for got in (pq, csv):
                assert list(got.index) == list(want.index)
                for c in cols:
                    if c in text_cols:
                        assert [str(x) for x in got[c]] == [str(x) for x in want[c]], (name, c)
                    else:
                        np.testing.assert_allclose(got[c].to_numpy(dtype=float), want[c].to_numpy(dtype=float))


def _encodings(impl, target) -> dict[tuple[int, ...], tuple[int, ...]]:
    states = all_states(target.n)
    return {tuple(int(b) for b in s): tuple(int(b) for b in e) for s, e in zip(states, impl.encoder(states))}


@pytest.mark.parametrize("kind,params", [("copy", {"seed": 1}), ("unfolding", {"horizon": 2}), ("computer", {})])
def test_check_functional_passes_real_implementations(kind: str, params: dict) -> None:
    target = make_target("pqrs", {}, 0)
    impl = implement(target, kind, **params)
    check = check_functional(target.substrate, impl.substrate, impl.target_units, impl.cycle_length,
                             _encodings(impl, target))
    assert check.equivalent is True and check.states_checked == 16


def test_check_functional_flags_a_copy_with_one_gate_changed() -> None:
    target = make_target("pqrs", {}, 0)
    copy = implement(target, "copy", seed=1)
    sub = copy.substrate
    tables = [t.copy() for t in sub.tables]
    tables[2][0] = 1.0 - tables[2][0]  # one entry of one unit's truth table flipped
    broken = Substrate.from_units(tables, [list(i) for i in sub.inputs], list(sub.labels))
    check = check_functional(target.substrate, broken, copy.target_units, 1, _encodings(copy, target))
    assert check.equivalent is False
    assert sub.labels[2] in check.counterexample
