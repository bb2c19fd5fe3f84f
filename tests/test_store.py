"""The study store: foreign, corrupt and other-study stores give clear errors; nothing is unpickled."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import zarr

from pipelines.store import Store, StoreError
from pipelines.study import run_study, status

TINY = """\
study: tiny
store: unused.zarr
families:
  - name: basic
    recipe: reference:pyphi_basic
    states: {select: all}
execution:
  cluster: {kind: local, n_workers: 1, dashboard_address: "127.0.0.1:0"}
  batch_size: 4
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("tiny")
    cfg = d / "tiny.yaml"
    cfg.write_text(TINY)
    store = d / "tiny.zarr"
    run_study(cfg, store)
    return cfg, store


def copy_of(store: Path, tmp_path: Path) -> Path:
    out = tmp_path / "copy.zarr"
    shutil.copytree(store, out)
    return out


def test_layout_is_chunk_aligned_with_one_chunk_per_work_unit(tiny):
    _, store = tiny
    root = zarr.open_group(str(store), mode="r")
    starts = root["work_units/start"][:]
    assert root["candidates/phi"].chunks == (4,)
    assert np.all(starts % 4 == 0) and root["work_units/done"][:].all()
    st = status(store)
    assert st["complete"] and st["candidates_done"] == st["candidates_total"] > 0


def test_missing_and_foreign_stores(tmp_path):
    with pytest.raises(StoreError, match="no such store"):
        Store.open(tmp_path / "absent.zarr")
    zarr.open_group(str(tmp_path / "other.zarr"), mode="w").attrs["title"] = "someone else's data"
    with pytest.raises(StoreError, match="not an iitstudies study store"):
        Store.open(tmp_path / "other.zarr")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "zarr.json").write_text("{ not json")
    with pytest.raises(StoreError, match="corrupt or not a Zarr store"):
        Store.open(tmp_path / "junk")


def test_corrupt_stores(tiny, tmp_path):
    _, store = tiny
    broken = copy_of(store, tmp_path)
    shutil.rmtree(broken / "work_units")
    with pytest.raises(StoreError, match="corrupt store: table 'work_units' is missing"):
        Store.open(broken)
    broken2 = tmp_path / "b2.zarr"
    shutil.copytree(store, broken2)
    shutil.rmtree(broken2 / "candidates" / "phi")
    with pytest.raises(StoreError, match="corrupt"):
        Store.open(broken2)


def test_store_of_another_study_is_refused_unless_allowed(tiny, tmp_path):
    cfg, store = tiny
    mine = copy_of(store, tmp_path)
    other = tmp_path / "other.yaml"
    other.write_text(TINY.replace("study: tiny", "study: other"))
    with pytest.raises(StoreError, match="holds study 'tiny'.*--allow-config-change"):
        run_study(other, mine)
    summary = run_study(other, mine, allow_config_change=True)
    assert summary.study == "other" and summary.computed_units == summary.work_units
    assert Store.open(mine).attrs["study"] == "other"


def test_pickle_codecs_are_refused(tiny, tmp_path):
    _, store = tiny
    evil = copy_of(store, tmp_path)
    meta = evil / "candidates" / "units" / "zarr.json"
    meta.write_text(meta.read_text().replace('"vlen-utf8"', '"pickle"'))
    with pytest.raises(StoreError, match="pickle"):
        Store.open(evil)
