"""Demand as a signal engineer counts it: passenger-car units per hour on each movement.

Flows are read from what SUMO made of the scenario's training demand (demand seed
`TRAINING_SEEDS[0]`), run with the scenario's own programmes: any demand format SUMO
accepts gives flows, and a plan is never timed on the demand it is evaluated on.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from .derived import observed_routes
from .loader import reseeded
from .scenario import Scenario
from .seeds import TRAINING_SEEDS
from .xmlfiles import elements

HOUR = 3600.0
# Passenger-car equivalents by vehicle class where a type names none (HCM-style values).
CLASS_PCE = {"truck": 2.0, "trailer": 2.5, "bus": 2.0, "coach": 2.0, "motorcycle": 0.5}


def _pce(vtype: ET.Element) -> float:
    for param in vtype.iter("param"):
        if param.get("key") == "pce":
            return float(param.get("value", "1"))
    return CLASS_PCE.get(vtype.get("vClass", "passenger"), 1.0)


def vehicle_type_pce(files: Iterable[Path]) -> dict[str, float]:
    """PCE of every vehicle type the files define."""
    return {
        element.get("id", ""): _pce(element)
        for path in files
        for element in elements(path)
        if element.tag == "vType"
    }


def movement_crossings(
    routes: Path, pce: dict[str, float]
) -> list[tuple[float, float, tuple[str, str]]]:
    """(time, PCE, (from edge, to edge)) for every movement a vehicle made in SUMO's
    vehroute output: the time is when it left the first edge."""
    found = []
    for element in elements(routes):
        if element.tag != "vehicle":
            continue
        route = element.find("route")
        if route is not None:
            edges = route.get("edges", "").split()
            exits = [float(t) for t in route.get("exitTimes", "").split()]
            weight = pce.get(element.get("type", ""), 1.0)
            for pair, time in zip(itertools.pairwise(edges), exits, strict=False):
                if time >= 0:
                    found.append((time, weight, pair))
        element.clear()
    return found


def training_crossings(scenario: Scenario) -> list[tuple[float, float, tuple[str, str]]]:
    """`movement_crossings` of the scenario's training demand, in time order."""
    training = reseeded(scenario, TRAINING_SEEDS[0])
    pce = vehicle_type_pce([*training.route_files, *training.additional_files])
    return sorted(movement_crossings(observed_routes(training), pce))


def training_departures(scenario: Scenario) -> list[float]:
    """When each vehicle of the scenario's training demand entered the network."""
    training = reseeded(scenario, TRAINING_SEEDS[0])
    times = []
    for element in elements(observed_routes(training)):
        if element.tag == "vehicle":
            if float(element.get("depart", "-1")) >= 0:
                times.append(float(element.get("depart", "0")))
            element.clear()
    return times


def window_flows(
    crossings: Iterable[tuple[float, float, tuple[str, str]]], begin: float, end: float
) -> dict[tuple[str, str], float]:
    """PCU per hour on every movement crossed in [begin, end)."""
    flows: dict[tuple[str, str], float] = defaultdict(float)
    hours = (end - begin) / HOUR
    for time, weight, pair in crossings:
        if begin <= time < end:
            flows[pair] += weight / hours
    return dict(flows)


def peak_hour_movement_flows(scenario: Scenario) -> dict[tuple[str, str], float]:
    """PCU per hour on every (from edge, to edge) movement in the busiest hour of the
    scenario's training demand, as SUMO ran it."""
    crossings = training_crossings(scenario)
    best, best_start, low, total = 0.0, 0, 0, 0.0
    for time, weight, _ in crossings:
        total += weight
        while time - crossings[low][0] >= HOUR:
            total -= crossings[low][1]
            low += 1
        if total > best:
            best, best_start = total, low
    if not crossings:
        return {}
    start = crossings[best_start][0]
    return window_flows(crossings[best_start:], start, start + HOUR)
