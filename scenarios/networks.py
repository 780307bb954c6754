"""Road networks of the built-in scenarios, generated with SUMO's netconvert and netgenerate.

Hand-placed nodes and edges (plain XML) keep ids readable (``N_in``, ``J2_J3``); netconvert
then derives lanes-to-lanes connections and each junction's own fixed-time programme.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from . import sumo_tools

URBAN_SPEED = 13.89  # m/s, 50 km/h
_NETCONVERT_OPTIONS = (
    "--no-turnarounds",
    "--tls.default-type",
    "static",
    "--junctions.corner-detail",
    "5",
    "--no-warnings",
)


@dataclass(frozen=True)
class Edge:
    """One directed road of a plain-XML network."""

    start: str
    end: str
    lanes: int

    @property
    def id(self) -> str:
        return f"{self.start}_{self.end}"


@dataclass(frozen=True)
class Connection:
    """A lane-to-lane link across a junction, for approaches whose lane use is prescribed."""

    source: str
    target: str
    from_lane: int
    to_lane: int


def _write_plain(
    folder: Path,
    nodes: dict[str, tuple[float, float]],
    signals: set[str],
    edges: list[Edge],
    connections: list[Connection],
) -> list[Path]:
    node_root = ET.Element("nodes")
    for name, (x, y) in nodes.items():
        kind = "traffic_light" if name in signals else "priority"
        ET.SubElement(node_root, "node", id=name, x=f"{x:g}", y=f"{y:g}", type=kind)
    edge_root = ET.Element("edges")
    for edge in edges:
        ET.SubElement(
            edge_root,
            "edge",
            id=edge.id,
            attrib={"from": edge.start, "to": edge.end},
            numLanes=str(edge.lanes),
            speed=f"{URBAN_SPEED}",
        )
    connection_root = ET.Element("connections")
    for link in connections:
        ET.SubElement(
            connection_root,
            "connection",
            attrib={"from": link.source, "to": link.target},
            fromLane=str(link.from_lane),
            toLane=str(link.to_lane),
        )
    files = [folder / f"plain.{kind}.xml" for kind in ("nod", "edg", "con")]
    for root, path in zip((node_root, edge_root, connection_root), files, strict=True):
        ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return files


def _netconvert(
    output: Path,
    nodes: dict[str, tuple[float, float]],
    signals: set[str],
    edges: list[Edge],
    connections: list[Connection] | None = None,
) -> None:
    files = _write_plain(output.parent, nodes, signals, edges, connections or [])
    node_file, edge_file, connection_file = files
    command: list[str | Path] = [
        sumo_tools.binary("netconvert"),
        "-n",
        node_file,
        "-e",
        edge_file,
        "-x",
        connection_file,
    ]
    sumo_tools.run([*command, "-o", output, *_NETCONVERT_OPTIONS], what="netconvert")
    for path in files:
        path.unlink()


def build_single(output: Path, *, arm_length: float = 300.0) -> None:
    """One four-arm junction ``C``; each approach has two lanes plus a left-turn lane.

    netconvert gives the leftmost lane to left turns only, and so builds a four-phase
    programme: through (lefts permitted), protected left, for each axis in turn.
    """
    arms = {"N": (0.0, arm_length), "E": (arm_length, 0.0), "S": (0.0, -arm_length)}
    arms["W"] = (-arm_length, 0.0)
    nodes = {"C": (0.0, 0.0), **arms}
    edges = [Edge(arm, "C", 3) for arm in arms] + [Edge("C", arm, 2) for arm in arms]
    _netconvert(output, nodes, {"C"}, edges)


CORRIDOR_SPACING = (300.0, 250.0, 350.0, 300.0)  # uneven, as real arterials are


def build_corridor(output: Path, *, side_length: float = 200.0, end_length: float = 400.0) -> None:
    """An east-west arterial through signalised junctions ``J0``..``J4``.

    The arterial has two lanes plus a left-turn lane towards every junction; side streets
    (``N0``..``N4``, ``S0``..``S4``) have one lane. Arterial lane use is prescribed (right
    and through, through, left only) so every junction gets a protected-left phase.
    """
    xs = [0.0]
    for gap in CORRIDOR_SPACING:
        xs.append(xs[-1] + gap)
    junctions = [f"J{index}" for index in range(len(xs))]
    nodes = {"W": (-end_length, 0.0), "E": (xs[-1] + end_length, 0.0)}
    nodes.update({name: (x, 0.0) for name, x in zip(junctions, xs, strict=True)})
    main = ["W", *junctions, "E"]
    edges: list[Edge] = []
    for upstream, downstream in itertools.pairwise(main):
        edges.append(Edge(upstream, downstream, 2 if downstream == "E" else 3))
        edges.append(Edge(downstream, upstream, 2 if upstream == "W" else 3))
    for index, x in enumerate(xs):
        for side, y in (("N", side_length), ("S", -side_length)):
            name = f"{side}{index}"
            nodes[name] = (x, y)
            edges += [Edge(name, junctions[index], 1), Edge(junctions[index], name, 1)]
    connections = []
    for index, junction in enumerate(junctions):
        west, east = main[index], main[index + 2]
        # Heading east, the right turn goes south; heading west, it goes north.
        for source, target, right, left in ((west, east, "S", "N"), (east, west, "N", "S")):
            approach, onward = f"{source}_{junction}", f"{junction}_{target}"
            connections += [
                Connection(approach, f"{junction}_{right}{index}", 0, 0),
                Connection(approach, onward, 0, 0),
                Connection(approach, onward, 1, 1),
                Connection(approach, f"{junction}_{left}{index}", 2, 0),
            ]
    _netconvert(output, nodes, set(junctions), edges, connections)


def _netgenerate(output: Path, *options: str) -> None:
    """``netgenerate`` with ``options``: 50 km/h roads, every junction a fixed-time light
    (netconvert builds each programme), no U-turns."""
    sumo_tools.run(
        [
            sumo_tools.binary("netgenerate"),
            *options,
            "--default.speed",
            f"{URBAN_SPEED}",
            "--default-junction-type",
            "traffic_light",
            "--tls.default-type",
            "static",
            "--no-turnarounds",
            "--no-warnings",
            "-o",
            output,
        ],
        what="netgenerate",
    )


def build_grid(
    output: Path, *, columns: int, rows: int, block: float = 200.0, lanes: int = 2
) -> None:
    """A ``columns`` x ``rows`` grid of signalised junctions with an arm out of every edge node.

    Every junction is made a traffic light explicitly: ``--tls.guess`` leaves single-lane
    50 km/h grids unsignalised.
    """
    _netgenerate(
        output,
        "--grid",
        "--grid.x-number",
        str(columns),
        "--grid.y-number",
        str(rows),
        "--grid.length",
        f"{block:g}",
        "--grid.attach-length",
        f"{block:g}",
        "--default.lanenumber",
        str(lanes),
    )


def build_random(output: Path, *, seed: int, iterations: int) -> None:
    """A random net (``netgenerate --rand``, seed ``seed``): irregular blocks, T-junctions
    and crossroads, one or two lanes; every junction is signalised (junctions one road
    feeds get a one-green light, which runs its own programme)."""
    _netgenerate(
        output,
        "--rand",
        "--rand.iterations",
        str(iterations),
        "--rand.min-distance",
        "120",
        "--rand.max-distance",
        "300",
        "--rand.random-lanenumber",
        "--seed",
        str(seed),
    )
