"""Every bad input is one line ``iitstudies: error: ...`` and exit 2, never a traceback (issue 16, probe 5)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows", *args], capture_output=True, text=True, timeout=600, cwd=cwd,
        env={**__import__("os").environ, "PYTHONPATH": str(REPO)},
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("iitstudies: error: "), proc.stderr
    for w in words:
        assert w in lines[0], lines[0]


BAD_SUBSTRATES = {
    "non-numeric TPM": (b'{"tpm": [[0, "a"], [1, 0]]}', "TPM must be a rectangular array of numbers"),
    "ragged TPM": (b'{"tpm": [[0, 0], [1]]}', "TPM must be a rectangular array of numbers"),
    "JSON list": (b"[1, 2]", "must be a mapping (a JSON object)"),
    "unit without table": (b'{"units": [{"inputs": [0]}]}', "units[0] has no 'table'"),
    "unknown gate parameter": (b'{"gates": [{"gate": "AND", "inputs": [0], "bias": 1}]}', "unknown key(s) ['bias']"),
    "non-UTF-8 file": (b"\xff\xfe{}", "not a UTF-8 text file"),
}


@pytest.mark.parametrize("case", sorted(BAD_SUBSTRATES))
def test_bad_substrate_file(tmp_path, case):
    content, words = BAD_SUBSTRATES[case]
    path = tmp_path / "net.json"
    path.write_bytes(content)
    assert_one_line_error(cli("sia", str(path), "--state", "1"), str(path), words)


def test_directory_as_substrate(tmp_path):
    assert_one_line_error(cli("sia", str(tmp_path), "--state", "1"), str(tmp_path), "is a directory")


def test_debug_shows_the_traceback_too(tmp_path):
    path = tmp_path / "net.json"
    path.write_text("[1]")
    proc = cli("--debug", "sia", str(path), "--state", "1")
    assert proc.returncode == 2 and "Traceback" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("iitstudies: error: ")


def test_version():
    proc = cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("iitstudies ")


STUDY = """\
study: bad
store: {store}
families:
  - name: basic
    recipe: {recipe}
    states: {{select: given, values: [{state}]}}
    implementations: [{impl}]
analysis: {{levels: [phi_s, complexes], max_size: {max_size}}}
execution:
  cluster: {{kind: local, n_workers: 1, dashboard_address: "127.0.0.1:0"}}
  batch_size: {batch}
"""
GOOD = dict(recipe="reference:pyphi_basic", state="[1, 0, 0]", impl="{kind: copy, params: {seed: 1}}", max_size="3", batch="10")
BAD_CONFIGS = {
    "state of the wrong length": (dict(state="[1, 0]"), "families.0.states.values.0", "2 entries"),
    "unknown recipe": (dict(recipe="nope"), "families.0", "unknown recipe 'nope'"),
    "unknown reference network": (dict(recipe="reference:nope"), "families.0", "no reference network 'nope'"),
    "unknown implementation parameter": (dict(impl="{kind: copy, params: {colour: 1}}"), "families.0", "colour"),
    "bad implementation parameter": (dict(impl="{kind: unfolding, params: {horizon: two}}"), "families.0", "horizon"),
    "bool for an int": (dict(max_size="true"), "analysis.max_size", "got True"),
    "string for an int": (dict(batch='"8"'), "execution.batch_size", "got '8'"),
}


def study_file(tmp_path: Path, **edit: str) -> Path:
    cfg = tmp_path / "study.yaml"
    cfg.write_text(STUDY.format(store=tmp_path / "s.zarr", **{**GOOD, **edit}))
    return cfg


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_one_line_before_prefect_starts(tmp_path, case):
    edit, key, words = BAD_CONFIGS[case]
    cfg = study_file(tmp_path, **edit)
    proc = cli("run", str(cfg))  # through Prefect: the error must come before it starts
    assert_one_line_error(proc, str(cfg), key, words)
    assert not (tmp_path / "s.zarr").exists()


@pytest.mark.skipif(not Path("/sys").is_dir(), reason="needs a location that cannot be written (Linux /sys)")
def test_output_location_that_cannot_be_written(tmp_path):
    proc = cli("run", str(study_file(tmp_path)), "--no-prefect", "--store", "/sys/iitstudies-test.zarr")
    assert_one_line_error(proc, "/sys/iitstudies-test.zarr")


def test_scheduler_that_cannot_be_reached(tmp_path):
    env = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    proc = subprocess.run(
        [sys.executable, "-m", "flows", "run", str(study_file(tmp_path)), "--no-prefect", "--scheduler", "tcp://127.0.0.1:9"],
        capture_output=True, text=True, timeout=600, env={**__import__("os").environ, "PYTHONPATH": str(REPO), **env},
    )
    assert_one_line_error(proc, "tcp://127.0.0.1:9")
