"""The iitstudies command line: --help everywhere, sia, run/status/export, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr

from tests.reference import networks

TINY = """\
study: tiny-cli
store: {store}
families:
  - name: basic
    recipe: reference:pyphi_basic
    states: {{select: given, values: [[1, 0, 0]]}}
execution:
  cluster: {{kind: local, n_workers: 1, dashboard_address: "127.0.0.1:0"}}
"""


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "flows", *args], capture_output=True, text=True, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.mark.parametrize("command", [[], ["run"], ["status"], ["sia"], ["export"], ["serve"]])
def test_help(command):
    out = cli(*command, "--help").stdout
    assert "usage: iitstudies" in out


@pytest.fixture(scope="module")
def basic_json(tmp_path_factory) -> Path:
    net = next(n for n in networks() if n["name"] == "pyphi_basic")
    p = tmp_path_factory.mktemp("sia") / "basic.json"
    p.write_text(json.dumps(net))
    return p


def test_sia_table_and_json(basic_json):
    table = cli("sia", str(basic_json), "--state", "100").stdout
    assert "phi_s" in table and "0.4150374993" in table
    data = json.loads(cli("sia", str(basic_json), "--state", "1,0,0", "--units", "A,B,C", "--json").stdout)
    assert abs(data["phi"] - 0.41503749927884376) < 1e-12 and data["units"] == [0, 1, 2]


def test_sia_bad_state_is_a_clear_error(basic_json):
    proc = cli("sia", str(basic_json), "--state", "10", check=False)
    assert proc.returncode == 2 and "iitstudies: error:" in proc.stderr and "Traceback" not in proc.stderr


def test_run_status_export(tmp_path):
    store = tmp_path / "tiny.zarr"
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(TINY.format(store=store))
    run = cli("run", str(cfg), "--no-prefect", "--no-progress")
    assert "Dask dashboard: http://127.0.0.1:" in run.stderr and "computed" in run.stderr
    assert json.loads(run.stdout)["computed_units"] == 1  # stdout is the summary JSON only
    status = cli("status", str(store)).stdout
    assert "1/1 done, 0 left" in status and "complete   yes" in status
    nc = Path(cli("export", str(store), "--format", "netcdf").stdout.strip())
    cand = xr.open_dataset(nc, group="candidates", engine="h5netcdf")
    assert float(cand["phi"].values[0]) == pytest.approx(0.41503749927884376, abs=1e-12)
    assert "provenance" in xr.open_dataset(nc, engine="h5netcdf").attrs
    csv_dir = Path(cli("export", str(store), "--format", "csv").stdout.strip())
    assert pd.read_csv(csv_dir / "candidates.csv")["phi"].iloc[0] == pytest.approx(0.41503749927884376)
    pq_dir = Path(cli("export", str(store), "--format", "parquet").stdout.strip())
    assert set(pd.read_parquet(pq_dir / "systems.parquet")["kind"]) == {"target"}


def test_bad_config_is_a_clear_error(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(TINY.format(store=tmp_path / "x.zarr") + "analysis: {levels: [everything]}\n")
    proc = cli("run", str(cfg), check=False)
    assert proc.returncode == 2
    assert f"{cfg}: key 'analysis.levels.0'" in proc.stderr and "Traceback" not in proc.stderr
