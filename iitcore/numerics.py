"""Floating-point comparisons used by the reference (PRECISION = 13)."""

from __future__ import annotations

import numpy as np

PRECISION = 13
EPS = 10.0 ** -PRECISION


def tol(x: float) -> float:
    """Absolute tolerance around x: max(1e-13 * |x|, 1e-13)."""
    return max(EPS * abs(x), EPS)


def eq(x: float, y: float) -> bool:
    """``math.isclose(x, y, rel_tol=1e-13, abs_tol=1e-13)``."""
    return abs(x - y) <= max(EPS * max(abs(x), abs(y)), EPS)


def is_positive(x: float) -> bool:
    """x > 0 and not eq(x, 0)."""
    return x > 0 and not eq(x, 0.0)


def eq_mask(x: np.ndarray, ref: float) -> np.ndarray:
    """:func:`eq` of every element of ``x`` with ``ref``."""
    return np.abs(x - ref) <= np.maximum(EPS * np.maximum(np.abs(x), abs(ref)), EPS)
