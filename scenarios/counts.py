"""Demand from traffic counts: turning-movement or edge counts per interval, turned into
routes by SUMO's ``routeSampler.py``, with the fit engineers check (GEH per count).

A counts file is CSV with the columns ``junction`` (optional: where the movement is),
``from`` (the approach edge), ``to`` (the exit edge of a turning movement; empty for an
edge count), ``interval`` (when the interval starts, HH:MM) and ``count`` (vehicles in the
interval). Candidate routes come from ``randomTrips.py`` routed by ``duarouter``;
``routeSampler.py`` picks among them in two rounds: first among trips from the network's
fringe to its fringe, so that as much of the traffic as the counts allow is whole trips
across it (not chains of short trips that happen to match the counts); then, for what the
counts still call for, among trips between any edges: a city's traffic also starts and
ends inside it.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import math
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import bounds, sumo_tools
from .build import write_sumocfg
from .errors import ScenarioError
from .flows import movement_crossings
from .options import QUIET
from .xmlfiles import elements

HOUR = 3600.0
COLUMNS = ("junction", "from", "to", "interval", "count")
# The usual calibration criterion: GEH < 5 for at least 85 % of the counts.
GEH_TARGET = 5.0
GEH_SHARE = 0.85
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|min|h)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_interval(text: str, option: str = "--interval") -> float:
    """``15min``, ``900s``, ``1h`` or ``900`` (seconds) as seconds, > 0."""
    match = _DURATION.match(text.strip())
    if not match or float(match[1]) <= 0:
        raise ScenarioError(f"{option}: {text!r} is not a duration like 15min, 900s or 1h")
    return float(match[1]) * {"s": 1, None: 1, "min": 60, "h": 3600}[match[2]]


@dataclass(frozen=True)
class Count:
    """One counted flow: vehicles from ``source`` (into ``target``) in [begin, end)."""

    row: int
    source: str
    target: str | None
    begin: float
    end: float
    count: float


def _net_movements(net: Path) -> tuple[dict[str, set[str]], set[tuple[str, str]]]:
    """Every normal edge with the names of the junction it leads into (the node, and the
    traffic light controlling it: a city's joined cluster has its own light id), and every
    (from, to) connection."""
    edges: dict[str, set[str]] = {}
    movements: set[tuple[str, str]] = set()
    for element in elements(net):
        if element.tag == "edge" and element.get("function", "normal") == "normal":
            edges[element.get("id", "")] = {element.get("to", "")}
            element.clear()
        elif element.tag == "connection":
            source = element.get("from", "")
            movements.add((source, element.get("to", "")))
            if element.get("tl") and source in edges:
                edges[source].add(element.get("tl", ""))
    return edges, movements


def read_counts(
    path: Path, net: Path, interval: float, window: tuple[float, float] = (0.0, 86400.0)
) -> list[Count]:
    """The counts of ``path``, each checked against the net and the window; a bad row is
    refused in one line naming the file and the row."""
    if not path.is_file():
        raise ScenarioError(f"{path}: file not found")
    try:
        bounds.check_size(path, "counts file")
    except bounds.BoundError as error:
        raise ScenarioError(str(error)) from None
    edges, movements = _net_movements(net)
    counts: list[Count] = []
    seen: dict[tuple[str, str | None, float], int] = {}
    try:
        with path.open(newline="") as stream:
            reader = csv.DictReader(stream)
            fields = reader.fieldnames or []
            missing = [c for c in COLUMNS if c not in fields and c != "junction"]
            if missing:
                raise ScenarioError(
                    f"{path}: no column {', '.join(missing)} (columns: {', '.join(COLUMNS)})"
                )
            for number, row in enumerate(reader, start=2):  # the header is line 1
                count = _count(path, number, row, edges, movements, interval, window)
                # A repeated row would be fitted twice over and reported as a perfect fit.
                first = seen.setdefault((count.source, count.target, count.begin), number)
                if first != number:
                    raise ScenarioError(
                        f"{path} row {number}: repeats row {first} (same from, to and interval)"
                    )
                counts.append(count)
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a text file (counts are CSV)") from None
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read it ({error.strerror or error})") from None
    if not counts:
        raise ScenarioError(f"{path}: no counts")
    return counts


def _count(
    path: Path,
    number: int,
    row: dict[str, str],
    edges: dict[str, set[str]],
    movements: set[tuple[str, str]],
    interval: float,
    window: tuple[float, float],
) -> Count:
    where = f"{path} row {number}"
    source, target = (row.get("from") or "").strip(), (row.get("to") or "").strip() or None
    junction = (row.get("junction") or "").strip()
    for edge in (source, target):
        if edge is not None and edge not in edges:
            raise ScenarioError(f"{where}: edge {edge!r} is not in the net")
    if junction and junction not in edges[source]:
        raise ScenarioError(f"{where}: edge {source!r} does not lead into junction {junction!r}")
    if target is not None and (source, target) not in movements:
        raise ScenarioError(f"{where}: no movement from {source!r} to {target!r}")
    try:
        value = float(row.get("count", ""))
    except ValueError:
        raise ScenarioError(f"{where}: count {row.get('count')!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise ScenarioError(f"{where}: count {value:g} is negative")
    try:
        bounds.check("count per hour", value * 3600.0 / interval)
    except bounds.BoundError:
        most = bounds.BOUNDS["count per hour"].high * interval / 3600.0
        raise ScenarioError(
            f"{where}: count {value:g} is more than a {interval / 60:g}-minute interval can "
            f"carry (at most {most:g}: {bounds.BOUNDS['count per hour'].high:g} an hour)"
        ) from None
    clock = _CLOCK.match((row.get("interval") or "").strip())
    if not clock or int(clock[2]) >= 60:
        raise ScenarioError(f"{where}: interval {row.get('interval')!r} is not a start time HH:MM")
    begin = int(clock[1]) * 3600.0 + int(clock[2]) * 60.0
    if begin < window[0] or begin + interval > window[1]:
        raise ScenarioError(f"{where}: interval {row.get('interval')} is outside the window")
    return Count(number, source, target, begin, begin + interval, value)


def _data_file(counts: Sequence[Count], path: Path, turns: bool) -> Path:
    """Counts as SUMO edgeData (``edge``) or edgeRelation elements, one interval each."""
    root = ET.Element("data")
    for begin, end in sorted({(c.begin, c.end) for c in counts}):
        interval = ET.SubElement(root, "interval", id="counts", begin=f"{begin:g}", end=f"{end:g}")
        for count in counts:
            if (count.begin, count.end) != (begin, end):
                continue
            if turns:
                ET.SubElement(
                    interval,
                    "edgeRelation",
                    attrib={
                        "from": count.source,
                        "to": count.target or "",
                        "count": f"{count.count:g}",
                    },
                )
            else:
                ET.SubElement(interval, "edge", id=count.source, entered=f"{count.count:g}")
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


def _candidates(
    net: Path, folder: Path, seed: int, window: tuple[float, float], kind: str, fringe: str
) -> Path:
    """Candidate routes by ``randomTrips.py`` routed with ``duarouter``: ``through`` trips
    from fringe to fringe, ``local`` trips between any edges."""
    routes = folder / f"candidates-{kind}.rou.xml"
    sumo_tools.run(
        [
            sys.executable,
            sumo_tools.tool("randomTrips.py"),
            "-n", net, "-r", routes, "-o", folder / f"candidates-{kind}.trips.xml",
            "--seed", str(seed), "-b", f"{window[0]:g}", "-e", f"{window[1]:g}", "-p", "0.5",
            "--fringe-factor", fringe, "--validate", "--prefix", f"{kind}-",
        ],
        what="randomTrips.py (candidate routes)",
        cwd=folder,
    )  # fmt: skip
    return routes


def _sample(candidates: Path, counts: Sequence[Count], folder: Path, seed: int, kind: str) -> Path:
    """``routeSampler.py``'s choice among ``candidates`` to match ``counts``."""
    files: list[str | Path] = []
    turns = [c for c in counts if c.target is not None]
    edge_counts = [c for c in counts if c.target is None]
    if turns:
        files += ["-t", _data_file(turns, folder / f"turn-counts-{kind}.xml", turns=True)]
    if edge_counts:
        files += ["-d", _data_file(edge_counts, folder / f"edge-counts-{kind}.xml", turns=False)]
    routes = folder / f"sampled-{kind}.rou.xml"
    sumo_tools.run(
        [
            sys.executable, sumo_tools.tool("routeSampler.py"), "-r", candidates, *files,
            "-o", routes, "--seed", str(seed), "--turn-attribute", "count",
            "--edgedata-attribute", "entered", "--prefix", f"{kind}-",
        ],
        what="routeSampler.py",
        cwd=folder,
    )  # fmt: skip
    return routes


def _passed(routes: Path, counts: Sequence[Count]) -> dict[tuple[float, str, str | None], int]:
    """What sampled routes give each count, as ``routeSampler.py`` reckons it: a vehicle
    counts in the interval it departs in, at every counted edge or movement on its route."""
    spans = sorted({(c.begin, c.end) for c in counts})
    wanted = {(c.begin, c.source, c.target) for c in counts}
    given: dict[tuple[float, str, str | None], int] = defaultdict(int)
    for element in elements(routes):
        if element.tag == "vehicle":
            depart = float(element.get("depart", "0"))
            begin = next((b for b, e in spans if b <= depart < e), None)
            route = element.find("route")
            edges = route.get("edges", "").split() if route is not None else []
            for key in (
                *((begin, edge, None) for edge in edges),
                *((begin, a, b) for a, b in itertools.pairwise(edges)),
            ):
                if key in wanted:
                    given[key] += 1
            element.clear()
    return given


def _merged(parts: Sequence[Path], path: Path) -> Path:
    """One route file of the vehicles of ``parts``, by departure."""
    vehicles = [
        element
        for part in parts
        for element in ET.parse(part).getroot()
        if element.tag == "vehicle"
    ]
    vehicles.sort(key=lambda vehicle: float(vehicle.get("depart", "0")))
    root = ET.Element("routes")
    root.extend(vehicles)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


def sample_routes(net: Path, counts: Sequence[Count], folder: Path, seed: int) -> Path:
    """Routes that match ``counts``, in two rounds of ``routeSampler.py``: whole trips
    across the network first; then, for what the counts still call for, trips that start
    or end inside it (a city's parking and side streets). Through trips alone leave a
    city's counts short; offered both at once the sampler fills the counts with short
    trips and multiplies the vehicles (`corridor`: 4,227 for 2,448)."""
    window = (min(c.begin for c in counts), max(c.end for c in counts))
    through = _sample(
        _candidates(net, folder, seed, window, "through", "max"), counts, folder, seed, "through"
    )
    passed = _passed(through, counts)
    rest = [
        dataclasses.replace(c, count=max(0.0, c.count - passed[c.begin, c.source, c.target]))
        for c in counts
    ]
    parts = [through]
    if any(c.count > 0 for c in rest):
        local = _candidates(net, folder, seed + 1, window, "local", "1")
        parts.append(_sample(local, rest, folder, seed, "local"))
    return _merged(parts, folder / "routes.rou.xml")


def geh(simulated: float, counted: float) -> float:
    """The GEH statistic of two hourly flows: sqrt(2 (M - C)^2 / (M + C))."""
    total = simulated + counted
    return math.sqrt(2 * (simulated - counted) ** 2 / total) if total > 0 else 0.0


@dataclass(frozen=True)
class Fit:
    """A count against what SUMO drove: both as hourly flows, and their GEH."""

    count: Count
    simulated: float  # vehicles in the interval

    @property
    def hourly(self) -> tuple[float, float]:
        hours = (self.count.end - self.count.begin) / HOUR
        return self.count.count / hours, self.simulated / hours

    @property
    def geh(self) -> float:
        counted, simulated = self.hourly
        return geh(simulated, counted)


def measure_fit(net: Path, routes: Path, counts: Sequence[Count], folder: Path) -> list[Fit]:
    """Run SUMO on the sampled routes and read, per count, the vehicles it counted there:
    edgeData's ``entered`` for an edge, vehicles leaving ``from`` for ``to`` (SUMO's route
    output with exit times) for a movement."""
    spans = sorted({(c.begin, c.end) for c in counts})
    begin, end = spans[0][0], spans[-1][1]
    period = spans[0][1] - spans[0][0]
    measures = folder / "measure.add.xml"
    measures.write_text(
        f'<additional><edgeData id="fit" file="{folder / "edges.out.xml"}" '
        f'period="{period:g}" begin="{begin:g}"/></additional>\n'
    )
    driven = folder / "driven.rou.xml"
    sumo_tools.run(
        [
            sumo_tools.binary("sumo"), "-n", net, "-r", routes, "-a", measures,
            "-b", f"{begin:g}", "-e", f"{end:g}", *QUIET,
            "--vehroute-output", driven, "--vehroute-output.exit-times",
        ],
        what="sumo (measuring the fit)",
    )  # fmt: skip
    seen: dict[tuple[float, str, str | None], float] = defaultdict(float)
    for interval in ET.parse(folder / "edges.out.xml").getroot().iter("interval"):
        start = float(interval.get("begin", "0"))
        for edge in interval.iter("edge"):
            seen[start, edge.get("id", ""), None] = float(edge.get("entered", "0"))
    for time, _, (source, target) in movement_crossings(driven, {}):
        within = next((b for b, e in spans if b <= time < e), None)
        if within is not None:
            seen[within, source, target] += 1
    return [Fit(c, seen[c.begin, c.source, c.target]) for c in counts]


def from_counts(
    net: Path, counts_file: Path, interval: float, out: Path, seed: int = 42
) -> tuple[Path, list[Fit]]:
    """A scenario folder (``scenario.sumocfg``, the net, ``routes.rou.xml``) whose demand
    matches the counts, and the fit of every count."""
    counts = read_counts(counts_file, net, interval)
    out.mkdir(parents=True, exist_ok=True)
    local_net = out / net.name
    if local_net.resolve() != net.resolve():
        shutil.copyfile(net, local_net)
    work = out / "sampling"  # candidates, count files and the fit run's outputs
    work.mkdir(exist_ok=True)
    routes = sample_routes(local_net, counts, work, seed).replace(out / "routes.rou.xml")
    fits = measure_fit(local_net, routes, counts, work)
    config = out / "scenario.sumocfg"
    write_sumocfg(config, local_net.name, routes.name, max(c.end for c in counts))
    return config, fits
