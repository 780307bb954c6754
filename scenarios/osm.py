"""OpenStreetMap in: an extract (``.osm``, ``.osm.gz``, ``.osm.pbf``) to a SUMO network.

The extract is read with the PyPI package ``osmium`` (cut to a bounding box if one is
given: every way with a node inside it, whole) and written as OSM XML, which SUMO's
``netconvert`` imports the way OSM users do: signals guessed from ``traffic_signals``
nodes and joined, junction clusters joined, the network cut to what passenger cars use.
"""

from __future__ import annotations

import tempfile
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import sumo_tools
from .errors import ScenarioError

OSM_SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".osm.pbf", ".pbf")
NETCONVERT_OPTIONS = (
    "--geometry.remove",
    "--ramps.guess",
    "--junctions.join",
    "--tls.guess-signals",
    "--tls.discard-simple",
    "--tls.join",
    "--tls.default-type",
    "static",
    "--no-turnarounds",
    "--keep-edges.by-vclass",
    "passenger",
    "--remove-edges.isolated",
    "--no-warnings",
)


@dataclass(frozen=True)
class Box:
    """A bounding box in degrees: west, south, east, north."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, text: str) -> Box:
        """``W,S,E,N`` in degrees (longitude, latitude)."""
        try:
            west, south, east, north = (float(part) for part in text.split(","))
        except ValueError:
            raise ScenarioError(f"--bbox {text!r}: expected W,S,E,N in degrees") from None
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise ScenarioError(f"--bbox {text!r}: need west < east and south < north, in degrees")
        return cls(west, south, east, north)

    def holds(self, longitude: float, latitude: float) -> bool:
        return self.west <= longitude <= self.east and self.south <= latitude <= self.north


def _check_source(source: Path) -> None:
    if not source.is_file():
        raise ScenarioError(f"{source}: file not found")
    if not source.name.endswith(OSM_SUFFIXES):
        raise ScenarioError(f"{source}: expected an OpenStreetMap file ({', '.join(OSM_SUFFIXES)})")


def to_osm_xml(source: Path, output: Path, box: Box | None = None) -> None:
    """Write ``source`` (any format osmium reads) as OSM XML, cut to ``box`` if given."""
    import osmium

    _check_source(source)
    try:
        if box is None:
            with osmium.SimpleWriter(str(output)) as writer:
                for item in osmium.FileProcessor(str(source)):
                    writer.add(item)
            return
        ways, extent = _ways_in(source, box)
        if not ways:
            raise ScenarioError(
                f"--bbox {box.west:g},{box.south:g},{box.east:g},{box.north:g}: no roads of "
                f"{source.name} inside it (its data covers W,S,E,N = "
                + ",".join(f"{value:.4f}" for value in extent)
                + ")"
            )
        with osmium.BackReferenceWriter(str(output), str(source), remove_tags=False) as writer:
            kinds = osmium.osm.WAY | osmium.osm.RELATION
            for item in typing.cast(Iterable[Any], osmium.FileProcessor(str(source), kinds)):
                if item.is_way() and item.id in ways:
                    writer.add(item)
                elif item.is_relation() and any(
                    member.type == "w" and member.ref in ways for member in item.members
                ):
                    writer.add(item)  # turn restrictions between the roads kept
    except RuntimeError as error:  # osmium's reader: not OSM data, or damaged
        raise ScenarioError(f"{source}: cannot be read as OpenStreetMap data ({error})") from None


def _ways_in(source: Path, box: Box) -> tuple[set[int], tuple[float, float, float, float]]:
    """Ids of the ways with a node inside ``box``, and the extent of the file's nodes."""
    import osmium

    ways: set[int] = set()
    west = south = 180.0
    east = north = -180.0
    for item in typing.cast(Iterable[Any], osmium.FileProcessor(str(source)).with_locations()):
        if item.is_node() and item.location.valid():
            lon, lat = item.location.lon, item.location.lat
            west, east, south, north = (
                min(west, lon),
                max(east, lon),
                min(south, lat),
                max(north, lat),
            )
        elif item.is_way() and any(
            node.location.valid() and box.holds(node.location.lon, node.location.lat)
            for node in item.nodes
        ):
            ways.add(item.id)
    return ways, (west, south, east, north)


def import_net(source: Path, output: Path, box: Box | None = None) -> None:
    """Build a SUMO net from an OpenStreetMap extract, as `NETCONVERT_OPTIONS` say."""
    xml = output.with_name("map.osm.xml")
    to_osm_xml(source, xml, box)
    try:
        netconvert(xml, output)
    finally:
        xml.unlink(missing_ok=True)


def netconvert(osm_xml: Path, output: Path, extra: Sequence[str] = ()) -> None:
    sumo_tools.run(
        [
            sumo_tools.binary("netconvert"),
            "--osm-files",
            osm_xml,
            "-o",
            output,
            *NETCONVERT_OPTIONS,
            *extra,
        ],
        what="netconvert (OpenStreetMap import)",
    )


def import_scenario(
    source: Path,
    out: Path,
    *,
    box: Box | None = None,
    seed: int = 0,
    demand_scale: float = 1.0,
    density: float | None = None,
) -> Path:
    """Write a scenario folder from an OpenStreetMap extract: net, demand and a
    ``.sumocfg`` every Stopline command accepts; return the ``.sumocfg``.

    Demand is drawn like the ``helsinki`` scenario's (`RandomTrips`, ``density`` vehicles
    per hour per km of road at peak), from ``seed`` and scaled by ``demand_scale``. The
    files appear whole: they are built in a scratch folder and moved into ``out``.
    """
    from .build import write_sumocfg
    from .catalogue import HELSINKI_DENSITY
    from .demand import RandomTrips, write_routes
    from .xmlfiles import read_net

    _check_source(source)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a folder")
    stem = source.name.split(".", 1)[0]
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".import-") as scratch:
        folder = Path(scratch)
        net = folder / f"{stem}.net.xml"
        import_net(source, net, box)
        try:
            read_net(net)
        except ScenarioError:
            raise ScenarioError(
                f"{source}: no traffic signals in the imported area (netconvert found no "
                "traffic_signals nodes to turn into traffic lights)"
            ) from None
        demand = RandomTrips(density=density or HELSINKI_DENSITY)
        write_routes(demand, net, folder / f"{stem}.rou.xml", scale=demand_scale, seed=seed)
        write_sumocfg(folder / f"{stem}.sumocfg", net.name, f"{stem}.rou.xml", demand.end)
        (folder / "ATTRIBUTION.txt").write_text(ATTRIBUTION)
        out.mkdir(exist_ok=True)
        for path in sorted(folder.iterdir()):
            path.replace(out / path.name)
    return out / f"{stem}.sumocfg"


ATTRIBUTION = (
    "Network derived from OpenStreetMap data. Map data (c) OpenStreetMap contributors, "
    "available under the Open Database Licence (ODbL) 1.0: "
    "https://www.openstreetmap.org/copyright\n"
)
