"""Interval series and per-junction metrics from SUMO's own outputs, and the options that
write them; trip metrics themselves are `stopline.envs.trips` (plan optimisers need them
too). Definitions as docs/design.md gives them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stopline.envs.trips import trip_options

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
        *trip_options(folder),
        "--summary-output",
        str(folder / "summary.xml"),
    ]


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


def los_limits() -> str:
    """The grades' limits as the report and its maps print them: "A ≤ 10, ..., F > 80"."""
    grades = ", ".join(f"{grade} ≤ {limit:g}" for grade, limit in LOS_THRESHOLDS)
    return f"{grades}, F > {LOS_THRESHOLDS[-1][1]:g}"


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
