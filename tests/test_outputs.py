"""What a finished study hands out: pure JSON on stdout, exports that overwrite only earlier exports,
a report that says "not computed" for what was not computed, a docs snippet that runs (issue 16, probe 7)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.test_cli_errors import cli

REPO = Path(__file__).resolve().parents[1]


def test_stdout_of_run_is_pure_json(small_config, small_store, tmp_path):
    store = tmp_path / "small.zarr"
    shutil.copytree(small_store, store)
    proc = cli("run", str(small_config), "--store", str(store), "--no-prefect", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["computed_units"] == 0 and summary["store"] == str(store)


def test_export_never_overwrites_an_unrelated_file(small_store, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    proc = cli("export", str(small_store), "--format", "netcdf", "--out", str(notes))
    assert proc.returncode == 2 and proc.stderr.startswith(f"iitstudies: error: {notes}: exists and is not")
    assert notes.read_text() == "my notes"
    for fmt in ("csv", "parquet"):
        mine = tmp_path / f"mine-{fmt}"
        mine.mkdir()
        (mine / "data.txt").write_text("x")
        proc = cli("export", str(small_store), "--format", fmt, "--out", str(mine))
        assert proc.returncode == 2 and "is a directory with other files" in proc.stderr
        assert sorted(p.name for p in mine.iterdir()) == ["data.txt"]


def test_export_to_a_directory_name_and_over_its_own_export(small_store, tmp_path):
    proc = cli("export", str(small_store), "--format", "netcdf", "--out", str(tmp_path))
    assert proc.returncode == 2 and proc.stderr.strip() == (
        f"iitstudies: error: {tmp_path}: is a directory; the NetCDF export is one file "
        "(choose another --out, or remove it)"
    )
    out = tmp_path / "small.nc"
    for _ in range(2):  # an earlier export of the same study is replaced
        proc = cli("export", str(small_store), "--format", "netcdf", "--out", str(out))
        assert proc.returncode == 0, proc.stderr
    csv = tmp_path / "small-csv"
    for _ in range(2):
        assert cli("export", str(small_store), "--format", "csv", "--out", str(csv)).returncode == 0


def test_report_without_phi_structures_says_not_computed(small_store, tmp_path):
    proc = cli("report", str(small_store), "--out", str(tmp_path / "report"))
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "report" / "report.md").read_text()
    assert "indicates a bug" not in text
    assert not re.search(r"phenomenally equivalent in 0/\d+", text)
    assert "phenomenal equivalence: not computed" in text


def test_docs_python_snippet_runs_on_a_store(small_store, tmp_path):
    doc = (REPO / "docs" / "pipeline.md").read_text()
    snippet = next(b for b in re.findall(r"```python\n(.*?)```", doc, re.S) if "open_zarr" in b)
    path = re.search(r'path = "([^"]+)"', snippet).group(1)
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(small_store, target)
    proc = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


COMPUTER_STUDY = """
study: phases-test
store: {store}
families:
  - name: pair
    recipe: random
    params: {{n: 2, k: 2, self_loops: true}}
    seeds: [1]
    states: {{select: given, values: [[1, 0]]}}
    implementations:
      - kind: computer
analysis:
  levels: [phi_s, complexes]
  phases: encoded
execution:
  cluster: {{kind: local, n_workers: 1, dashboard_address: ":0"}}
"""


def test_figures_say_what_was_computed(tmp_path):
    import matplotlib

    from pipelines.report import write_report
    from pipelines.store import Store
    from pipelines.study import run_study

    config = tmp_path / "study.yaml"
    config.write_text(COMPUTER_STUDY.format(store=tmp_path / "study.zarr"))
    run_study(config, bar=False)
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text in the SVG
        write_report(Store.open(tmp_path / "study.zarr", mode="r"), tmp_path / "report")
    figures = tmp_path / "report" / "figures"
    phases = (figures / "computer_phases.svg").read_text()
    assert "phase 0 only" in phases and "over one cycle" not in phases
    structure = (figures / "target_structure.svg").read_text()
    assert "not" in structure and "computed" in structure and "0d" not in structure
