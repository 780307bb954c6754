"""Webster's method: the arithmetic against a hand-worked example, and the installed plan."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from stopline import agents, scenarios
from stopline.agents.webster import critical_flow_ratios
from stopline.envs import EnvConfig


def test_hand_worked_example() -> None:
    # Four phases, critical flow ratios 0.2, 0.1, 0.2, 0.1 (Y = 0.6), 3 s lost each (L = 12):
    # C0 = (1.5 * 12 + 5) / (1 - 0.6) = 23 / 0.4 = 57.5 s; effective green 45.5 s shared by
    # y / Y: 45.5 * 1/3 = 15.1667 s and 45.5 * 1/6 = 7.5833 s.
    timing = agents.webster_timing([0.2, 0.1, 0.2, 0.1], 12.0)
    assert timing.cycle == pytest.approx(57.5)
    assert timing.greens == pytest.approx((15.1667, 7.5833, 15.1667, 7.5833), abs=1e-4)
    assert not timing.oversaturated


def test_light_demand_is_clamped_to_the_minimum_cycle() -> None:
    # Unclamped: (1.5 * 8 + 5) / (1 - 0.1) = 18.9 s, the known trap.
    timing = agents.webster_timing([0.05, 0.05], 8.0)
    assert timing.cycle == 40.0
    assert timing.greens == pytest.approx((16.0, 16.0))


def test_oversaturation_takes_the_maximum_cycle() -> None:
    timing = agents.webster_timing([0.6, 0.5], 8.0, max_cycle=120.0, min_green=5.0)
    assert timing.oversaturated and timing.cycle == 120.0
    assert timing.greens == pytest.approx((112 * 0.6 / 1.1, 112 * 0.5 / 1.1))


def test_critical_lane_per_phase() -> None:
    # Two approaches: lane a0 (through, 'G' in phase 0) and lane b0 (left, 'g' then 'G').
    links = {0: ("a", "x", "a_0"), 1: ("a", "x", "a_1"), 2: ("b", "y", "b_0")}
    flows = {("a", "x"): 720.0, ("b", "y"): 180.0}
    ratios = critical_flow_ratios(["GGg", "rrG"], links, flows, saturation_flow=1800.0)
    # a's 720 PCU/h are shared by its two lanes: 360 / 1800 = 0.2; b: 180 / 1800 = 0.1.
    assert ratios == pytest.approx((0.2, 0.1))


@pytest.mark.slow
def test_installed_plan_is_webster_and_overrides_the_nets_programme(
    cache_dir: Path, tmp_path: Path
) -> None:
    controller = agents.make("webster")
    scenario = scenarios.load("corridor", demand_scale=2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # corridor at twice its demand is still under capacity
        options = controller.install(scenario, tmp_path, EnvConfig())
    text = Path(options[1]).read_text()
    assert text.count('programID="stopline-webster"') == 5
    for junction, timing in controller.timings.items():
        logic = re.search(rf'<tlLogic id="{junction}".*?</tlLogic>', text, re.S)
        assert logic is not None
        phases = re.findall(r'duration="([\d.]+)" state="([^"]+)"', logic.group())
        greens = [float(d) for d, state in phases if "y" not in state]
        yellows = [float(d) for d, state in phases if "y" in state]
        # Shown green = effective green + 1 s (4 s lost per phase, 3 s shown as yellow),
        # at least min green (5 s); so the cycle is Webster's unless min green stretched it.
        assert greens == pytest.approx([max(5.0, g + 1.0) for g in timing.greens], abs=0.5)
        assert yellows == [3.0, 3.0, 3.0]
        assert 40.0 <= timing.cycle <= sum(greens) + sum(yellows) + 0.2


def test_oversaturated_junction_warns(cache_dir: Path, tmp_path: Path) -> None:
    controller = agents.make("webster", saturation_flow=300.0)
    with pytest.warns(UserWarning, match="over-saturated"):
        controller.install(scenarios.load("single"), tmp_path, EnvConfig())
    assert controller.timings["C"].cycle == 120.0


@pytest.mark.parametrize("demand", ["trips", "flows", "junction-trips"])
def test_any_demand_format_gets_a_plan(demand: str, town: Path, tmp_path: Path) -> None:
    """Trips routed at insertion, flows and trips between junctions: Webster times them all,
    from what SUMO made of them, never by refusing."""
    routes = _demand_file(demand, town, tmp_path)
    scenario = scenarios.load(town / "town.net.xml", routes=[routes])
    controller = agents.make("webster")
    options = controller.install(scenario, tmp_path, EnvConfig())
    assert Path(options[1]).read_text().count("<tlLogic") == len(controller.timings) >= 3
    assert any(ratio > 0 for t in controller.timings.values() for ratio in t.flow_ratios)


def _demand_file(kind: str, town: Path, folder: Path) -> Path:
    """The town's trips as they are, as flows between the same edges, or between junctions."""
    import xml.etree.ElementTree as ET

    trips = list(ET.parse(town / "town.trips.xml").getroot().iter("trip"))[:60]
    root = ET.Element("routes")
    net = ET.parse(town / "town.net.xml").getroot()
    ends = {e.get("id"): (e.get("from"), e.get("to")) for e in net.iter("edge")}
    for index, trip in enumerate(sorted(trips, key=lambda t: float(t.get("depart", "0")))):
        source, target = trip.get("from", ""), trip.get("to", "")
        if kind == "trips":
            ET.SubElement(root, "trip", trip.attrib)
        elif kind == "flows":
            attributes = {"from": source, "to": target, "begin": "0", "end": "600"}
            ET.SubElement(root, "flow", id=f"f{index}", vehsPerHour="20", attrib=attributes)
        else:
            attributes = {
                "fromJunction": ends[source][0] or "",
                "toJunction": ends[target][1] or "",
            }
            ET.SubElement(
                root, "trip", id=f"j{index}", depart=trip.get("depart", "0"), attrib=attributes
            )
    path = folder / f"{kind}.rou.xml"
    ET.ElementTree(root).write(path)
    return path


def test_an_oversaturated_run_says_so_once_in_one_line(
    cache_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The warning is raised in each run's worker process; the terminal gets it once, one
    line naming the strategy, scenario and junction, however many seeds ran."""
    from stopline.experiments.runs.evaluate import evaluate

    evaluate("webster", "single", seeds=(1, 2), params={"saturation_flow": 300.0}, jobs=2)
    lines = [line for line in capsys.readouterr().err.splitlines() if "over-saturated" in line]
    assert lines == [
        "stopline: warning: webster on single: junction C is over-saturated "
        "(Y = 1.53 >= 1); using the 120 s maximum cycle"
    ]
