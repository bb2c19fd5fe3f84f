"""Integrity of a study store: every expected chunk present and decodable, done flags consistent with data.

Zarr reads a missing chunk back as the fill value, so a deleted chunk file
would pass as rows of NaN; a truncated one fails deep in a codec naming
neither array nor chunk. :func:`check_store` reads every chunk of every array
and names what is damaged (table, variable, chunk) and what it costs:

- in a *unit table* (the candidates, written one work unit per region): the
  work units whose rows a damaged chunk holds; a rerun recomputes exactly those.
  Chunks of units not done yet may be absent (they are pre-allocated);
- in the work units' ``done``/``run`` flags: those units, as for a unit table;
- anywhere else (layout and derived tables): the table, which must be rebuilt.

The check expects the store to be written with ``write_empty_chunks`` on, so
that a chunk of fill values is stored like any other.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import zarr
from zarr.core.sync import collect_aiterator


MISSING = "missing (it would read back as the fill value)"


@dataclass(frozen=True)
class UnitTable:
    """A table whose ``variables`` are written by work units (one region each), with a per-row done flag."""

    variables: tuple[str, ...]
    done_flag: str


@dataclass(frozen=True)
class Damage:
    """One damaged chunk (or a done flag the data contradicts)."""

    table: str
    variable: str
    chunk: str
    problem: str
    units: tuple[int, ...] = ()  # work units to recompute; empty: the table must be rebuilt

    def __str__(self) -> str:
        return f"table '{self.table}', variable '{self.variable}', chunk {self.chunk}: {self.problem}"


@dataclass(frozen=True)
class Integrity:
    """What :func:`check_store` found."""

    damage: tuple[Damage, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.damage

    @property
    def damaged_units(self) -> frozenset[int]:
        """Work units whose stored rows cannot be trusted (recompute them)."""
        return frozenset(u for d in self.damage for u in d.units)

    @property
    def damaged_tables(self) -> frozenset[str]:
        """Tables with damage that recomputing work units does not repair (rebuild them)."""
        return frozenset(d.table for d in self.damage if not d.units)


def check_store(
    path: str | Path,
    unit_tables: Mapping[str, UnitTable],
    work_units: str = "work_units",
    every_chunk: bool = True,
) -> Integrity:
    """Read every chunk of the store at ``path`` and report what is missing, undecodable or inconsistent.

    ``work_units`` names the bookkeeping table: ``start`` and ``stop`` (the
    rows of each unit), ``done`` (stored) and ``run`` (by which run).
    ``every_chunk``: the store was written with chunks of fill values stored
    (otherwise a missing chunk may be one of fill values, and is not reported).
    """
    root = zarr.open_group(str(path), mode="r", use_consolidated=False)
    arrays = {name: node for name, node in root.members(max_depth=None) if isinstance(node, zarr.Array)}
    book = _Bookkeeping.read(arrays, work_units)
    damage: list[Damage] = []
    for name, arr in sorted(arrays.items()):
        table, _, variable = name.rpartition("/")
        spec = unit_tables.get(table)
        by_units = spec is not None and variable in spec.variables
        flags = table == work_units and variable in ("done", "run")
        values, problems = _read_chunks(arr)
        if not every_chunk:
            problems = {c: p for c, p in problems.items() if p != MISSING}
        for coords, problem in problems.items():
            rows, units = _rows(arr, coords), ()
            if flags:
                units = tuple(range(rows.start, rows.stop))
            elif by_units and book.known:
                units = tuple(u for u in book.units_of(rows) if book.done[u])
                if not units:
                    continue  # pre-allocated, or a unit not done yet: the rerun writes it whole
            damage.append(Damage(table, variable, _key(arr, coords), problem, units))
        if spec is not None and variable == spec.done_flag and book.known:
            seen = {u for d in damage if d.table == table for u in d.units}
            damage.extend(d for d in book.contradicted(table, arr, values) if not seen & set(d.units))
    return Integrity(tuple(damage))


@dataclass(frozen=True)
class _Bookkeeping:
    """Rows and done flags of the work units, as far as they are readable."""

    starts: np.ndarray | None
    stops: np.ndarray | None
    done: np.ndarray

    @classmethod
    def read(cls, arrays: Mapping[str, zarr.Array], group: str) -> "_Bookkeeping":
        def load(name: str) -> np.ndarray | None:
            arr = arrays.get(f"{group}/{name}")
            return None if arr is None else _read_chunks(arr)[0]

        done = load("done")
        return cls(load("start"), load("stop"), np.zeros(0, bool) if done is None else done.astype(bool))

    @property
    def known(self) -> bool:
        return self.starts is not None and self.stops is not None and len(self.done) == len(self.starts)

    def units_of(self, rows: slice) -> tuple[int, ...]:
        assert self.starts is not None and self.stops is not None
        hit = (self.starts < rows.stop) & (self.stops > rows.start)
        return tuple(int(u) for u in np.flatnonzero(hit))

    def contradicted(self, table: str, arr: zarr.Array, flags: np.ndarray) -> list[Damage]:
        """Done units with rows whose done flag (e.g. ``evaluated``) is not set."""
        assert self.starts is not None and self.stops is not None
        out = []
        for u in np.flatnonzero(self.done):
            start, stop = int(self.starts[u]), int(self.stops[u])
            missing = int((~flags[start:stop].astype(bool)).sum())
            if missing:
                chunks = range(start // arr.chunks[0], (stop - 1) // arr.chunks[0] + 1)
                out.append(Damage(
                    table, arr.basename, ", ".join(_key(arr, (c,)) for c in chunks),
                    f"work unit {u} is marked done but {missing} of its {stop - start} rows are not set",
                    (int(u),),
                ))
        return out


def _read_chunks(arr: zarr.Array) -> tuple[np.ndarray, dict[tuple[int, ...], str]]:
    """The array's values (fill value where a chunk is bad) and the problem of each bad chunk."""
    prefix = f"{arr.path}/"
    present = {k.removeprefix(prefix) for k in collect_aiterator(arr.store.list_prefix(prefix))}
    grid = list(itertools.product(*(range(n) for n in arr.cdata_shape)))
    problems = {c: MISSING for c in grid if _key(arr, c) not in present}
    try:
        return arr[...], problems
    except Exception:  # codecs raise many types: find the chunks that fail
        pass
    values = np.full(arr.shape, arr.fill_value, dtype=arr.dtype)
    for coords in grid:
        if coords in problems:
            continue
        try:
            values[_region(arr, coords)] = arr.get_block_selection(coords)
        except Exception as exc:
            problems[coords] = f"cannot be decoded ({type(exc).__name__}: {exc})"
    return values, dict(sorted(problems.items()))


def _key(arr: zarr.Array, coords: tuple[int, ...]) -> str:
    return arr.metadata.encode_chunk_key(coords)


def _region(arr: zarr.Array, coords: tuple[int, ...]) -> tuple[slice, ...]:
    return tuple(slice(c * n, min((c + 1) * n, s)) for c, n, s in zip(coords, arr.chunks, arr.shape))


def _rows(arr: zarr.Array, coords: tuple[int, ...]) -> slice:
    return _region(arr, coords)[0] if coords else slice(0, 1)
