"""A non-editable install in a fresh virtual environment runs the quickstart from a directory outside
the checkout: cluster profiles and example networks come from the installed package, not the source tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", ".benchmarks",
    "studies", "*.zarr",
)


@pytest.mark.slow
def test_non_editable_install_runs_the_quickstart_outside_the_checkout(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=IGNORE)
    venv = tmp_path / "venv"
    # The dependencies come from the system site-packages (saves install time); the project itself is
    # built (in pip's isolated build environment) and installed from the copy as a regular wheel.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         str(source)],
        check=True, capture_output=True, text=True,
    )
    shutil.rmtree(source)  # nothing may be read from a source tree
    work = tmp_path / "elsewhere"
    work.mkdir()
    config = work / "quickstart.yaml"
    config.write_text((REPO / "configs" / "quickstart.yaml").read_text())  # no clusters/ beside it
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "IITSTUDIES_REFERENCE")}
    where = subprocess.run(
        [str(python), "-c", "import pipelines, iitcore; print(pipelines.__file__); print(iitcore.__file__)"],
        cwd=work, env=env, check=True, capture_output=True, text=True,
    ).stdout.split()
    assert all(p.startswith(str(venv)) for p in where), where
    run = subprocess.run(
        [str(venv / "bin" / "iitstudies"), "run", "quickstart.yaml", "--no-prefect", "--no-progress"],
        cwd=work, env=env, capture_output=True, text=True, timeout=1800,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads(run.stdout)
    assert summary["computed_units"] == summary["work_units"] > 0 and summary["comparisons"] > 0
    assert (work / "studies" / "quickstart.zarr").is_dir() and (work / summary["report"]).is_file()
