"""Trip metrics from SUMO's own outputs, as ../shared/DESIGN.md defines them.

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
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SERIES_PERIOD = 60.0


def output_options(folder: Path, period: float = SERIES_PERIOD) -> list[str]:
    """SUMO options that write what the metrics here read into ``folder``."""
    edge_data = folder / "edgedata.add.xml"
    edge_data.write_text(
        f'<additional><edgeData id="approaches" file="{folder / "edgedata.xml"}" '
        f'period="{period:g}" excludeEmpty="true"/></additional>\n'
    )
    return [
        "--additional-files",
        str(edge_data),
        "--device.emissions.probability",
        "1",
        "--tripinfo-output",
        str(folder / "tripinfo.xml"),
        "--tripinfo-output.write-unfinished",
        "--tripinfo-output.write-undeparted",
        "--statistic-output",
        str(folder / "statistics.xml"),
        "--summary-output",
        str(folder / "summary.xml"),
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

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def trip_metrics(folder: Path) -> TripMetrics:
    """Read ``tripinfo.xml`` and ``statistics.xml`` written with `output_options`."""
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
        p95_delay=_percentile(headline, 0.95),
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


def interval_series(
    folder: Path, approaches: Mapping[str, set[str]], period: float = SERIES_PERIOD
) -> dict[str, Any]:
    """Every ``period`` seconds (``time`` is each period's start): halted vehicles and mean
    speed (m/s) averaged over SUMO's per-step summary, and ``queues``, per junction the mean
    number of vehicles halted on its approaches (halted vehicle-seconds there / period)."""
    sums: dict[int, list[float]] = {}
    for step in ET.parse(folder / "summary.xml").getroot().iter("step"):
        bucket = int(float(step.get("time", "0")) // period)
        totals = sums.setdefault(bucket, [0.0, 0.0, 0.0])
        totals[0] += float(step.get("halting", "0"))
        totals[1] += max(0.0, float(step.get("meanSpeed", "0")))  # -1 when nobody drives
        totals[2] += 1
    buckets = sorted(sums)
    queues = {junction: [0.0] * len(buckets) for junction in sorted(approaches)}
    position = {bucket: index for index, bucket in enumerate(buckets)}
    for begin, end, edges in _edge_intervals(folder):
        index = position.get(int(begin // period))
        if index is None or end <= begin:
            continue
        for junction, incoming in approaches.items():
            halted = sum(
                float(edges[e].get("waitingTime", "0")) for e in sorted(incoming) if e in edges
            )
            queues[junction][index] += halted / (end - begin)
    return {
        "time": [bucket * period for bucket in buckets],
        "halting": [sums[b][0] / sums[b][2] for b in buckets],
        "mean_speed": [sums[b][1] / sums[b][2] for b in buckets],
        "queues": queues,
    }


def _edge_intervals(folder: Path) -> list[tuple[float, float, dict[str, ET.Element]]]:
    """The run's edgeData: (begin, end, edge id -> its element) per interval."""
    return [
        (
            float(interval.get("begin", "0")),
            float(interval.get("end", "0")),
            {edge.get("id", ""): edge for edge in interval.iter("edge")},
        )
        for interval in ET.parse(folder / "edgedata.xml").getroot().iter("interval")
    ]


# HCM 6th edition, signalised intersections: LOS by average control delay (s/veh).
HCM_EDITION = "HCM 6th edition"
LOS_THRESHOLDS = (("A", 10.0), ("B", 20.0), ("C", 35.0), ("D", 55.0), ("E", 80.0))


def level_of_service(delay: float) -> str:
    """HCM 6th-edition signalised level of service for an average control delay."""
    return next((grade for grade, limit in LOS_THRESHOLDS if delay <= limit), "F")


def junction_metrics(folder: Path, approaches: Mapping[str, set[str]]) -> dict[str, dict[str, Any]]:
    """Per junction: average control delay of vehicles on its approaches, and its LOS.

    Control delay is SUMO's time loss on the junction's approach edges divided by the
    vehicles that used them (entered or started there), summed over the run's edgeData
    intervals (a vehicle is counted in the interval it entered).
    """
    loss: dict[str, float] = defaultdict(float)
    vehicles: dict[str, int] = defaultdict(int)
    for _, _, edges in _edge_intervals(folder):
        for junction, incoming in approaches.items():
            for edge in (edges[e] for e in sorted(incoming) if e in edges):
                loss[junction] += float(edge.get("timeLoss", "0"))
                vehicles[junction] += int(float(edge.get("entered", "0")))
                vehicles[junction] += int(float(edge.get("departed", "0")))
    result = {}
    for junction in sorted(approaches):
        delay = loss[junction] / vehicles[junction] if vehicles[junction] else 0.0
        result[junction] = {
            "control_delay": delay,
            "vehicles": vehicles[junction],
            "los": level_of_service(delay),
        }
    return result
