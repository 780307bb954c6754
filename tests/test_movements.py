"""HCM lane-group results against a case worked by hand, and phases named by movement.

One signalised crossing of two one-way streets, 400 m approaches. Eastbound cars arrive
every 10 s exactly (360 veh/h, no driver randomness); nobody else drives. The programme:
eastbound green 27 s, yellow 3 s, then the cross street 27 s and 3 s: C = 60 s.

By hand, with the plan settings (s = 1800 veh/h/lane, lost time 4 s per phase):

- effective green g = 27 + 3 - 4 = 26 s, g/C = 0.4333; capacity c = 1800 x 0.4333 = 780
- v: 360 cars depart, one every 10 s; those departing in the last 30-60 s (29 s to drive
  the approach, and a red to wait) have not crossed when the hour ends: 353-358 veh/h,
  v/c = 0.45-0.46
- uniform delay (HCM eq. 19-20, deterministic arrivals): d1 = 0.5 C (1 - g/C)^2 /
  (1 - X g/C) = 30 x 0.3211 / 0.8 = 12.0 s. SUMO's cars brake and accelerate (4.5 and
  2.6 m/s2 from 13.89 m/s: about 1.5 + 2.7 s lost per stop), which d1 leaves out; about
  two cars in three stop, so control delay is d1 plus 2-3 s: 12-16 s, LOS B.
- in each 15-minute analysis period of steady state: v = 360 veh/h exactly, v/c = 0.462.
- back of queue: cars arriving in the 33 s without green (red 30 s, yellow 3 s) queue;
  3 or 4 of them, 7.5 m each less the last one's gap, and the stop line a metre or so
  back from the junction: 20-30 m, the same in every cycle.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from stopline import agents, scenarios
from stopline.envs.phases import phase_sets
from stopline.experiments.runs.measured import measure
from stopline.measures.movements import lane_groups, phase_movements, planned_groups
from stopline.scenarios import sumo_tools
from stopline.scenarios.xmlfiles import signal_links


def _crossing(folder: Path) -> Path:
    (folder / "x.nod.xml").write_text(
        '<nodes><node id="W" x="-400" y="0"/><node id="E" x="400" y="0"/>'
        '<node id="N" x="0" y="400"/><node id="S" x="0" y="-400"/>'
        '<node id="C" x="0" y="0" type="traffic_light"/></nodes>'
    )
    (folder / "x.edg.xml").write_text(
        '<edges><edge id="WC" from="W" to="C" numLanes="1" speed="13.89"/>'
        '<edge id="CE" from="C" to="E" numLanes="1" speed="13.89"/>'
        '<edge id="NC" from="N" to="C" numLanes="1" speed="13.89"/>'
        '<edge id="CS" from="C" to="S" numLanes="1" speed="13.89"/></edges>'
    )
    net = folder / "x.net.xml"
    sumo_tools.run(
        [
            sumo_tools.binary("netconvert"),
            *("-n", folder / "x.nod.xml", "-e", folder / "x.edg.xml", "-o", net),
            "--no-turnarounds",
        ],
        what="netconvert",
    )
    links = signal_links(net)["C"]
    east = "".join("G" if links[i][0] == "WC" else "r" for i in range(len(links)))
    south = "".join("G" if links[i][0] == "NC" else "r" for i in range(len(links)))
    yellow = {"G": "y", "r": "r"}
    phases = [
        (east, 27),
        ("".join(yellow[c] for c in east), 3),
        (south, 27),
        ("".join(yellow[c] for c in south), 3),
    ]
    (folder / "x.add.xml").write_text(
        '<additional><tlLogic id="C" type="static" programID="hand" offset="0">'
        + "".join(f'<phase duration="{d}" state="{s}"/>' for s, d in phases)
        + "</tlLogic></additional>"
    )
    (folder / "x.rou.xml").write_text(
        '<routes><vType id="exact" sigma="0" speedFactor="1" speedDev="0"/>'
        '<flow id="east" type="exact" begin="0" end="3600" period="10" from="WC" to="CE" '
        'departSpeed="max" departLane="best"/></routes>'
    )
    config = folder / "x.sumocfg"
    config.write_text(
        '<configuration><input><net-file value="x.net.xml"/><route-files value="x.rou.xml"/>'
        '<additional-files value="x.add.xml"/></input>'
        '<time><begin value="0"/><end value="3600"/></time></configuration>'
    )
    return config


@pytest.fixture(scope="module")
def crossing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _crossing(tmp_path_factory.mktemp("crossing"))


def test_lane_group_figures_match_the_hand_worked_case(crossing: Path, cache_dir: Path) -> None:
    result = measure(agents.make("fixed"), str(crossing), 0)  # seed 0: the files exactly
    window = [row for row in result.movements if row["period"] == "window"]
    [east] = [row for row in window if row["approach"].endswith("WC")]
    assert east["approach"] == "EB WC"
    assert east["lane_group"] == "EB TR"
    assert east["capacity"] == pytest.approx(780.0)
    assert 353 <= east["volume"] <= 358
    assert east["v_c"] == pytest.approx(east["volume"] / 780)
    d1 = 0.5 * 60 * (1 - 26 / 60) ** 2 / (1 - 360 / 780 * 26 / 60)
    assert d1 == pytest.approx(12.04, abs=0.01)
    assert d1 <= east["control_delay"] <= d1 + 4.2
    assert east["los"] == "B"
    assert 20.0 <= east["queue_95"] <= 30.0
    assert math.isclose(east["queue_95_vehicles"], east["queue_95"] / 7.5)
    [south] = [row for row in window if row["approach"].endswith("NC")]
    assert south["vehicles"] == 0 and south["volume"] == 0
    # Each 15 minutes holds 15 whole cycles: the same capacity; flows of a car every 10 s
    # (the first period's cars are still arriving, the last's still on the approach).
    quarters = [
        row
        for row in result.movements
        if row["period"] != "window" and row["approach"].endswith("WC")
    ]
    assert [row["period"] for row in quarters] == [
        "00:00-00:15",
        "00:15-00:30",
        "00:30-00:45",
        "00:45-01:00",
    ]
    for row in quarters:
        assert row["capacity"] == pytest.approx(780.0)
        assert 330 <= row["volume"] <= 370
    for row in quarters[1:3]:  # in steady state, exactly as by hand: 360 / 780
        assert row["volume"] == pytest.approx(360.0)
        assert row["v_c"] == pytest.approx(360 / 780)


def test_planned_v_c_matches_the_hand_worked_case(crossing: Path) -> None:
    """The same capacity from the plan, before any run: 780 veh/h, 360 / 780; an all-red
    of 2 s after each yellow lengthens the cycle to 64 s: g/C = 26 / 64 (effective green
    27 + 1 - 2 s, whatever the intergreen)."""
    net = crossing.parent / "x.net.xml"
    (groups,) = lane_groups(net, ["C"]).values()
    links = sorted((link for group in groups for link in group.links), key=lambda k: k.index)
    east, south = ("".join("G" if k.edge == edge else "r" for k in links) for edge in ("WC", "NC"))
    flows = {("WC", "CE"): 360.0}
    for all_red, share in ((0.0, 26 / 60), (2.0, 26 / 64)):
        phases = [
            {"state": state, "green": 27.0, "yellow": 3.0, "all_red": all_red}
            for state in (east, south)
        ]
        rows = {row["approach"]: row for row in planned_groups(groups, phases, flows)}
        assert rows["WC"]["lane_group"] == "EB TR"
        assert rows["WC"]["green_share"] == pytest.approx(share)
        assert rows["WC"]["capacity"] == pytest.approx(1800 * share)
        assert rows["WC"]["v_c"] == pytest.approx(360 / (1800 * share))
        assert rows["NC"]["flow"] == 0.0 and rows["NC"]["v_c"] == 0.0
    # A green the next phase shows again stays green through the change: one run of 49 s.
    both = "G" * len(links)
    phases = [
        {"state": both, "green": 20.0, "yellow": 0.0, "all_red": 2.0},
        {"state": east, "green": 27.0, "yellow": 3.0, "all_red": 2.0},
        {"state": south, "green": 10.0, "yellow": 3.0, "all_red": 2.0},
    ]
    rows = {row["approach"]: row for row in planned_groups(groups, phases, flows)}
    assert rows["WC"]["green_share"] == pytest.approx((20 + 2 + 27 - 1) / 69)


def test_a_permitted_left_discharges_at_the_hcm_rate_against_its_opposing_flow(
    cache_dir: Path,
) -> None:
    """`single`'s northbound left: permitted in the first green and its yellow (23 s,
    green on into the next) against 600 veh/h southbound through, protected in the second
    (6 s), one green run of 29 s, effective 28 s. By hand: s_p = 600 e^(-600 x 4.5 / 3600)
    / (1 - e^(-600 x 2.5 / 3600)) = 831.7 veh/h; c = (23 x 831.7 + 6 x 1800) / 29 x
    28 / 64 = 451.5 veh/h."""
    scenario = scenarios.load("single")
    (groups,) = lane_groups(scenario.net_file, ["C"]).values()
    greens = phase_sets(scenario, "own")["C"].greens
    phases = [
        {"state": state, "green": green, "yellow": 3.0, "all_red": 0.0}
        for state, green in zip(greens, (20.0, 6.0, 20.0, 6.0), strict=True)
    ]
    flows = {("N_C", "C_S"): 600.0, ("S_C", "C_W"): 100.0}
    permitted = 600 * math.exp(-0.75) / (1 - math.exp(-600 * 2.5 / 3600))
    assert permitted == pytest.approx(831.7, abs=0.1)
    rows = {row["lane_group"]: row for row in planned_groups(groups, phases, flows)}
    left = rows["NB L"]
    assert left["capacity"] == pytest.approx((23 * permitted + 6 * 1800) / 29 * 28 / 64)
    assert left["capacity"] == pytest.approx(451.5, abs=0.1)
    assert left["v_c"] == pytest.approx(100 / left["capacity"])
    # Southbound through is shared by its two lanes; with nobody opposing, 3600 / 2.5.
    assert rows["SB T"]["flow"] == rows["SB TR"]["flow"] == 300.0
    alone = {row["lane_group"]: row for row in planned_groups(groups, phases, {})}
    assert alone["NB L"]["capacity"] == pytest.approx((23 * 1440 + 6 * 1800) / 29 * 28 / 64)


def test_what_the_signal_did_matches_its_programme(crossing: Path, cache_dir: Path) -> None:
    result = measure(agents.make("fixed"), str(crossing), 0)  # seed 0: the files exactly
    activity = result.signals["C"]
    assert len(activity["intervals"]) == 4  # one per 15 minutes of the hour
    for row in activity["intervals"]:
        assert row["cycle_mean"] == pytest.approx(60.0)
        assert row["cycle_std"] == pytest.approx(0.0)
        assert row["switches_per_hour"] == pytest.approx(120.0)
        for phase in row["phases"]:
            assert (phase["min"], phase["max"], phase["skipped"]) == (27.0, 27.0, 0)
            assert phase["share"] == pytest.approx(27 * 15 / 900)
    # Eastbound queues are gone by the end of each green; the approach peaks at 3-4 cars.
    for row in activity["intervals"]:
        assert [phase["queue_end"] for phase in row["phases"]] == [0.0, 0.0]
        assert 20.0 <= row["max_queue"]["WC"] <= 30.0
        assert row["max_queue"]["NC"] == 0.0


@pytest.mark.parametrize("layout", ["grid-one-phase-corners", "random", "spider", "crossings"])
def test_every_layout_gives_lane_groups_of_vehicle_approaches_only(
    layout: str, layouts: dict[str, Path], cache_dir: Path
) -> None:
    """T-junctions, one-phase corners, a five-arm centre and pedestrian crossings: every
    lane group is on a road approach (a crossing's links start on a walking area and are
    not traffic), and every junction's activity has its cycle."""
    result = measure(agents.make("fixed"), str(layouts[layout]), 0)
    assert result.movements and result.signals
    for row in result.movements:
        edge = row["approach"].split(" ", 1)[1]
        assert not edge.startswith(":"), row
        assert row["lane_group"].split()[0] in {"NB", "EB", "SB", "WB"}
    for activity in result.signals.values():
        assert not any(edge.startswith(":") for edge in activity["intervals"][0]["max_queue"])
        assert activity["intervals"][0]["cycle_mean"] > 0


def test_each_phase_is_named_by_the_movements_it_serves(cache_dir: Path) -> None:
    """`single`'s own programme, as SUMO builds it: through-right with permitted lefts,
    then protected lefts, per axis."""
    scenario = scenarios.load("single")
    (groups,) = lane_groups(scenario.net_file, ["C"]).values()
    named = [phase_movements(groups, green) for green in phase_sets(scenario, "own")["C"].greens]
    assert named == [
        "NB T+R, SB T+R, NB L (permitted), SB L (permitted)",
        "NB L (protected), SB L (protected)",
        "EB T+R, WB T+R, EB L (permitted), WB L (permitted)",
        "EB L (protected), WB L (protected)",
    ]
    assert phase_movements(groups, "r" * 16) == "none"
