"""The SUMO outputs every measured run writes (trips, summary, a 60 s edgeData), the options
that write them, and the interval series read from them. Trip metrics are `trips`; the
signals' record and lane totals `records`. Definitions as docs/design.md gives them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .trips import trip_options

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
