"""Small statistics for study reports: Wilson intervals for proportions, median and IQR for distributions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Proportion:
    """k of n, with its Wilson score interval (NaN when n = 0)."""

    k: int
    n: int
    low: float
    high: float

    @property
    def value(self) -> float:
        return self.k / self.n if self.n else float("nan")

    def text(self) -> str:
        """'k/n (p%, 95% CI lo-hi%)', or 'k/0 (undefined)'."""
        if not self.n:
            return f"{self.k}/0 (undefined)"
        return f"{self.k}/{self.n} ({100 * self.value:.0f}%, 95% CI {100 * self.low:.0f}-{100 * self.high:.0f}%)"


def wilson(k: int, n: int, confidence: float = CONFIDENCE) -> Proportion:
    """Proportion k/n with the Wilson score interval at ``confidence``."""
    if not 0 <= k <= n:
        raise ValueError(f"a proportion needs 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return Proportion(0, 0, float("nan"), float("nan"))
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return Proportion(int(k), int(n), float(ci.low), float(ci.high))


@dataclass(frozen=True)
class Spread:
    """Median and interquartile range of a sample (NaN when empty)."""

    n: int
    median: float
    q1: float
    q3: float

    def text(self, digits: int = 3) -> str:
        if not self.n:
            return "- (n = 0)"
        return f"{self.median:.{digits}g} (IQR {self.q1:.{digits}g}-{self.q3:.{digits}g}, n = {self.n})"


def median_iqr(values: Iterable[float]) -> Spread:
    """Median and quartiles (linear interpolation) of the finite values."""
    x = np.asarray([v for v in values if v is not None], dtype=float)
    x = x[np.isfinite(x)]
    if not x.size:
        return Spread(0, float("nan"), float("nan"), float("nan"))
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    return Spread(int(x.size), float(med), float(q1), float(q3))
