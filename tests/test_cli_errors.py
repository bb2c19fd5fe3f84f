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
    "JSON list": (b"[1, 2]", "must be a JSON object"),
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
