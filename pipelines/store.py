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
import json
import warnings
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import xarray as xr
import zarr
from zarr.core.sync import sync

from pipelines.hashing import canonical_json
from pipelines.schema import CANDIDATE_RESULTS, CANDIDATES, WORK_UNITS, dataset, fill_value
from pipelines.work import Plan, WorkUnit

FORMAT = 1
BASE_TABLES = ("systems", "states", "candidates", "work_units")


class StoreError(RuntimeError):
    """A study store that cannot be used: missing, foreign, corrupt, or made by another study."""


class Store:
    """An open study store (the flow process is its only writer)."""

    def __init__(self, path: Path, root: zarr.Group):
        self.path = path
        self.root = root
        self._columns: dict[str, Any] | None = None
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
        root.attrs.update(
            {**attrs, "iitstudies_format": FORMAT, "n_candidates": plan.n_rows, "n_work_units": len(plan.units)}
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # consolidated metadata is not in the Zarr v3 spec
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
            group = self.root["candidates"]
            self._columns = {name: group[name].async_array for name in CANDIDATE_RESULTS}
        region = slice(unit.start, unit.stop)

        async def write_rows() -> None:
            await asyncio.gather(*(arr.setitem(region, cols[name]) for name, arr in self._columns.items()))

        sync(write_rows())
        self.root["work_units/run"][unit.index] = run
        self.root["work_units/done"][unit.index] = True
        self._tables.pop("candidates", None)
        self._tables.pop("work_units", None)

    # ------------------------------------------------------------ tables
    def has_table(self, name: str) -> bool:
        return name in dict(self.root.members())

    def write_table(self, name: str, ds: xr.Dataset) -> None:
        """Write a derived table whole (replacing an earlier version) and re-consolidate."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds.to_zarr(str(self.path), group=name, mode="w", consolidated=False)
        self.consolidate()
        self._tables.pop(name, None)

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
