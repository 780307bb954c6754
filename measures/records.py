"""SUMO's own record of a run, beyond trips: the signals' states at every switch
(``SaveTLSSwitchStates``, read back second by second), the queue on every lane every
second (``--queue-output``) and per-lane totals over the window, internal lanes included
(``laneData``). What the signals did (`signal_activity`) and the HCM movement results
(`movements`) are read from these.

This module owns the file names and the options that write them, and their readers.
"""

from __future__ import annotations

import bisect
import functools
import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stopline.scenarios.xmlfiles import elements

# The HCM's analysis period: lane totals are written, and what the signals did is read,
# per interval of this length from the window's start (the last one may be shorter).
INTERVAL = 900.0
STATES = "tls-states.xml"
QUEUES = "queues.xml"
LANES = "lanes.xml"


def state_events(root: ET.Element, junctions: Iterable[str], record: Path) -> None:
    """Add to an additional file's ``root`` one SaveTLSSwitchStates event per junction,
    all writing into ``record``: SUMO then writes each junction's state whenever it
    changes (checked against SaveTLSStates' every step: the same states, second by
    second, for fixed, actuated and Stopline-driven signals)."""
    for junction in junctions:
        ET.SubElement(
            root, "timedEvent", type="SaveTLSSwitchStates", source=junction, dest=str(record)
        )


def intervals(window: tuple[float, float]) -> list[tuple[float, float]]:
    """The window's `INTERVAL`-long analysis periods, in order."""
    begin, end = window
    count = max(1, math.ceil((end - begin) / INTERVAL - 1e-9))
    return [(begin + i * INTERVAL, min(end, begin + (i + 1) * INTERVAL)) for i in range(count)]


def record_options(folder: Path, junctions: Iterable[str], begin: float) -> list[str]:
    """SUMO options that write the signals' states, the lane queues and the lane totals
    per `INTERVAL` from ``begin`` (with internal lanes, whose totals belong to one movement
    each) into ``folder``."""
    root = ET.Element("additional")
    state_events(root, junctions, folder / STATES)
    ET.SubElement(
        root,
        "laneData",
        id="stopline-lanes",
        file=str(folder / LANES),
        withInternal="true",
        excludeEmpty="true",
        period=f"{INTERVAL:g}",
        begin=f"{begin:g}",
    )
    additional = folder / "record.add.xml"
    ET.ElementTree(root).write(additional)
    return ["--additional-files", str(additional), "--queue-output", str(folder / QUEUES)]


@dataclass(frozen=True)
class SignalRecord:
    """One junction's state at each whole second (``times``) as SUMO recorded it."""

    times: tuple[float, ...]
    states: tuple[str, ...]

    def between(self, begin: float, end: float) -> SignalRecord:
        """The seconds in [begin, end)."""
        low, high = bisect.bisect_left(self.times, begin), bisect.bisect_left(self.times, end)
        return SignalRecord(self.times[low:high], self.states[low:high])

    @functools.cache  # noqa: B019 - records are few and short-lived; each asked a few times
    def showing(self, signals: frozenset[str]) -> np.ndarray:
        """Steps x links: whether the link shows one of ``signals`` (e.g. the greens)."""
        if not self.states:
            return np.zeros((0, 0), dtype=bool)
        codes = np.frombuffer("".join(self.states).encode(), dtype=np.uint8)
        table = codes.reshape(len(self.states), -1)
        return np.isin(table, np.frombuffer("".join(sorted(signals)).encode(), dtype=np.uint8))


def read_states(record: Path, window: tuple[float, float]) -> dict[str, SignalRecord]:
    """Per junction, its state at every whole second of ``window``, from SUMO's record of
    each switch (`state_events`)."""
    switches: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for element in elements(record):
        if element.tag == "tlsState":
            switches[element.get("id", "")].append(
                (float(element.get("time", "0")), element.get("state", ""))
            )
            element.clear()
    seconds = np.arange(math.ceil(window[0]), math.floor(window[1]), dtype=float)
    records = {}
    for junction, changes in switches.items():
        times = np.array([time for time, _ in changes])
        shown = np.searchsorted(times, seconds, side="right") - 1
        inside = shown >= 0  # seconds before the first switch SUMO recorded are left out
        records[junction] = SignalRecord(
            tuple(seconds[inside].tolist()), tuple(changes[i][1] for i in shown[inside])
        )
    return records


def read_queues(record: Path, lanes: set[str]) -> dict[str, dict[int, float]]:
    """For each of ``lanes``: queue length (m, stop line to the back of the last halted
    vehicle, SUMO's ``queueing_length``) by whole second, for the seconds it had one."""
    queues: dict[str, dict[int, float]] = {lane: {} for lane in lanes}
    pending: list[tuple[str, float]] = []  # a step's lanes close before the step does
    for element in elements(record):
        if element.tag == "lane":
            lane, length = element.get("id", ""), float(element.get("queueing_length", "0"))
            if lane in queues and length > 0:
                pending.append((lane, length))
        elif element.tag == "data":
            now = round(float(element.get("timestep", "0")))
            for lane, length in pending:
                queues[lane][now] = length
            pending.clear()
            element.clear()
    return queues


def worst_queue(
    queues: Mapping[str, Mapping[int, float]], lanes: Iterable[str]
) -> dict[int, float]:
    """By second, the longest queue on any of ``lanes`` (seconds with none left out)."""
    worst: dict[int, float] = {}
    for lane in lanes:
        for second, length in queues.get(lane, {}).items():
            worst[second] = max(worst.get(second, 0.0), length)
    return worst


LaneTotals = dict[str, dict[str, float]]  # lane -> SUMO's laneData figure -> value
_TOTALS = ("timeLoss", "left")  # what the lane groups read


def read_lane_totals(record: Path) -> dict[float, LaneTotals]:
    """Per interval (by its start) and lane, internal lanes too: SUMO's laneData totals."""
    found: dict[float, LaneTotals] = defaultdict(dict)
    pending: list[ET.Element] = []  # an interval's lanes close before the interval does
    for element in elements(record):
        if element.tag == "lane":
            pending.append(element)
        elif element.tag == "interval":
            totals = found[float(element.get("begin", "0"))]
            for lane in pending:
                totals[lane.get("id", "")] = {key: float(lane.get(key, "0")) for key in _TOTALS}
            pending.clear()
            element.clear()
    return dict(found)


def summed(per_interval: Mapping[float, LaneTotals]) -> LaneTotals:
    """Lane totals over every interval."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for lanes in per_interval.values():
        for lane, values in lanes.items():
            for key, value in values.items():
                totals[lane][key] += value
    return {lane: dict(values) for lane, values in totals.items()}
