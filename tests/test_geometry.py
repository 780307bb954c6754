"""Network geometry for the report's maps, read from real nets."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from stopline import scenarios
from stopline.scenarios.geometry import NetworkGeometry, network_geometry


def test_corridor_signals_sit_on_their_junctions(cache_dir: Path) -> None:
    net = scenarios.load("corridor", seed=0).net_file
    geometry = network_geometry(net)
    junctions = {
        element.get("id"): (float(element.get("x", "nan")), float(element.get("y", "nan")))
        for element in ET.parse(net).getroot().iter("junction")
    }
    assert set(geometry.signals) == set(scenarios.load("corridor", seed=0).junctions)
    for name, point in geometry.signals.items():
        assert point == junctions[name]
    normal = [
        edge
        for edge in ET.parse(net).getroot().iter("edge")
        if edge.get("function", "normal") == "normal"
    ]
    assert len(geometry.roads) == len(normal)
    assert NetworkGeometry.from_dict(geometry.as_dict()) == geometry


def test_every_light_of_an_imported_osm_net_is_placed(town: Path) -> None:
    net = town / "town.net.xml"
    geometry = network_geometry(net)
    lights = {
        junction.get("id"): (float(junction.get("x", "nan")), float(junction.get("y", "nan")))
        for junction in ET.parse(net).getroot().iter("junction")
        if junction.get("type") == "traffic_light"
    }
    # Four lights, one of them the joined cluster of the dual-carriageway crossing.
    assert "cluster_5_6" in geometry.signals and len(geometry.signals) == 4
    assert geometry.signals == lights
    assert all(len(road) >= 2 for road in geometry.roads)
