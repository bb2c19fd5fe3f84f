"""Export a study store's tables to NetCDF (one file, one group per table), CSV or Parquet (one file per table)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import xarray as xr

from pipelines.store import Store

FORMATS = ("netcdf", "csv", "parquet")


class ExportError(ValueError):
    """An export target that would overwrite something that is not an earlier export of the same study."""


def _plain_strings(ds: xr.Dataset) -> xr.Dataset:
    """Variable-length strings as object arrays of str, which every writer understands."""
    out = ds.copy()
    for name, v in ds.variables.items():
        if v.dtype.kind in "TUO":
            out[name] = v.copy(data=np.asarray(v.values, dtype=object).astype(str).astype(object))
    return out


def check_target(target: Path, fmt: str, study: str) -> None:
    """Refuse a target that exists and is not an earlier export of ``study`` (which is replaced)."""
    advice = "choose another --out, or remove it"
    if fmt == "netcdf":
        if target.is_dir():
            raise ExportError(f"{target}: is a directory; the NetCDF export is one file ({advice})")
        if target.exists() and _netcdf_study(target) != study:
            raise ExportError(f"{target}: exists and is not a NetCDF export of study '{study}' ({advice})")
        return
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target}: exists and is not a directory; the {fmt} export is a directory ({advice})")
    if target.is_dir() and any(target.iterdir()) and _directory_study(target) != study:
        raise ExportError(f"{target}: is a directory with other files, not a {fmt} export of study '{study}' ({advice})")


def _netcdf_study(path: Path) -> str | None:
    import h5py

    try:
        with h5py.File(path, "r") as f:
            study = f.attrs.get("study")
    except OSError:
        return None
    return study.decode() if isinstance(study, bytes) else None if study is None else str(study)


def _directory_study(path: Path) -> str | None:
    try:
        return str(json.loads((path / "provenance.json").read_text())["study"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def export(store: Store, fmt: str, out: str | Path | None = None) -> Path:
    """Write every table of an open store; returns the file (netcdf) or directory (csv, parquet) written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    names = sorted(name for name, _ in store.root.groups())
    base = store.path
    attrs = {
        k: v if isinstance(v, (str, int, float)) and not isinstance(v, bool) else json.dumps(v)
        for k, v in store.attrs.items()
    }
    if fmt == "netcdf":
        target = Path(out) if out else base.with_suffix(".nc")
        check_target(target, fmt, str(store.attrs["study"]))
        target.unlink(missing_ok=True)
        xr.Dataset(attrs=attrs).to_netcdf(target, engine="h5netcdf", mode="w")
        for name in names:
            _plain_strings(store.table(name)).to_netcdf(target, group=name, engine="h5netcdf", mode="a")
        return target
    target = Path(out) if out else base.with_name(base.stem + f"-{fmt}")
    check_target(target, fmt, str(store.attrs["study"]))
    target.mkdir(parents=True, exist_ok=True)
    (target / "provenance.json").write_text(json.dumps(attrs, indent=2))
    for name in names:
        ds = store.table(name)
        for dim in ds.dims:
            cols = [v for v in ds.data_vars if ds[v].dims == (dim,)]
            df = _plain_strings(ds[cols]).to_dataframe() if cols else ds[dim].to_dataframe()
            stem = name if len(ds.dims) == 1 else f"{name}-{dim}"
            if fmt == "csv":
                df.to_csv(target / f"{stem}.csv")
            else:
                df.to_parquet(target / f"{stem}.parquet")
    return target
