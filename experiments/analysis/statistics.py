"""Statistics across seeds: means with 95 % confidence intervals (Student's t)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

# Two-sided 95 % quantiles of Student's t by degrees of freedom; beyond 30, the normal's.
_T975 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
    9: 2.262, 10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 25: 2.060, 30: 2.042,
}  # fmt: skip


def t_quantile(degrees: int) -> float:
    """t(0.975, degrees), rounded up to the nearest tabulated value (a wider interval)."""
    if degrees > 30:
        return 1.96
    return _T975[min(k for k in _T975 if k >= degrees)]


def mean_ci(values: Sequence[float]) -> tuple[float, float]:
    """Mean and half-width of its 95 % confidence interval (nan with fewer than 2 values)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, math.nan
    return mean, t_quantile(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))


def bin_means(times: Sequence[float], values: Sequence[float], width: float) -> dict[float, float]:
    """Means of ``values`` over consecutive ``width``-second bins, keyed by each bin's start
    (a time series read at a coarser step)."""
    sums: dict[float, list[float]] = {}
    for time, value in zip(times, values, strict=True):
        total = sums.setdefault((time // width) * width, [0.0, 0.0])
        total[0] += value
        total[1] += 1
    return {start: total / count for start, (total, count) in sorted(sums.items())}
