"""A user's own demand gets seeded variants: seed 0 is the files, other seeds differ."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from stopline import scenarios
from stopline.scenarios.variants import INTERVAL, SCALE_JITTER, scale_factor, write_variant

ROUTES = """<routes>
    <vType id="car"/>
    <route id="r" edges="a b"/>
    <vehicle id="v1" depart="10.00" route="r"/>
    <trip id="t1" depart="290.00" from="a" to="b"/>
    <flow id="f" begin="0" end="600" vehsPerHour="120" from="a" to="b"/>
    <vehicle id="v2" depart="301.50" route="r"/>
    <vehicle id="v3" depart="triggered" route="r"/>
    <person id="p" depart="620.00"><walk edges="a b"/></person>
</routes>"""


def _departures(path: Path) -> dict[str, str]:
    root = ET.parse(path).getroot()
    return {e.get("id", ""): e.get("depart", e.get("begin", "")) for e in root if e.get("id")}


def test_a_variant_redraws_departures_within_their_five_minutes(tmp_path: Path) -> None:
    source = tmp_path / "demand.rou.xml"
    source.write_text(ROUTES)
    write_variant(source, 7, tmp_path / "a.rou.xml")
    write_variant(source, 7, tmp_path / "b.rou.xml")
    write_variant(source, 8, tmp_path / "c.rou.xml")
    assert (tmp_path / "a.rou.xml").read_bytes() == (tmp_path / "b.rou.xml").read_bytes()
    original, varied = _departures(source), _departures(tmp_path / "a.rou.xml")
    assert varied != _departures(tmp_path / "c.rou.xml")
    for name in ("v1", "t1", "v2", "p"):
        before, after = float(original[name]), float(varied[name])
        assert before // INTERVAL == after // INTERVAL and before != after
    assert varied["v3"] == "triggered"
    root = ET.parse(tmp_path / "a.rou.xml").getroot()
    assert [e.tag for e in root][:2] == ["vType", "route"]  # definitions stay first
    flow = root.find("flow")
    assert flow is not None and flow.get("period") == "exp(0.0333333)"
    timed = [e for e in root if e.tag != "vType" and e.tag != "route"]
    times = [float(e.get("depart", e.get("begin", "0"))) for e in timed if e.get("id") != "v3"]
    assert times == sorted(times)  # SUMO reads departures in order


def test_user_scenario_seeds(town: Path) -> None:
    as_given = scenarios.load(town / "town.sumocfg")
    assert (
        as_given.route_files == (town / "town.rou.xml",) and "--scale" not in as_given.sumo_args()
    )
    training, evaluation = (scenarios.load(town / "town.sumocfg", seed=s) for s in (1, 101))
    assert training.route_files != evaluation.route_files
    assert training.route_files[0].read_bytes() != evaluation.route_files[0].read_bytes()
    counts = [
        Counter(
            float(e.get("depart", "0")) // INTERVAL
            for e in ET.parse(s.route_files[0]).getroot().iter("vehicle")
        )
        for s in (as_given, training, evaluation)
    ]
    assert counts[0] == counts[1] == counts[2]  # the demand's shape per five minutes is kept
    factor = scale_factor(101)
    assert abs(factor - 1) <= SCALE_JITTER and f"{factor:.6g}" in evaluation.sumo_args()
    assert scenarios.reseeded(training, 101).route_files == evaluation.route_files
