"""Demand of the built-in scenarios: arrivals shaped by a time profile, routed by SUMO.

Two kinds: `Demand` (Poisson arrivals on named entries with turning proportions, for the
generated nets) and `RandomTrips` (trips between random edges of any net, drawn by SUMO's
``randomTrips.py``, for imported city nets). The demand seed alone decides which vehicles
enter where and when, so the same seed gives the same vehicles whatever SUMO's own seed
is. Routing is SUMO's ``duarouter``.
"""

from __future__ import annotations

import math
import random
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import sumo_tools
from .options import QUIET


@dataclass(frozen=True)
class Period:
    """A stretch of the window in which demand runs at ``factor`` times its peak rate."""

    start: float
    end: float
    factor: float


# Shoulder, peak, shoulder over one hour.
ONE_HOUR_PEAK = (
    Period(0, 900, 0.6),
    Period(900, 1500, 0.85),
    Period(1500, 2400, 1.0),
    Period(2400, 3000, 0.85),
    Period(3000, 3600, 0.6),
)


@dataclass(frozen=True)
class VehicleType:
    """A SUMO vehicle type with its passenger-car equivalent (for flow-based signal timing)."""

    id: str
    share: float
    pce: float
    attributes: Mapping[str, str] = field(default_factory=dict)


VEHICLE_TYPES = (
    VehicleType("car", 0.95, 1.0, {"length": "5", "accel": "2.6", "decel": "4.5", "sigma": "0.5"}),
    VehicleType(
        "truck",
        0.05,
        2.0,
        {"length": "12", "accel": "1.3", "decel": "4", "maxSpeed": "25", "vClass": "truck"},
    ),
)


@dataclass(frozen=True, order=True)
class Trip:
    """One vehicle of the demand, before routing."""

    depart: float
    id: str
    origin: str
    destination: str
    type: str


@dataclass(frozen=True)
class Demand:
    """Peak flows into the network and where they go.

    Attributes:
        flows: vehicles per hour at the peak entering on each entry edge.
        exits: for each entry edge, the share of its vehicles leaving by each exit edge
            (the turning proportions; shares are normalised).
        profile: how demand varies over the window, as factors of the peak.
    """

    flows: Mapping[str, float]
    exits: Mapping[str, Mapping[str, float]]
    profile: tuple[Period, ...] = ONE_HOUR_PEAK

    @property
    def end(self) -> float:
        return max(period.end for period in self.profile)

    def trips(self, net: Path, scale: float, seed: int) -> list[Trip]:
        return _sample(self, scale, seed)


# randomTrips.py takes one rate per equal slot of the window.
_SLOT = 300.0


@dataclass(frozen=True)
class RandomTrips:
    """Trips between random edges of a net, as SUMO's ``randomTrips.py`` draws them.

    Attributes:
        density: vehicles per hour per kilometre of road at the peak (``randomTrips.py
            --insertion-density``), so demand grows with the size of the net.
        fringe_factor: how much likelier a trip starts and ends on the net's fringe
            (through traffic) than inside it.
        min_distance: metres between a trip's start and end, at least.
        profile: how demand varies over the window, as factors of the peak.
    """

    density: float
    fringe_factor: float = 10.0
    min_distance: float = 300.0
    profile: tuple[Period, ...] = ONE_HOUR_PEAK

    @property
    def end(self) -> float:
        return max(period.end for period in self.profile)

    def _factor(self, time: float) -> float:
        return next((p.factor for p in self.profile if p.start <= time < p.end), 0.0)

    def trips(self, net: Path, scale: float, seed: int) -> list[Trip]:
        slots = math.ceil(self.end / _SLOT)
        densities = [
            f"{self.density * scale * self._factor((slot + 0.5) * _SLOT):.6g}"
            for slot in range(slots)
        ]
        with tempfile.TemporaryDirectory() as scratch:
            output = Path(scratch) / "trips.xml"
            sumo_tools.run(
                [
                    sys.executable,
                    sumo_tools.tool("randomTrips.py"),
                    "-n",
                    net,
                    "-o",
                    output,
                    "--seed",
                    str(seed),
                    "--begin",
                    "0",
                    "--end",
                    f"{slots * _SLOT:g}",
                    "--insertion-density",
                    *densities,
                    "--random-depart",
                    "--fringe-factor",
                    f"{self.fringe_factor:g}",
                    "--min-distance",
                    f"{self.min_distance:g}",
                    "--vehicle-class",
                    "passenger",
                    "--validate",
                ],
                what="randomTrips.py",
                cwd=Path(scratch),  # its scratch files, private to this build
            )
            drawn = [
                (float(t.get("depart", "0")), t.get("from", ""), t.get("to", ""))
                for t in ET.parse(output).getroot().iter("trip")
            ]
        rng = random.Random(seed)
        shares = [vtype.share for vtype in VEHICLE_TYPES]
        return sorted(
            Trip(
                round(depart, 2),
                f"t{index}",
                origin,
                destination,
                rng.choices(VEHICLE_TYPES, shares)[0].id,
            )
            for index, (depart, origin, destination) in enumerate(drawn)
        )


def _sample(demand: Demand, scale: float, seed: int) -> list[Trip]:
    rng = random.Random(seed)
    type_ids = [vtype.id for vtype in VEHICLE_TYPES]
    type_shares = [vtype.share for vtype in VEHICLE_TYPES]
    trips = []
    for origin in sorted(demand.flows):
        exits = sorted(demand.exits[origin].items())
        destinations = [name for name, _ in exits]
        shares = [share for _, share in exits]
        count = 0
        for period in demand.profile:
            rate = demand.flows[origin] * period.factor * scale / 3600.0
            if rate <= 0:
                continue
            time = period.start + rng.expovariate(rate)
            while time < period.end:
                destination = rng.choices(destinations, shares)[0]
                vtype = rng.choices(type_ids, type_shares)[0]
                trips.append(Trip(round(time, 2), f"{origin}.{count}", origin, destination, vtype))
                count += 1
                time += rng.expovariate(rate)
    return sorted(trips)


def _write_trips(trips: list[Trip], path: Path) -> None:
    root = ET.Element("routes")
    for vtype in VEHICLE_TYPES:
        element = ET.SubElement(root, "vType", id=vtype.id, attrib=dict(vtype.attributes))
        ET.SubElement(element, "param", key="pce", value=f"{vtype.pce:g}")
    for trip in trips:
        ET.SubElement(
            root,
            "trip",
            id=trip.id,
            type=trip.type,
            depart=f"{trip.depart:.2f}",
            attrib={"from": trip.origin, "to": trip.destination},
            departLane="best",
            departSpeed="max",
        )
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def write_routes(
    demand: Demand | RandomTrips, net: Path, output: Path, *, scale: float, seed: int
) -> int:
    """Sample the demand with ``seed``, route it on ``net`` into ``output``; return its size."""
    trips = demand.trips(net, scale, seed)
    with tempfile.TemporaryDirectory(dir=output.parent) as scratch:
        trip_file = Path(scratch) / "trips.xml"
        _write_trips(trips, trip_file)
        command: list[str | Path] = [
            sumo_tools.binary("duarouter"),
            "-n",
            net,
            "--route-files",
            trip_file,
            "-o",
            output,
            "--alternatives-output",
            Path(scratch) / "alternatives.xml",
            *QUIET,
            "--ignore-errors",  # a truck barred from a street a car may use: dropped
        ]
        sumo_tools.run(command, what="duarouter")
    return len(trips)
