"""Reading SUMO's XML inputs with errors that name the file and what is wrong with it."""

from __future__ import annotations

import gzip
import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ScenarioError


def _open(path: Path) -> io.BufferedIOBase:
    if not path.is_file():
        raise ScenarioError(f"{path}: file not found")
    return gzip.open(path) if path.suffix == ".gz" else path.open("rb")


def elements(path: Path) -> Iterator[ET.Element]:
    """Stream the elements of an XML file as they close; malformed XML is a ScenarioError."""
    with _open(path) as stream:
        try:
            for _event, element in ET.iterparse(stream, events=("end",)):
                yield element
        except ET.ParseError as error:
            line, column = error.position
            raise ScenarioError(
                f"{path}: malformed XML at line {line}, column {column + 1}"
            ) from None
        except (OSError, EOFError) as error:
            raise ScenarioError(f"{path}: cannot be read ({error})") from None


@dataclass(frozen=True)
class NetSummary:
    """What the rest of Stopline needs to know of a network without loading it in full."""

    edges: frozenset[str]
    traffic_lights: tuple[str, ...]
    junctions: frozenset[str] = frozenset()


def read_net(path: Path) -> NetSummary:
    """Edge ids and traffic-light ids of a ``.net.xml``; errors if it has no traffic lights."""
    edges: set[str] = set()
    lights: set[str] = set()
    junctions: set[str] = set()
    root_tag = None
    for element in elements(path):
        if element.tag == "edge" and element.get("function") != "internal":
            edges.add(element.get("id", ""))
        elif element.tag == "junction" and element.get("type") != "internal":
            junctions.add(element.get("id", ""))
        elif element.tag == "tlLogic":
            lights.add(element.get("id", ""))
        elif element.tag == "net":
            root_tag = "net"
        if element.tag in ("edge", "tlLogic", "junction", "connection"):
            element.clear()
    if root_tag != "net":
        raise ScenarioError(f"{path}: not a SUMO network (no <net> root element)")
    if not lights:
        raise ScenarioError(f"{path}: the network has no traffic lights to control")
    return NetSummary(frozenset(edges), tuple(sorted(lights)), frozenset(junctions))


_EDGE_TAGS = frozenset({"route", "vehicle", "trip", "flow", "walk", "personTrip", "ride"})
_AGENT_TAGS = frozenset({"vehicle", "trip", "flow", "person", "personFlow"})


def _referenced_edges(element: ET.Element) -> Iterator[str]:
    yield from element.get("edges", "").split()
    yield from element.get("via", "").split()
    for attribute in ("from", "to"):
        if element.get(attribute):
            yield element.get(attribute, "")


@dataclass(frozen=True)
class RoutesSummary:
    """What a route file asks of the simulation."""

    last_departure: float
    junction_trips: bool  # trips or flows between junctions (SUMO's --junction-taz)
    agents: int = 0  # vehicles, trips, flows and persons defined


def check_routes(path: Path, net: NetSummary, net_path: Path) -> RoutesSummary:
    """Check that every edge and junction a route file names is in the net.

    Any demand SUMO reads is accepted: vehicles with routes, route distributions, trips and
    flows between edges, junctions (``fromJunction``) or TAZ (checked by SUMO itself).
    """
    last_departure = -math.inf
    junction_trips = False
    agents = 0
    for element in elements(path):
        # A route nested in a vehicle closes before it: check it with its vehicle's name.
        standalone_route = element.tag == "route" and "id" in element.attrib
        if element.tag not in _AGENT_TAGS and not standalone_route:
            continue
        for part in element.iter():
            unknown = [edge for edge in _referenced_edges(part) if edge not in net.edges]
            if part.tag in _EDGE_TAGS and unknown:
                raise ScenarioError(
                    f"{path}: {element.tag} {element.get('id', '')!r} uses edge {unknown[0]!r}, "
                    f"which is not in the network {net_path.name}"
                )
            ends = [part.get(key) for key in ("fromJunction", "toJunction") if part.get(key)]
            missing = [name for name in ends if name not in net.junctions]
            if missing:
                raise ScenarioError(
                    f"{path}: {element.tag} {element.get('id', '')!r} uses junction "
                    f"{missing[0]!r}, which is not in the network {net_path.name}"
                )
            junction_trips = junction_trips or bool(ends)
        if element.tag in _AGENT_TAGS:
            agents += 1
            last_departure = max(last_departure, _departure(element))
            element.clear()
    return RoutesSummary(last_departure, junction_trips, agents)


def _departure(element: ET.Element) -> float:
    value = element.get("end") if element.tag in ("flow", "personFlow") else element.get("depart")
    try:
        return float(value) if value is not None else -math.inf
    except ValueError:
        return -math.inf  # "triggered", "now" and the like have no fixed time


@dataclass(frozen=True)
class SumoConfig:
    """The inputs and window a ``.sumocfg`` names, with paths made absolute."""

    net_file: Path | None
    route_files: tuple[Path, ...]
    additional_files: tuple[Path, ...]
    begin: float | None
    end: float | None


def read_sumocfg(path: Path) -> SumoConfig:
    """Read the net, routes, additional files and window from a SUMO configuration file."""
    values: dict[str, str] = {}
    root = None
    for element in elements(path):
        if "value" in element.attrib:
            values[element.tag] = element.attrib["value"]
        root = element
    if root is None or root.tag not in ("configuration", "sumoConfiguration"):
        raise ScenarioError(f"{path}: not a SUMO configuration (no <configuration> root)")

    def files(key: str) -> tuple[Path, ...]:
        names = values.get(key, "").replace(",", " ").split()
        return tuple((path.parent / name).resolve() for name in names)

    def seconds(key: str) -> float | None:
        if key not in values:
            return None
        try:
            return float(values[key])
        except ValueError:
            raise ScenarioError(f"{path}: <{key}> is not a time in seconds") from None

    nets = files("net-file")
    return SumoConfig(
        net_file=nets[0] if nets else None,
        route_files=files("route-files"),
        additional_files=files("additional-files"),
        begin=seconds("begin"),
        end=seconds("end"),
    )


def count_demand(path: Path) -> dict[str, int]:
    """How many vehicles, trips, flows and persons a route file defines, by element name."""
    counts: dict[str, int] = {}
    for element in elements(path):
        if element.tag in _AGENT_TAGS:
            counts[element.tag] = counts.get(element.tag, 0) + 1
            element.clear()
    return counts


def signal_links(net: Path) -> dict[str, dict[int, tuple[str, str, str]]]:
    """Per traffic light, link index -> (from edge, to edge, from lane), read in one pass."""
    links: dict[str, dict[int, tuple[str, str, str]]] = {}
    for element in elements(net):
        if element.tag == "connection" and element.get("tl"):
            source = element.get("from", "")
            links.setdefault(element.get("tl", ""), {})[int(element.get("linkIndex", "-1"))] = (
                source,
                element.get("to", ""),
                f"{source}_{element.get('fromLane', '0')}",
            )
    return links


def approach_edges(net: Path) -> dict[str, set[str]]:
    """For each traffic light, the edges whose lanes it controls (its approaches)."""
    return {
        junction: {source for source, _, _ in links.values()}
        for junction, links in signal_links(net).items()
    }
