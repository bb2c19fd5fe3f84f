"""The study store: one Zarr store, one group per table, read with xarray.

Groups: ``systems``, ``states``, ``candidates``, ``work_units`` (what is
done), and, once derived, ``complexes``, ``distinctions`` and
``comparisons``. Root attributes carry ``iitstudies_format``, the study
name and hash, and ``provenance`` (a JSON string: config, seeds, code and
package versions, host, runs with start and end times).

The candidates table is pre-allocated with one chunk per work unit, so each
work unit is one chunk-aligned region write; its ``work_units.done`` flag
is set only after its rows are written, which is what resume reads.
Reading never unpickles: every string is UTF-8 and structured values are
JSON strings; a store with a pickle codec is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import xarray as xr
import zarr
from zarr.core.sync import sync

from pipelines.hashing import canonical_json
from pipelines.integrity import Integrity, UnitTable, check_store
from pipelines.schema import CANDIDATE_RESULTS, CANDIDATES, WORK_UNITS, dataset, fill_value
from pipelines.work import Plan, WorkUnit

FORMAT = 1
BASE_TABLES = ("systems", "states", "candidates", "work_units")
# root attribute of stores whose every written chunk is stored (fill values included): missing = damaged
EVERY_CHUNK = "every_chunk_stored"


@contextlib.contextmanager
def _every_chunk() -> Iterator[None]:
    """Arrays opened here store chunks of fill values too, so a missing chunk is always damage."""
    with warnings.catch_warnings(), zarr.config.set({"array.write_empty_chunks": True}):
        warnings.simplefilter("ignore")  # consolidated metadata is not in the Zarr v3 spec
        yield


UNIT_TABLES = {"candidates": UnitTable(tuple(CANDIDATE_RESULTS), "evaluated")}


class StoreError(RuntimeError):
    """A study store that cannot be used: missing, foreign, corrupt, or made by another study."""


class Store:
    """An open study store (the flow process is its only writer)."""

    def __init__(self, path: Path, root: zarr.Group):
        self.path = path
        self.root = root
        self._columns: dict[str, Any] | None = None
        self._flags: dict[str, zarr.Array] | None = None
        self._tables: dict[str, xr.Dataset] = {}

    # ------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: str | Path, mode: str = "r+") -> "Store":
        """Open and check an existing store; raise :class:`StoreError` saying what is wrong."""
        p = Path(path)
        if not p.exists():
            raise StoreError(f"{p}: no such store")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                root = zarr.open_group(str(p), mode=mode, use_consolidated=False)
                attrs = dict(root.attrs)
        except Exception as exc:  # zarr raises many types for unreadable metadata
            raise StoreError(f"{p}: corrupt or not a Zarr store ({type(exc).__name__}: {exc})") from None
        if "iitstudies_format" not in attrs:
            raise StoreError(f"{p}: not an iitstudies study store (no 'iitstudies_format' attribute)")
        if attrs["iitstudies_format"] != FORMAT:
            raise StoreError(f"{p}: store format {attrs['iitstudies_format']}, this code reads format {FORMAT}")
        store = cls(p, root)
        store._check()
        return store

    def _check(self) -> None:
        p = self.path
        try:
            json.loads(self.root.attrs["provenance"])
            members = dict(self.root.members(max_depth=None))
        except Exception as exc:
            raise StoreError(f"{p}: corrupt store ({type(exc).__name__}: {exc})") from None
        for table in BASE_TABLES:
            if table not in members:
                raise StoreError(f"{p}: corrupt store: table '{table}' is missing")
        for name, node in members.items():
            if isinstance(node, zarr.Array) and "pickle" in canonical_json(node.metadata.to_dict()).lower():
                raise StoreError(f"{p}: refusing to read array '{name}': it uses a pickle codec")
        n_rows = int(self.root.attrs.get("n_candidates", -1))
        n_units = int(self.root.attrs.get("n_work_units", -1))
        for col in CANDIDATE_RESULTS:
            key = f"candidates/{col}"
            if key not in members or members[key].shape != (n_rows,):
                raise StoreError(f"{p}: corrupt store: '{key}' is missing or does not have {n_rows} rows")
        for col in ("done", "start", "stop", "run"):
            key = f"work_units/{col}"
            if key not in members or members[key].shape != (n_units,):
                raise StoreError(f"{p}: corrupt store: '{key}' is missing or does not have {n_units} entries")

    # ------------------------------------------------------------ creating
    @classmethod
    def create(
        cls,
        path: str | Path,
        attrs: dict[str, Any],
        systems: xr.Dataset,
        states: xr.Dataset,
        plan: Plan,
    ) -> "Store":
        """Write the layout: root attributes, systems, states, and pre-allocated candidates."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        root = zarr.open_group(str(p), mode="w")
        root.attrs.update({
            **attrs, "iitstudies_format": FORMAT, "n_candidates": plan.n_rows, "n_work_units": len(plan.units),
            EVERY_CHUNK: True,
        })
        with _every_chunk():
            systems.to_zarr(str(p), group="systems", mode="w", consolidated=False)
            states.to_zarr(str(p), group="states", mode="w", consolidated=False)
            _candidates_layout(plan).to_zarr(
                str(p), group="candidates", mode="w", compute=False, consolidated=False,
                encoding={c: {"chunks": (max(plan.batch_size, 1),)} for c in CANDIDATE_RESULTS},
            )
            _work_units_layout(plan).to_zarr(
                str(p), group="work_units", mode="w", consolidated=False,
                encoding={c: {"chunks": (1,)} for c in ("done", "run")},
            )
        store = cls(p, zarr.open_group(str(p), mode="r+"))
        store.consolidate()
        return store

    def consolidate(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zarr.consolidate_metadata(str(self.path))

    # ------------------------------------------------------------ attributes
    @property
    def attrs(self) -> dict[str, Any]:
        return dict(self.root.attrs)

    @property
    def provenance(self) -> dict[str, Any]:
        return json.loads(self.root.attrs["provenance"])

    def set_provenance(self, prov: dict[str, Any]) -> None:
        self.root.attrs["provenance"] = canonical_json(prov)
        self.consolidate()

    # ------------------------------------------------------------ work units
    def done(self) -> np.ndarray:
        """Which work units are stored."""
        try:
            return np.asarray(self.root["work_units/done"][:], dtype=bool)
        except Exception as exc:
            raise StoreError(f"{self.path}: corrupt store: cannot read work_units/done ({exc})") from None

    def write_unit(self, unit: WorkUnit, cols: dict[str, np.ndarray], run: int) -> None:
        """Write one work unit's rows (a chunk-aligned region, all columns at once), then mark it done."""
        if self._columns is None:
            self._columns = {name: a.async_array for name, a in self._writable("candidates", CANDIDATE_RESULTS).items()}
        region = slice(unit.start, unit.stop)

        async def write_rows() -> None:
            await asyncio.gather(*(arr.setitem(region, cols[name]) for name, arr in self._columns.items()))

        sync(write_rows())
        if self._flags is None:
            self._flags = self._writable("work_units", ("run", "done"))
        self._flags["run"][unit.index] = run
        self._flags["done"][unit.index] = True
        self._tables.pop("candidates", None)
        self._tables.pop("work_units", None)

    # ------------------------------------------------------------ tables
    def has_table(self, name: str) -> bool:
        return name in dict(self.root.members())

    def write_table(self, name: str, ds: xr.Dataset) -> None:
        """Write a derived table whole, replacing an earlier version only once the new one is complete.

        It is written beside the store first and moved into it (one rename), so a
        run killed mid-write leaves the earlier version or none, never half a table.
        """
        partial = self._beside(name, "partial")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            with _every_chunk():
                ds.to_zarr(str(partial), mode="w", consolidated=False)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        self.drop_table(name)
        os.rename(partial, self.path / name)
        self.consolidate()
        self._tables.pop(name, None)

    def drop_table(self, name: str) -> None:
        """Remove a derived table (at once: it is moved out of the store, then deleted)."""
        if name in BASE_TABLES:
            raise ValueError(f"{name} is not a derived table")
        if (self.path / name).exists():
            old = self._beside(name, "old")
            shutil.rmtree(old, ignore_errors=True)
            os.rename(self.path / name, old)
            self.consolidate()
            shutil.rmtree(old)
        self._tables.pop(name, None)

    def _writable(self, table: str, names: Iterable[str]) -> dict[str, zarr.Array]:
        """Arrays of a base table, opened to store every chunk they are given (fill values too)."""
        with _every_chunk():
            group = zarr.open_group(str(self.path / table), mode="r+", use_consolidated=False)
            return {name: group[name] for name in names}

    def _beside(self, name: str, what: str) -> Path:
        return self.path.with_name(f".{self.path.name}.{name}.{what}")

    # ------------------------------------------------------------ integrity
    def integrity(self) -> Integrity:
        """Every chunk checked: what is missing, undecodable, or contradicts a done flag."""
        return check_store(self.path, UNIT_TABLES, "work_units", every_chunk=bool(self.root.attrs.get(EVERY_CHUNK)))

    def redo_units(self, units: Iterable[int]) -> None:
        """Mark work units not done, so that the next run computes them again."""
        flags = self._writable("work_units", ("run", "done"))
        for u in sorted(units):
            flags["done"][u] = False
            flags["run"][u] = -1
        self._tables.pop("work_units", None)

    def derived_tables(self) -> list[str]:
        return sorted(name for name, _ in self.root.groups() if name not in BASE_TABLES)

    def table(self, name: str) -> xr.Dataset:
        """A table as an xarray Dataset, loaded into memory once per open store (reloaded after writes)."""
        if name not in self._tables:
            self._tables[name] = open_table(self.path, name).load()
        return self._tables[name]


def open_table(path: str | Path, name: str) -> xr.Dataset:
    """Open one table of a store lazily with xarray."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return xr.open_zarr(str(path), group=name, consolidated=True)


def _candidates_layout(plan: Plan) -> xr.Dataset:
    n, chunks = plan.n_rows, max(plan.batch_size, 1)
    values: dict[str, Any] = {
        name: da.full(n, fill_value(col), dtype=col.dtype, chunks=chunks) for name, col in CANDIDATE_RESULTS.items()
    }
    values["state_index"] = plan.row_state
    values["units"] = [canonical_json(list(u)) for u in plan.row_units]
    values["size"] = [len(u) for u in plan.row_units]
    values["work_unit"] = np.repeat(np.arange(len(plan.units)), [u.stop - u.start for u in plan.units])
    return dataset(CANDIDATES, values)


def _work_units_layout(plan: Plan) -> xr.Dataset:
    k = len(plan.units)
    return dataset(WORK_UNITS, {
        "start": [u.start for u in plan.units],
        "stop": [u.stop for u in plan.units],
        "done": np.zeros(k, dtype=bool),
        "run": np.full(k, -1),
    })
