"""Where a network's roads and traffic lights are, for drawing maps of results."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .xmlfiles import approach_edges, elements

Point = tuple[float, float]


@dataclass(frozen=True)
class NetworkGeometry:
    """Road centre lines (one polyline per edge) and each traffic light's position."""

    roads: tuple[tuple[Point, ...], ...]
    signals: dict[str, Point]

    def as_dict(self) -> dict[str, Any]:
        return {
            "roads": [[list(point) for point in road] for road in self.roads],
            "signals": {name: list(point) for name, point in self.signals.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetworkGeometry:
        return cls(
            tuple(tuple((x, y) for x, y in road) for road in data["roads"]),
            {name: (x, y) for name, (x, y) in data["signals"].items()},
        )


def _points(shape: str) -> tuple[Point, ...]:
    pairs = (point.split(",") for point in shape.split())
    return tuple((float(x), float(y)) for x, y, *_ in pairs)


def network_geometry(net: Path) -> NetworkGeometry:
    """Read a ``.net.xml``: every normal edge's shape and every traffic light's position.

    A traffic light may control several junctions (a joined cluster); it is placed at the
    mean position of the junctions its approaches lead into.
    """
    roads: list[tuple[Point, ...]] = []
    ends: dict[str, str] = {}
    junctions: dict[str, Point] = {}
    lane_shape = ""
    for element in elements(net):
        if element.tag == "lane" and not lane_shape:
            lane_shape = element.get("shape", "")
        elif element.tag == "edge":
            if element.get("function", "normal") == "normal":
                roads.append(_points(element.get("shape") or lane_shape))
                ends[element.get("id", "")] = element.get("to", "")
            lane_shape = ""
            element.clear()
        elif element.tag == "junction":
            junctions[element.get("id", "")] = (
                float(element.get("x", "0")),
                float(element.get("y", "0")),
            )
    signals = {}
    for light, edges in approach_edges(net).items():
        places = {junctions[ends[edge]] for edge in edges if edge in ends}
        if places:
            signals[light] = (
                sum(x for x, _ in places) / len(places),
                sum(y for _, y in places) / len(places),
            )
    return NetworkGeometry(tuple(road for road in roads if len(road) > 1), signals)
