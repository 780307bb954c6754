"""Time-of-day periods: given as ``HH:MM-HH:MM,...`` or found where the demand changes."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from stopline.scenarios.clock import seconds_of, span

from ..errors import AgentError

# Demand is judged in 5-minute bins: shorter bins are mostly Poisson noise at city flows.
BIN = 300.0
MAX_PERIODS = 6


@dataclass(frozen=True)
class TimePeriod:
    """A stretch of the simulated day [start, end) that runs one timing plan."""

    start: float
    end: float

    @property
    def label(self) -> str:
        return span(self.start, self.end)

    @property
    def slug(self) -> str:
        return self.label.replace(":", "").replace("-", "_")


def _seconds(text: str, option: str, shift: float) -> float:
    seconds = seconds_of(text)
    if seconds is None:
        raise AgentError(f"{option}: {text!r} is not a time of day HH:MM")
    return seconds - shift


def parse_periods(
    text: str, begin: float, end: float, option: str = "--periods", *, clock_start: float = 0.0
) -> tuple[TimePeriod, ...]:
    """Periods from ``HH:MM-HH:MM,...``, in order; each inside the window [begin, end] and
    none overlapping another, else one line naming ``option``. Time not covered runs the
    plan of the period before it (before the first: the first period's). The times are of
    the day whose ``clock_start`` is simulation second 0 (midnight by default)."""
    periods = []
    for part in (piece for piece in text.split(",") if piece.strip()):
        start_text, dash, end_text = part.partition("-")
        if not dash:
            raise AgentError(f"{option}: {part!r} is not a period HH:MM-HH:MM")
        period = TimePeriod(
            _seconds(start_text, option, clock_start), _seconds(end_text, option, clock_start)
        )
        if period.end <= period.start:
            raise AgentError(f"{option}: period {part.strip()} ends before it starts")
        if period.start < begin or period.end > end:
            raise AgentError(
                f"{option}: period {part.strip()} is outside the scenario's window "
                f"{span(begin + clock_start, end + clock_start)}"
            )
        periods.append(period)
    if not periods:
        raise AgentError(f"{option}: give auto or at least one period HH:MM-HH:MM")
    periods.sort(key=lambda period: period.start)
    for first, second in itertools.pairwise(periods):
        if second.start < first.end:
            shown = [span(p.start + clock_start, p.end + clock_start) for p in (first, second)]
            raise AgentError(f"{option}: periods {shown[0]} and {shown[1]} overlap")
    return tuple(periods)


def check_periods(text: str, option: str = "--periods") -> None:
    """Refuse a ``periods`` value that is neither ``auto`` nor well-formed periods (the
    window is checked when the scenario is known)."""
    if text != "auto":
        parse_periods(text, 0.0, 48 * 3600.0, option)


def _segment_costs(values: Sequence[float]) -> list[list[float]]:
    """Squared error of bins i..j-1 around their mean, for every i < j."""
    count = len(values)
    costs = [[0.0] * (count + 1) for _ in range(count + 1)]
    for i in range(count):
        total = squares = 0.0
        for j in range(i, count):
            total += values[j]
            squares += values[j] ** 2
            costs[i][j + 1] = squares - total * total / (j - i + 1)
    return costs


def auto_periods(departures: Sequence[float], begin: float, end: float) -> tuple[TimePeriod, ...]:
    """Split [begin, end) where the demand level changes.

    ``departures`` are the times vehicles (PCU) of the training demand start; they are
    counted in 5-minute bins and the bins cut into the level segments that minimise the
    squared error plus a cost per extra segment (the Bayesian information criterion with
    Poisson noise: a segment must explain more than the noise of counts that size).
    """
    bins = max(1, math.ceil((end - begin) / BIN))
    counts = [0.0] * bins
    for time in departures:
        if begin <= time < end:
            counts[min(bins - 1, int((time - begin) // BIN))] += 1
    mean = sum(counts) / bins
    noise = max(1.0, mean)  # a Poisson count's variance is its mean
    costs = _segment_costs(counts)
    most = min(MAX_PERIODS, bins)
    # best[k][j]: least error of the first j bins cut into k segments; cut[k][j]: last cut.
    best = [[math.inf] * (bins + 1) for _ in range(most + 1)]
    cut = [[0] * (bins + 1) for _ in range(most + 1)]
    best[0][0] = 0.0
    for k in range(1, most + 1):
        for j in range(k, bins + 1):
            for i in range(k - 1, j):
                value = best[k - 1][i] + costs[i][j]
                if value < best[k][j]:
                    best[k][j], cut[k][j] = value, i
    penalty = noise * 2.0 * math.log(bins)
    chosen = min(range(1, most + 1), key=lambda k: best[k][bins] + k * penalty)
    edges = [bins]
    for k in range(chosen, 0, -1):
        edges.append(cut[k][edges[-1]])
    edges.reverse()
    return tuple(
        TimePeriod(begin + low * BIN, min(end, begin + high * BIN))
        for low, high in itertools.pairwise(edges)
    )
