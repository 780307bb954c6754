"""Trip metrics (`stopline.measures.trips`) and interval series (`outputs`) reproduce
figures worked out by hand from small SUMO output files."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from stopline import scenarios
from stopline.experiments.analysis.statistics import mean_ci
from stopline.measures.catalogue import trip_metrics
from stopline.measures.outputs import interval_series, output_options
from stopline.scenarios import Scenario

from conftest import run_sumo

TRIPINFO = """<tripinfos>
    <tripinfo id="a" depart="0.00" departDelay="0.00" arrival="60.00" duration="60.00"
        waitingTime="10.00" waitingCount="1" timeLoss="20.00" vaporized="">
        <emissions CO_abs="10.00" CO2_abs="150000.00"/></tripinfo>
    <tripinfo id="b" depart="5.00" departDelay="1.00" arrival="95.00" duration="90.00"
        waitingTime="30.00" waitingCount="2" timeLoss="40.00" vaporized="">
        <emissions CO_abs="20.00" CO2_abs="250000.00"/></tripinfo>
    <tripinfo id="c" depart="50.00" departDelay="3.00" arrival="-1.00" duration="50.00"
        waitingTime="35.00" waitingCount="1" timeLoss="45.00" vaporized="end">
        <emissions CO_abs="5.00" CO2_abs="200000.00"/></tripinfo>
    <tripinfo id="d" depart="-1" departDelay="20.00" arrival="-1.00" duration="0.00"
        waitingTime="0.00" waitingCount="0" timeLoss="0.00" vaporized="end"/>
    <tripinfo id="e" depart="-1" departDelay="20.00" arrival="-1.00" duration="0.00"
        waitingTime="0.00" waitingCount="0" timeLoss="0.00" vaporized="end"/>
</tripinfos>
"""
STATISTICS = """<statistics>
    <teleports total="1" jam="1" yield="0" wrongLane="0"/>
</statistics>
"""


def test_metrics_by_hand(tmp_path: Path) -> None:
    (tmp_path / "tripinfo.xml").write_text(TRIPINFO)
    (tmp_path / "statistics.xml").write_text(STATISTICS)
    metrics = trip_metrics(tmp_path)
    # Headline: time loss + entry delay, the two never inserted with the time they waited.
    assert metrics["mean_delay"] == pytest.approx((20 + 41 + 48 + 20 + 20) / 5)
    assert metrics["median_delay"] == 20
    assert metrics["p95_delay"] == pytest.approx(41 + 0.8 * 7)  # 80 % of the way from 41 to 48
    assert metrics["mean_network_delay"] == pytest.approx((20 + 40 + 45) / 3)  # unfinished c counts
    assert metrics["vehicles"] == 5
    assert metrics["mean_travel_time"] == pytest.approx((60 + 90 + 50) / 3)
    assert metrics["mean_waiting_time"] == pytest.approx(25)
    assert metrics["mean_stops"] == pytest.approx(4 / 3)
    assert metrics["throughput"] == 2
    assert metrics["unfinished"] == 3  # c in the network, two never entered
    assert metrics["backlog"] == 2
    assert metrics["teleports"] == 1
    # Entry delay: (0 + 1 + 3) for those that entered, 2 x 20 s for those still waiting.
    assert metrics["mean_entry_delay"] == pytest.approx((4 + 40) / 5)
    # CO2 in mg: 600,000 mg = 0.6 kg over three trips, 200 g each.
    assert metrics["co2_total"] == pytest.approx(0.6)
    assert metrics["mean_co2"] == pytest.approx(200)


BLOCK_EAST_WEST = """<additional><tlLogic id="C" type="static" programID="block" offset="0">
    <phase duration="60" state="GGGGrrrrGGGGrrrr"/><phase duration="3" state="yyyyrrrryyyyrrrr"/>
</tlLogic></additional>"""


def _measured(scenario: Scenario, folder: Path, *extra: str) -> dict[str, float]:
    folder.mkdir()
    run_sumo(scenario, folder, *output_options(folder), *extra)
    return trip_metrics(folder)


def test_blocking_an_entry_does_not_flatter_the_headline_delay(
    cache_dir: Path, tmp_path: Path
) -> None:
    """A plan that never serves east-west fills those entries; their vehicles that never get
    in count with the time they waited, so the headline delay cannot reward blocking."""
    scenario = dataclasses.replace(scenarios.load("single", demand_scale=2.0), end=1500.0)
    jam = ("--time-to-teleport", "-1")  # the queue stays: nobody is teleported through
    own = _measured(scenario, tmp_path / "own", *jam)
    (tmp_path / "block.add.xml").write_text(BLOCK_EAST_WEST)
    blocked = _measured(scenario, tmp_path / "blocked", *jam, "-a", str(tmp_path / "block.add.xml"))
    assert own["backlog"] <= 3 and blocked["backlog"] > 100  # own: departures in the last second
    assert blocked["vehicles"] == blocked["throughput"] + blocked["unfinished"]
    # SUMO's own statistics agree: running + waiting to be inserted (SUMO does not yet count
    # a vehicle whose departure falls in the window's last second).
    vehicles = ET.parse(tmp_path / "blocked" / "statistics.xml").getroot().find("vehicles")
    assert vehicles is not None
    sumo_unfinished = int(vehicles.get("running", "")) + int(vehicles.get("waiting", ""))
    assert 0 <= blocked["unfinished"] - sumo_unfinished <= 3
    # Leaving out the vehicles that never got in would flatter the blocking plan.
    trips = ET.parse(tmp_path / "blocked" / "tripinfo.xml").getroot().iter("tripinfo")
    got_in = [
        float(t.get("timeLoss", "")) + float(t.get("departDelay", ""))
        for t in trips
        if float(t.get("depart", "")) >= 0
    ]
    assert blocked["mean_delay"] > sum(got_in) / len(got_in) + 10
    assert blocked["mean_delay"] > 5 * own["mean_delay"]


def test_confidence_interval_by_hand() -> None:
    # Values 10, 12, 14: mean 12, sd 2, t(0.975, 2) = 4.303: 4.303 * 2 / sqrt(3) = 4.969.
    mean, half = mean_ci([10.0, 12.0, 14.0])
    assert mean == 12 and half == pytest.approx(4.969, abs=1e-3)


EDGE_DATA = """<meandata>
    <interval begin="0" end="60">
        <edge id="in1" timeLoss="100.00" entered="5" departed="10" waitingTime="120.00"/>
        <edge id="out" timeLoss="50.00" entered="40" departed="0" waitingTime="0.00"/>
    </interval>
    <interval begin="60" end="120">
        <edge id="in1" timeLoss="200.00" entered="15" departed="0" waitingTime="30.00"/>
        <edge id="in2" timeLoss="100.00" entered="0" departed="10" waitingTime="60.00"/>
    </interval>
</meandata>"""


def test_interval_series_by_hand(tmp_path: Path) -> None:
    (tmp_path / "edgedata.xml").write_text(EDGE_DATA)
    steps = [(t, 4 if t < 60 else 2, 10.0 if t < 60 else -1.0) for t in range(0, 120, 30)]
    (tmp_path / "summary.xml").write_text(
        "<summary>"
        + "".join(f'<step time="{t}" halting="{h}" meanSpeed="{v}"/>' for t, h, v in steps)
        + "</summary>"
    )
    series = interval_series(tmp_path, {"J": {"in1", "in2"}, "K": {"out"}})
    assert series["time"] == [0, 60]
    assert series["halting"] == [4, 2]
    assert series["mean_speed"] == [10, 0]  # SUMO's -1 (nobody driving) reads as 0
    # Halted vehicle-seconds on the approaches over the minute: 120 / 60 then 90 / 60.
    assert series["queues"] == {"J": [2.0, 1.5], "K": [0.0, 0.0]}
