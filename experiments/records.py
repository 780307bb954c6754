"""SUMO's own record of a run, beyond trips: the signals' states every second
(``SaveTLSStates``), the queue on every lane every second (``--queue-output``) and per-lane
totals over the window, internal lanes included (``laneData``). What the signals did
(`signal_activity`) and the HCM movement results (`movements`) are read from these.

This module owns the file names and the options that write them, and their readers.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

from stopline.scenarios.xmlfiles import elements

STATES = "tls-states.xml"
QUEUES = "queues.xml"
LANES = "lanes.xml"


def state_events(root: ET.Element, junctions: Iterable[str], record: Path) -> None:
    """Add to an additional file's ``root`` one SaveTLSStates event per junction, all
    writing into ``record``: SUMO then writes each junction's state every step."""
    for junction in junctions:
        ET.SubElement(root, "timedEvent", type="SaveTLSStates", source=junction, dest=str(record))


def record_options(folder: Path, junctions: Iterable[str]) -> list[str]:
    """SUMO options that write the signals' states, the lane queues and the lane totals
    (with internal lanes, whose totals belong to one movement each) into ``folder``."""
    root = ET.Element("additional")
    state_events(root, junctions, folder / STATES)
    ET.SubElement(
        root,
        "laneData",
        id="stopline-lanes",
        file=str(folder / LANES),
        withInternal="true",
        excludeEmpty="true",
    )
    additional = folder / "record.add.xml"
    ET.ElementTree(root).write(additional)
    return ["--additional-files", str(additional), "--queue-output", str(folder / QUEUES)]


def read_states(record: Path) -> dict[str, list[tuple[float, str]]]:
    """Per junction, (time, state) for every step SUMO recorded, in time order."""
    states: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for element in elements(record):
        if element.tag == "tlsState":
            states[element.get("id", "")].append(
                (float(element.get("time", "0")), element.get("state", ""))
            )
            element.clear()
    return dict(states)


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


def read_lane_totals(record: Path) -> dict[str, dict[str, float]]:
    """Per lane (internal lanes too): SUMO's laneData totals summed over the intervals."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for element in elements(record):
        if element.tag == "lane":
            lane = totals[element.get("id", "")]
            for key in ("timeLoss", "entered", "left", "departed", "sampledSeconds"):
                lane[key] += float(element.get(key, "0"))
            element.clear()
    return {lane: dict(values) for lane, values in totals.items()}
