"""Safety from SUMO's own record: states saved by SUMO's SaveTLSStates, checked per link."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from stopline.envs import Signal

GREEN = set("Ggs")


def recording_options(folder: Path, junctions: Iterable[str]) -> tuple[list[str], Path]:
    """SUMO options that make SUMO record every junction's state each step, and the record."""
    record = folder / "tls-states.xml"
    additional = folder / "record.add.xml"
    root = ET.Element("additional")
    for junction in junctions:  # one event each, all into the same record
        ET.SubElement(root, "timedEvent", type="SaveTLSStates", source=junction, dest=str(record))
    ET.ElementTree(root).write(additional)
    return ["--additional-files", str(additional)], record


def read_record(record: Path) -> dict[str, list[tuple[float, str]]]:
    """Per junction, (time, state) for every step SUMO recorded."""
    states: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for element in ET.parse(record).getroot().iter("tlsState"):
        states[element.get("id", "")].append(
            (float(element.get("time", "0")), element.get("state", ""))
        )
    return states


@dataclass(frozen=True)
class Limits:
    """What the signal model promised for one junction: per green state, its min and max."""

    allowed: frozenset[str]
    min_green: dict[str, float]
    max_green: dict[str, float]
    yellow: float
    slack: float  # one decision interval

    @classmethod
    def of(cls, signal: Signal, delta_time: float) -> Limits:
        timing = signal.timing
        greens = signal.greens
        return cls(
            frozenset(signal.allowed_states),
            {state: timing.min_green_of(index) for index, state in enumerate(greens)},
            {state: timing.max_green_of(index) for index, state in enumerate(greens)},
            timing.yellow,
            delta_time,
        )


def _runs(steps: list[tuple[float, str]]) -> list[tuple[str, float, float]]:
    """Maximal runs of one value: (value, first time, time the next value began)."""
    runs: list[tuple[str, float, float]] = []
    for time, value in steps:
        if runs and runs[-1][0] == value:
            continue
        if runs:
            runs[-1] = (runs[-1][0], runs[-1][1], time)
        runs.append((value, time, float("inf")))
    return runs


def violations(steps: list[tuple[float, str]], limits: Limits) -> list[str]:
    """Every breach of the safety rules in one junction's record (empty when safe)."""
    found = [f"t={t:g}: state {s} is not allowed" for t, s in steps if s not in limits.allowed]
    for index in range(len(steps[0][1]) if steps else 0):
        links = _runs([(time, state[index]) for time, state in steps])
        for (before, _, _), (after, start, end) in itertools.pairwise(links):
            if before in GREEN and after not in GREEN and after != "y":
                found.append(f"link {index} at t={start:g}: green to {after!r} without yellow")
            if after == "y" and end != float("inf") and end - start < limits.yellow:
                found.append(
                    f"link {index} at t={start:g}: yellow {end - start:g} s < {limits.yellow:g}"
                )
            if before == "y" and after in GREEN:
                found.append(f"link {index} at t={start:g}: yellow back to green")
    for state, start, end in _runs(steps):
        if state not in limits.min_green or end == float("inf"):
            continue  # the last green is cut by the episode's end
        if end - start < limits.min_green[state]:
            found.append(f"green {state} at t={start:g} lasted {end - start:g} s < min green")
        if end - start > limits.max_green[state] + limits.slack:
            found.append(f"green {state} at t={start:g} lasted {end - start:g} s > max green")
    return found
