"""Demand as a signal engineer counts it: passenger-car units per hour on each movement."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from stopline.scenarios import Scenario, ScenarioError
from stopline.scenarios.xmlfiles import elements

HOUR = 3600.0
# Passenger-car equivalents by vehicle class where a type names none (HCM-style values).
CLASS_PCE = {"truck": 2.0, "trailer": 2.5, "bus": 2.0, "coach": 2.0, "motorcycle": 0.5}


def _pce(vtype: ET.Element) -> float:
    for param in vtype.iter("param"):
        if param.get("key") == "pce":
            return float(param.get("value", "1"))
    return CLASS_PCE.get(vtype.get("vClass", "passenger"), 1.0)


def _departures(route_files: Iterable[Path]) -> list[tuple[float, float, tuple[str, ...]]]:
    """(depart, pce, edges) of every routed vehicle, flows expanded."""
    pce: dict[str, float] = {}
    routes: dict[str, tuple[str, ...]] = {}
    found: list[tuple[float, float, tuple[str, ...]]] = []
    for path in route_files:
        for element in elements(path):
            tag = element.tag
            if tag == "vType":
                pce[element.get("id", "")] = _pce(element)
            elif tag == "route" and element.get("id"):
                routes[element.get("id", "")] = tuple(element.get("edges", "").split())
            elif tag in ("vehicle", "flow"):
                nested = element.find("route")
                edges = (
                    tuple(nested.get("edges", "").split())
                    if nested is not None
                    else routes.get(element.get("route", ""))
                )
                if not edges:
                    raise ScenarioError(
                        f"{path}: {tag} {element.get('id')!r} has no route; flow-based timing "
                        "needs routed demand (run duarouter first)"
                    )
                weight = pce.get(element.get("type", ""), 1.0)
                found += [(depart, weight, edges) for depart in _expand(element)]
                element.clear()
            elif tag == "trip":
                raise ScenarioError(
                    f"{path}: trip {element.get('id')!r} has no route; flow-based timing "
                    "needs routed demand (run duarouter first)"
                )
    return found


def _expand(element: ET.Element) -> list[float]:
    if element.tag == "vehicle":
        depart = element.get("depart", "0")
        return [float(depart)] if depart.replace(".", "", 1).isdigit() else []
    begin, end = float(element.get("begin", "0")), float(element.get("end", str(HOUR)))
    if element.get("number"):
        count = int(element.get("number", "0"))
    elif element.get("vehsPerHour"):
        count = round(float(element.get("vehsPerHour", "0")) * (end - begin) / HOUR)
    elif element.get("period"):
        count = int((end - begin) / float(element.get("period", "1")))
    else:
        count = round(float(element.get("probability", "0")) * (end - begin))
    step = (end - begin) / count if count else 0.0
    return [begin + index * step for index in range(count)]


def peak_hour_movement_flows(scenario: Scenario) -> dict[tuple[str, str], float]:
    """PCU per hour on every (from edge, to edge) pair in the busiest hour of departures."""
    departures = sorted(_departures(scenario.route_files))
    best, best_start, low, total = 0.0, 0, 0, 0.0
    for depart, weight, _ in departures:
        total += weight
        while depart - departures[low][0] >= HOUR:
            total -= departures[low][1]
            low += 1
        if total > best:
            best, best_start = total, low
    flows: dict[tuple[str, str], float] = defaultdict(float)
    if not departures:
        return flows
    start = departures[best_start][0]
    for depart, weight, edges in departures[best_start:]:
        if depart - start >= HOUR:
            break
        for pair in itertools.pairwise(edges):
            flows[pair] += weight
    return dict(flows)
