"""The store integrity check on real Zarr stores: missing, truncated and contradicted chunks (issue 16, probe 3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zarr

from pipelines.integrity import UnitTable, check_store

UNITS = {"candidates": UnitTable(variables=("phi", "evaluated"), done_flag="evaluated")}
ROWS, BATCH = 10, 3  # 4 work units: rows 0-2, 3-5, 6-8, 9


def make_store(path: Path, done_units: list[int]) -> Path:
    """A store shaped like a study's: pre-allocated candidates, work-unit bookkeeping, one derived table."""
    with zarr.config.set({"array.write_empty_chunks": True}):
        root = zarr.open_group(str(path), mode="w")
        starts = np.arange(0, ROWS, BATCH)
        stops = np.minimum(starts + BATCH, ROWS)
        wu = root.create_group("work_units")
        for name, values in {"start": starts, "stop": stops}.items():
            wu.create_array(name, shape=(len(starts),), chunks=(len(starts),), dtype="i8")[:] = values
        done = wu.create_array("done", shape=(len(starts),), chunks=(1,), dtype="bool", fill_value=False)
        done[:] = False
        cand = root.create_group("candidates")
        phi = cand.create_array("phi", shape=(ROWS,), chunks=(BATCH,), dtype="f8", fill_value=np.nan)
        evaluated = cand.create_array("evaluated", shape=(ROWS,), chunks=(BATCH,), dtype="bool", fill_value=False)
        cand.create_array("size", shape=(ROWS,), chunks=(BATCH,), dtype="i4")[:] = 2
        for u in done_units:
            rows = slice(int(starts[u]), int(stops[u]))
            phi[rows] = np.nan if u == 0 else 0.5  # unit 0: all unreachable, the chunk is all fill values
            evaluated[rows] = True
            done[u] = True
        root.create_group("complexes").create_array("phi", shape=(5,), chunks=(2,), dtype="f8")[:] = 1.0
    return path


def test_intact_store_with_pending_units_is_ok(tmp_path):
    result = check_store(make_store(tmp_path / "s.zarr", [0, 1, 3]), UNITS)
    assert result.ok, [str(d) for d in result.damage]


def test_deleted_chunk_of_a_done_unit_is_named_and_its_unit_redone(tmp_path):
    store = make_store(tmp_path / "s.zarr", [0, 1, 2, 3])
    (store / "candidates" / "phi" / "c" / "1").unlink()
    result = check_store(store, UNITS)
    assert [str(d) for d in result.damage] == [
        "table 'candidates', variable 'phi', chunk c/1: missing (it would read back as the fill value)"
    ]
    assert result.damaged_units == {1} and not result.damaged_tables


def test_truncated_chunk_is_named_not_a_bare_codec_error(tmp_path):
    store = make_store(tmp_path / "s.zarr", [0, 1, 2, 3])
    chunk = store / "candidates" / "phi" / "c" / "2"
    chunk.write_bytes(chunk.read_bytes()[:7])
    result = check_store(store, UNITS)
    (damage,) = result.damage
    assert (damage.table, damage.variable, damage.chunk, damage.units) == ("candidates", "phi", "c/2", (2,))
    assert damage.problem.startswith("cannot be decoded")


def test_done_flag_contradicted_by_the_data(tmp_path):
    store = make_store(tmp_path / "s.zarr", [1])
    with zarr.config.set({"array.write_empty_chunks": True}):
        zarr.open_array(str(store / "candidates" / "phi"))[6:9] = 0.3
        zarr.open_array(str(store / "candidates" / "evaluated"))[6:9] = [True, False, True]
        zarr.open_array(str(store / "work_units" / "done"))[2] = True
    result = check_store(store, UNITS)
    assert [str(d) for d in result.damage] == [
        "table 'candidates', variable 'evaluated', chunk c/2: work unit 2 is marked done but 1 of its 3 rows are not set"
    ]
    assert result.damaged_units == {2}


def test_damaged_done_flag_redoes_its_unit(tmp_path):
    store = make_store(tmp_path / "s.zarr", [0, 1, 2, 3])
    (store / "work_units" / "done" / "c" / "3").unlink()
    result = check_store(store, UNITS)
    assert result.damaged_units == {3}
    assert "table 'work_units', variable 'done', chunk c/3" in str(result.damage[0])


@pytest.mark.parametrize("path", ["complexes/phi/c/1", "candidates/size/c/0"])
def test_damage_outside_work_units_names_the_table_to_rebuild(tmp_path, path):
    store = make_store(tmp_path / "s.zarr", [0, 1, 2, 3])
    (store / path).unlink()
    result = check_store(store, UNITS)
    assert result.damaged_tables == {path.split("/")[0]} and not result.damaged_units


def test_chunks_of_pending_units_may_be_absent_or_broken(tmp_path):
    store = make_store(tmp_path / "s.zarr", [0, 1])
    # a unit being written when the run died: part of its chunks there, one torn, no done flag
    zarr.open_array(str(store / "candidates" / "phi"))[6:9] = 1.0
    (store / "candidates" / "phi" / "c" / "2").write_bytes(b"\x00")
    assert check_store(store, UNITS).ok
