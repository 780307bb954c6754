"""The run metrics, one entry each: name (its key in a run's metrics, the results store,
``--json`` and the CSVs), label and unit (a table's column title), decimals shown, which
way is better, what it means, and how it is read from the run's trips. The comparison
(`experiments.analysis.summary`), `evaluate`'s tables, ``comparison.csv`` and the report
all read this list, in its order: a new metric is one entry in `METRICS`.

Definitions as docs/design.md gives them (`trips` says how SUMO's records are read).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .trips import Trips, mean, percentile


@dataclass(frozen=True)
class Metric:
    """One run metric. ``read`` computes it from the run's trips; None for a metric the
    run sets from its other records (``blocked``). ``table``: a column of `evaluate`'s and
    the comparison's tables (the others are in ``--json`` and the CSVs). Tables show
    ``value * scale`` (vehicle-seconds as vehicle-hours); stored values are unscaled."""

    name: str
    label: str
    unit: str
    digits: int
    better: Literal["lower", "higher"]
    description: str
    read: Callable[[Trips], float] | None = None
    table: bool = False
    scale: float = 1.0

    @property
    def title(self) -> str:
        """The column title: the label and its unit ("delay s")."""
        return f"{self.label} {self.unit}".strip()

    def shown(self, value: float) -> float:
        """The stored ``value`` in the unit tables show."""
        return value * self.scale

    def format(self, value: float) -> str:
        """The stored ``value`` as tables print it."""
        return f"{self.shown(value):.{self.digits}f}"


METRICS: tuple[Metric, ...] = (
    Metric(
        "mean_delay", "delay", "s", 1, "lower",
        "each vehicle's SUMO timeLoss plus the time it waited to enter the network "
        "(vehicles still waiting at the window's end count the time waited; trips "
        "unfinished at the end count their time so far)",
        lambda trips: mean(trips.headline()), table=True,
    ),
    Metric(
        "median_delay", "median delay", "s", 1, "lower", "median headline delay",
        lambda trips: statistics.median(trips.headline()) if trips.every else 0.0,
    ),
    Metric(
        "p95_delay", "95th-percentile delay", "s", 1, "lower",
        "95th percentile of the headline delay",
        lambda trips: percentile(trips.headline(), 0.95),
    ),
    Metric(
        "mean_network_delay", "in-network delay", "s", 1, "lower",
        "SUMO's timeLoss alone, of the vehicles that entered (comparable with other "
        "benchmarks)",
        lambda trips: mean(trips.values("timeLoss")), table=True,
    ),
    Metric(
        "mean_entry_delay", "entry delay", "s", 1, "lower",
        "mean wait to enter the network, vehicles still waiting counted",
        lambda trips: mean(trips.values("departDelay", entered=False)),
    ),
    Metric(
        "mean_travel_time", "travel", "s", 1, "lower",
        "mean travel time of the vehicles that entered (SUMO's duration)",
        lambda trips: mean(trips.values("duration")), table=True,
    ),
    Metric(
        "mean_waiting_time", "waiting", "s", 1, "lower", "mean time spent halted",
        lambda trips: mean(trips.values("waitingTime")),
    ),
    Metric(
        "mean_stops", "stops", "", 2, "lower", "mean number of stops per vehicle",
        lambda trips: mean(trips.values("waitingCount")),
    ),
    Metric(
        "vehicles", "vehicles", "", 0, "higher",
        "vehicles whose departure time came in the window",
        lambda trips: len(trips.every),
    ),
    Metric(
        "throughput", "arrived", "", 0, "higher", "vehicles that reached their destination",
        lambda trips: trips.arrived(), table=True,
    ),
    Metric(
        "unfinished", "unfinished", "", 0, "lower",
        "vehicles still in the network or never inserted at the window's end",
        lambda trips: len(trips.every) - trips.arrived(), table=True,
    ),
    Metric(
        "backlog", "never entered", "", 0, "lower",
        "vehicles still waiting to enter at the window's end",
        lambda trips: len(trips.every) - len(trips.entered),
    ),
    Metric(
        "teleports", "teleports", "", 0, "lower",
        "vehicles SUMO moved on after 300 s stuck (a sign of gridlock)",
        lambda trips: trips.teleports, table=True,
    ),
    Metric(
        "blocked", "blocked", "veh-h", 1, "lower",
        "vehicle-hours queued at a green whose exit lane was queued back to its entry (a "
        "green that could move nobody: where gridlock starts), from SUMO's record of "
        "signal states and lane queues",
        table=True, scale=1 / 3600,
    ),
    Metric(
        "co2_total", "CO2", "kg", 0, "lower",
        "the emissions device's total over all trips (SUMO's default class per vehicle "
        "class)",
        lambda trips: sum(trips.co2()) / 1e6, table=True,  # SUMO writes mg
    ),
    Metric(
        "mean_co2", "CO2 per trip", "g", 0, "lower", "CO2 per vehicle that entered",
        lambda trips: sum(trips.co2()) / 1e3 / len(trips.entered) if trips.entered else 0.0,
    ),
)  # fmt: skip
BY_NAME: Mapping[str, Metric] = {metric.name: metric for metric in METRICS}
HEADLINE = BY_NAME["mean_delay"]  # the figure every comparison ranks by
TABLE: tuple[Metric, ...] = tuple(metric for metric in METRICS if metric.table)


def trip_metrics(folder: Path) -> dict[str, float]:
    """Every metric read from trips, from the outputs `trips.trip_options` wrote into
    ``folder``, in the catalogue's order."""
    trips = Trips.read(folder)
    return {metric.name: metric.read(trips) for metric in METRICS if metric.read is not None}
