"""Trip metrics from SUMO's tripinfo and statistics outputs, as docs/design.md defines
them: the figures reports print and plan optimisers minimise.

The headline delay of a vehicle is SUMO's ``timeLoss`` plus the time it waited to enter
(``departDelay``); a vehicle still waiting to enter at the window's end counts the time it
has waited (``--tripinfo-output.write-undeparted``), so a strategy that blocks an entry
cannot look good because its victims never appear. The in-network delay is ``timeLoss``
alone, over the vehicles that entered (comparable with other benchmarks). Travel time is
``duration``; waiting ``waitingTime``; stops ``waitingCount``; CO2 the emissions device's
``CO2_abs`` (SUMO's default HBEFA4 class for each vehicle class). Trips still in the
network at the end are written by SUMO (``--tripinfo-output.write-unfinished``) and counted
with their time so far. A trip is finished if SUMO gives it an arrival time, never
inserted if it gives it no departure: counts come from SUMO's records, trip by trip.
"""

from __future__ import annotations

import statistics
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path


def trip_options(folder: Path) -> list[str]:
    """SUMO options that write what `trip_metrics` reads into ``folder``."""
    return [
        "--tripinfo-output",
        str(folder / "tripinfo.xml"),
        "--tripinfo-output.write-unfinished",
        "--tripinfo-output.write-undeparted",
        "--statistic-output",
        str(folder / "statistics.xml"),
    ]


@dataclass(frozen=True)
class TripMetrics:
    """One run's trip metrics (seconds, counts).

    ``mean_delay``, ``median_delay`` and ``p95_delay`` are the headline delay (time loss
    plus entry delay, every vehicle whose departure time has come); ``mean_network_delay``
    is time loss alone over the vehicles that entered.
    """

    mean_delay: float
    median_delay: float
    p95_delay: float
    mean_network_delay: float
    mean_entry_delay: float
    mean_travel_time: float
    mean_waiting_time: float
    mean_stops: float
    vehicles: int
    throughput: int
    unfinished: int
    backlog: int
    teleports: int
    co2_total: float  # kg, all trips
    mean_co2: float  # g per trip
    # Vehicle-seconds queued at a green whose exit was queued to its entry: read from the
    # run's signal and queue records by `stopline.experiments.blocking`, not from trips.
    blocked: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def trip_metrics(folder: Path) -> TripMetrics:
    """Read ``tripinfo.xml`` and ``statistics.xml`` written with `trip_options`."""
    every = list(ET.parse(folder / "tripinfo.xml").getroot().iter("tripinfo"))
    entered = [trip for trip in every if float(trip.get("depart", "0")) >= 0]
    arrived = sum(1 for trip in entered if float(trip.get("arrival", "-1")) >= 0)
    teleports = ET.parse(folder / "statistics.xml").getroot().find("teleports")
    assert teleports is not None

    def values(trips: list[ET.Element], attribute: str) -> list[float]:
        return [float(trip.get(attribute, "0")) for trip in trips]

    def mean(numbers: list[float]) -> float:
        return statistics.fmean(numbers) if numbers else 0.0

    headline = [
        float(trip.get("timeLoss", "0")) + float(trip.get("departDelay", "0")) for trip in every
    ]
    co2 = [
        float(e.get("CO2_abs", "0"))
        for e in (t.find("emissions") for t in entered)
        if e is not None
    ]
    backlog = len(every) - len(entered)
    return TripMetrics(
        mean_delay=mean(headline),
        median_delay=statistics.median(headline) if headline else 0.0,
        p95_delay=percentile(headline, 0.95),
        mean_network_delay=mean(values(entered, "timeLoss")),
        mean_entry_delay=mean(values(every, "departDelay")),
        mean_travel_time=mean(values(entered, "duration")),
        mean_waiting_time=mean(values(entered, "waitingTime")),
        mean_stops=mean(values(entered, "waitingCount")),
        vehicles=len(every),
        throughput=arrived,
        unfinished=len(every) - arrived,
        backlog=backlog,
        teleports=int(teleports.get("total", "0")),
        co2_total=sum(co2) / 1e6,  # SUMO writes mg
        mean_co2=sum(co2) / 1e3 / len(entered) if entered else 0.0,
    )
