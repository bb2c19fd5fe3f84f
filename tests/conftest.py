"""Test settings. Prefect reads its settings at import, so they are set here, first."""

import os
import tempfile

_PREFECT_HOME = tempfile.mkdtemp(prefix="iitstudies-prefect-")
for _key, _value in {
    "PREFECT_HOME": _PREFECT_HOME,
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "DASK_LOGGING__DISTRIBUTED": "warning",
}.items():
    os.environ[_key] = _value

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server for the tests that run flows."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


# A small study (a 5-unit target and its relabelled copy, phi_s and complexes only) run once per session.
SMALL_STUDY = """\
study: small
store: unused.zarr
families:
  - name: dense5
    recipe: reference:rand_dense_n5_s7500
    states: {select: sampled, count: 6, seed: 1}
    implementations:
      - kind: copy
        params: {seed: 2}
analysis:
  levels: [phi_s, complexes]
execution:
  cluster: {kind: local, n_workers: 1, dashboard_address: "127.0.0.1:0"}
  batch_size: 40
"""


@pytest.fixture(scope="session")
def small_config(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("small") / "small.yaml"
    p.write_text(SMALL_STUDY)
    return p


@pytest.fixture(scope="session")
def small_store(small_config, tmp_path_factory) -> Path:
    """A complete store of the small study (copy it before changing it)."""
    from pipelines.study import run_study

    store = tmp_path_factory.mktemp("small-store") / "small.zarr"
    summary = run_study(small_config, store)
    assert summary.work_units >= 4 and summary.computed_units == summary.work_units
    return store
