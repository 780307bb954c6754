"""A user's own files: .sumocfg or net plus routes, real-world nets, and every bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stopline import scenarios
from stopline.scenarios import ScenarioError

from conftest import run_sumo, teleports


def test_osm_net_with_cluster_and_second_programme_loads_and_runs(
    town: Path, tmp_path: Path
) -> None:
    scenario = scenarios.load(town / "town.sumocfg")
    assert not scenario.builtin
    assert scenario.junctions == ("2", "3", "4", "cluster_5_6")
    assert scenario.additional_files == ((town / "evening.add.xml").resolve(),)
    assert (scenario.begin, scenario.end) == (0.0, 900.0)
    statistics = run_sumo(scenario, tmp_path)
    assert teleports(statistics) == 0


def test_net_plus_routes_window_ends_after_the_last_departure(town: Path) -> None:
    scenario = scenarios.load(town / "town.net.xml", routes=[town / "town.rou.xml"])
    assert scenario.config_file is None
    assert scenario.route_files == ((town / "town.rou.xml").resolve(),)
    assert scenario.end == 600.0  # last departure just under 600 s, rounded up to 5 minutes


def test_user_demand_scale_goes_to_sumo(town: Path, tmp_path: Path) -> None:
    half = scenarios.load(town / "town.sumocfg", demand_scale=0.5)
    assert half.sumo_options == ("--scale", "0.5")
    full = run_sumo(scenarios.load(town / "town.sumocfg"), tmp_path).find("vehicles")
    halved = run_sumo(half, tmp_path).find("vehicles")
    assert full is not None and halved is not None
    assert 0.35 < int(halved.get("inserted", "0")) / int(full.get("inserted", "1")) < 0.65


def _copy(town: Path, tmp_path: Path) -> Path:
    target = tmp_path / "town"
    shutil.copytree(town, target)
    return target


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nowhere\.sumocfg: file not found"):
        scenarios.load(tmp_path / "nowhere.sumocfg")


def test_config_naming_a_missing_route_file(town: Path, tmp_path: Path) -> None:
    folder = _copy(town, tmp_path)
    (folder / "town.rou.xml").unlink()
    with pytest.raises(ScenarioError, match=r"town\.rou\.xml: file not found"):
        scenarios.load(folder / "town.sumocfg")


def test_malformed_xml_names_file_and_line(town: Path, tmp_path: Path) -> None:
    folder = _copy(town, tmp_path)
    routes = folder / "town.rou.xml"
    routes.write_text(routes.read_text().replace("</routes>", "</route>"))
    with pytest.raises(ScenarioError, match=r"town\.rou\.xml: malformed XML at line \d+"):
        scenarios.load(folder / "town.sumocfg")


def test_net_without_traffic_lights(tmp_path: Path) -> None:
    net = tmp_path / "plain.net.xml"
    net.write_text('<net version="1.20"><edge id="a" from="x" to="y"/></net>')
    with pytest.raises(ScenarioError, match=r"plain\.net\.xml: the network has no traffic lights"):
        scenarios.load(net)


def test_routes_using_edges_not_in_the_net(town: Path, tmp_path: Path) -> None:
    routes = tmp_path / "bad.rou.xml"
    routes.write_text(
        '<routes><vehicle id="lost" depart="0"><route edges="nowhere"/></vehicle></routes>'
    )
    with pytest.raises(ScenarioError, match=r"vehicle 'lost' uses edge 'nowhere'.*town\.net\.xml"):
        scenarios.load(town / "town.net.xml", routes=[routes])


def test_trip_from_unknown_edge(town: Path, tmp_path: Path) -> None:
    routes = tmp_path / "bad.rou.xml"
    routes.write_text('<routes><trip id="t" depart="0" from="ghost" to="ghost2"/></routes>')
    with pytest.raises(ScenarioError, match=r"trip 't' uses edge 'ghost'"):
        scenarios.load(town / "town.net.xml", routes=[routes])


def test_wrong_kind_of_file(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(ScenarioError, match=r"notes\.txt: expected a \.sumocfg or \.net\.xml"):
        scenarios.load(other)


def test_config_that_is_not_a_config(tmp_path: Path) -> None:
    config = tmp_path / "odd.sumocfg"
    config.write_text("<routes/>")
    with pytest.raises(ScenarioError, match=r"odd\.sumocfg: not a SUMO configuration"):
        scenarios.load(config)


def test_routes_are_refused_for_builtin_names(cache_dir: Path, town: Path) -> None:
    with pytest.raises(ScenarioError, match="takes no extra route files"):
        scenarios.load("single", routes=[town / "town.rou.xml"])
