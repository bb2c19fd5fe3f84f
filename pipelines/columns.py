"""Helpers for table columns: described xarray variables, UTF-8 string arrays, canonical JSON."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import xarray as xr


def to_json(x: Any) -> str:
    """Canonical compact JSON (sorted keys; numpy values and tuples as plain lists/numbers)."""
    return json.dumps(x, sort_keys=True, separators=(",", ":"), default=_plain)


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (set, frozenset)):
        return sorted(x)
    return str(x)


def strings(values: list[str]) -> np.ndarray:
    """A 1-D object array of str (stored as variable-length UTF-8, never pickled)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def var(dims: str, values: Any, description: str, units: str = "") -> xr.Variable:
    """A table column with its description (and units, when it has any)."""
    attrs = {"description": description}
    if units:
        attrs["units"] = units
    return xr.Variable(dims, values, attrs=attrs)
