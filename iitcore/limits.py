"""Size limits of the exact computations, checked before anything is allocated.

Past these sizes an exact computation would exhaust memory or run for days
without a word, so :func:`sia` and :func:`phi_structure` refuse such a
system up front with a :class:`SystemTooLargeError` naming the size, the
limit and the estimated memory. The limits follow the measured growth of the
exact searches (``docs/mip-search.md``): phi_s of a dense system takes about
half an hour and 6 GB at 15 units and grows 4-10x per unit; a Phi-structure
about an hour at 9 units and 10x per unit. They are module attributes, read
at each call: a caller who knows better may raise them, e.g.
``iitcore.limits.SIA_MAX_UNITS = 16``.
"""

from __future__ import annotations

from collections.abc import Callable

from iitcore.errors import SystemTooLargeError

SIA_MAX_UNITS = 15
STRUCTURE_MAX_UNITS = 9

_FLOAT = 8
_STATE_ARRAYS = 8  # float64 arrays over all 2^n states held at once (repertoires, information)
_SEARCH_BYTES = 7  # MIP search, per 4^n: measured 6.1-7.5 bytes at n = 12-14
_PAIR_BYTES = 2048  # Phi-structure, per (mechanism, purview) pair: measured about 1.7 KiB at n = 8


def sia_bytes(n_units: int) -> int:
    """Estimated peak memory of :func:`iitcore.sia` on ``n_units`` units, in bytes.

    The table of all ``2^n`` states (built as int64, ``n`` columns), the
    repertoires over those states, and the MIP search's blocks (``~4^n``).
    """
    return (1 << n_units) * _FLOAT * (n_units + _STATE_ARRAYS) + _SEARCH_BYTES * 4**n_units


def structure_bytes(n_units: int) -> int:
    """Estimated peak memory of :func:`iitcore.phi_structure` on ``n_units`` units, in bytes:
    the system's SIA and the ``4^n`` (mechanism, purview) pairs."""
    return sia_bytes(n_units) + _PAIR_BYTES * 4**n_units


def format_bytes(n: int) -> str:
    """Bytes in binary units, e.g. ``13 GiB``."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if value < 1024 or unit == "EiB":
            return f"{value:.3g} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def check_sia_size(n_units: int) -> None:
    """Raise :class:`SystemTooLargeError` if phi_s of ``n_units`` units is past :data:`SIA_MAX_UNITS`."""
    _check("phi_s", n_units, SIA_MAX_UNITS, "SIA_MAX_UNITS", sia_bytes)


def check_structure_size(n_units: int) -> None:
    """Raise :class:`SystemTooLargeError` if a Phi-structure of ``n_units`` units is past :data:`STRUCTURE_MAX_UNITS`."""
    _check("a Phi-structure", n_units, STRUCTURE_MAX_UNITS, "STRUCTURE_MAX_UNITS", structure_bytes)


def _check(what: str, n_units: int, limit: int, name: str, estimate: Callable[[int], int]) -> None:
    if n_units <= limit:
        return
    memory = format_bytes(estimate(n_units)) if n_units < 200 else f"more than 2^{n_units} bytes"
    raise SystemTooLargeError(
        f"{what} of a system of {n_units} units is beyond the exact computation's limit of {limit} units "
        f"(estimated memory {memory}; the search also grows faster than 2^n). Analyse smaller candidates "
        f"(e.g. analysis.max_size in a study), or raise iitcore.limits.{name} if you know the system allows it"
    )
