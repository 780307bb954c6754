"""Pedestrian timings (`stopline.envs.pedestrians`) on a junction with crossings: walk and
flashing don't-walk from the crossing's length, honoured by every strategy as a min green
(proved from SUMO's record), and by the timing plan, whose file runs in plain SUMO."""

from __future__ import annotations

import csv
import dataclasses
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from stopline import agents, scenarios
from stopline.envs import EnvConfig, SignalParallelEnv
from stopline.envs.layout import net_lanes
from stopline.envs.pedestrians import pedestrian_min_greens
from stopline.envs.phases import phase_sets
from stopline.envs.timing import timing_for
from stopline.scenarios import sumo_tools
from stopline.scenarios.options import QUIET

from conftest import stopline
from tls_record import read_record, recording_options

# Two-way streets of two lanes each way, 300 m arms, sidewalks and a crossing on every arm.
# A crossing spans four 3.2 m lanes: 12.8 m. By hand: walk 7 s, flashing don't-walk
# 12.8 / 1.2 = 10.7 s, up to 11; a green that shows a crossing lasts at least 18 s.
CROSSING_M = 12.8
PEDESTRIAN_MIN_GREEN = 18.0


@pytest.fixture(scope="module")
def crossings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crossings")
    (folder / "p.nod.xml").write_text(
        '<nodes><node id="W" x="-300" y="0"/><node id="E" x="300" y="0"/>'
        '<node id="N" x="0" y="300"/><node id="S" x="0" y="-300"/>'
        '<node id="C" x="0" y="0" type="traffic_light"/></nodes>'
    )
    arms = (("W", "C"), ("C", "E"), ("N", "C"), ("C", "S"))
    (folder / "p.edg.xml").write_text(
        "<edges>"
        + "".join(
            f'<edge id="{a}{b}" from="{a}" to="{b}" numLanes="2" speed="13.89"/>'
            f'<edge id="{b}{a}" from="{b}" to="{a}" numLanes="2" speed="13.89"/>'
            for a, b in arms
        )
        + "</edges>"
    )
    sumo_tools.run(
        [
            sumo_tools.binary("netconvert"),
            *("-n", folder / "p.nod.xml", "-e", folder / "p.edg.xml", "-o", folder / "p.net.xml"),
            *("--sidewalks.guess", "--crossings.guess", "--no-turnarounds"),
        ],
        what="netconvert",
    )
    flows = "".join(
        f'<flow id="{a}{b}" begin="0" end="900" vehsPerHour="400" from="{a}C" to="C{b}"/>'
        for a, b in (("W", "E"), ("E", "W"), ("N", "S"), ("S", "N"))
    )
    walkers = (
        '<personFlow id="walk" begin="0" end="900" period="20">'
        '<walk from="WC" to="CS"/></personFlow>'
    )
    (folder / "p.rou.xml").write_text(f"<routes>{flows}{walkers}</routes>")
    config = folder / "p.sumocfg"
    config.write_text(
        '<configuration><input><net-file value="p.net.xml"/><route-files value="p.rou.xml"/>'
        '</input><time><begin value="0"/><end value="900"/></time></configuration>'
    )
    return config


def test_crossings_are_found_and_timed_by_hand(crossings: Path) -> None:
    scenario = scenarios.load(crossings)
    walkways = net_lanes(scenario.net_file).walkways["C"]
    assert len(walkways) == 4 and all(round(m, 1) == CROSSING_M for m in walkways.values())
    phases = phase_sets(scenario, "rebuilt")["C"]
    needs = pedestrian_min_greens(phases)
    assert PEDESTRIAN_MIN_GREEN in needs  # the greens that show a crossing
    timing = timing_for(phases, EnvConfig(min_green=5))  # configured lower: raised anyway
    for index, need in enumerate(needs):
        assert timing.min_green_of(index) == (need or 5.0)


def test_no_strategy_cuts_a_pedestrian_green_in_sumos_record(crossings: Path) -> None:
    scenario = dataclasses.replace(scenarios.load(crossings), end=400.0)
    phases = phase_sets(scenario, "rebuilt")["C"]
    walkways = net_lanes(scenario.net_file).walkways["C"]
    with tempfile.TemporaryDirectory() as folder:
        options, record = recording_options(Path(folder), ["C"])
        env = SignalParallelEnv(scenario, sumo_options=options, delta_time=1.0, min_green=5)
        try:
            env.reset(seed=1)
            step = 0
            while env.agents:  # asks for another green every second
                env.step({agent: (step + 1) % len(phases.greens) for agent in env.agents})
                step += 1
        finally:
            env.close()
        steps = read_record(record)["C"]
    shown = _crossing_greens(steps, sorted(walkways))
    assert shown and min(shown) >= PEDESTRIAN_MIN_GREEN


@pytest.mark.slow
def test_a_plan_honours_pedestrians_and_runs_in_plain_sumo(
    crossings: Path, tmp_path: Path, cache_dir: Path
) -> None:
    out = tmp_path / "plan"
    result = stopline("plan", str(crossings), "--trials", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    with (out / "timing.csv").open() as stream:
        every = list(csv.DictReader(stream))
    # netconvert's pedestrian clearance (vehicles keep their green, crossings red) is timed
    # with the green before it, not as demand of its own: no false over-saturation.
    assert "degree of saturation" not in result.stderr
    assert all(float(row["degree_of_saturation"]) < 1 for row in every)
    rows = [row for row in every if row["walk"]]
    assert rows  # phases with crossings, their walk and flashing don't-walk
    for row in rows:
        assert (float(row["walk"]), float(row["flashing_dont_walk"])) == (7.0, 11.0)
        assert float(row["green"]) >= PEDESTRIAN_MIN_GREEN
    scenario = scenarios.load(crossings)
    plain = subprocess.run(
        [str(sumo_tools.binary("sumo")), "-c", str(scenario.config_file),
         "-a", str(out / "plan.add.xml"), *QUIET],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert plain.returncode == 0 and "Error" not in plain.stderr, plain.stderr
    # An edit that cuts a crossing's green below its walk and flashing don't-walk is
    # refused by plan:PATH, in one line naming the file.
    root = ET.parse(out / "plan.add.xml").getroot()
    walking = {int(row["phase"]) for row in rows}
    for logic in root.iter("tlLogic"):
        greens = [p for p in logic.iter("phase") if "y" not in p.get("state", "")]
        greens[min(walking) - 1].set("duration", "10")
    edited = tmp_path / "edited.add.xml"
    ET.ElementTree(root).write(edited)
    refused = stopline("evaluate", str(crossings), "--controller", f"plan:{edited}")
    assert refused.returncode == 2, refused.stderr
    assert f"{edited}: traffic light 'C' is unsafe" in refused.stderr
    assert f"under its min green {PEDESTRIAN_MIN_GREEN:g}" in refused.stderr


def _crossing_greens(steps: list[tuple[float, str]], walkways: list[int]) -> list[int]:
    """Seconds each crossing green lasted in SUMO's record (the one cut by the end left
    out)."""
    shown = []
    for index in walkways:
        run = 0
        for _, state in steps:
            if state[index] in "Gg":
                run += 1
            elif run:
                shown.append(run)
                run = 0
    return shown


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(agents.CONTROLLERS))
def test_every_strategy_gives_pedestrians_their_time(
    name: str, crossings: Path, tmp_path: Path, cache_dir: Path
) -> None:
    scenario = dataclasses.replace(scenarios.load(crossings), end=600.0)
    options, record = recording_options(tmp_path, ["C"])
    agents.run_episode(
        agents.make(name), scenario, sumo_seed=1, folder=tmp_path, sumo_options=options
    )
    walkways = sorted(net_lanes(scenario.net_file).walkways["C"])
    shown = _crossing_greens(read_record(record)["C"], walkways)
    assert shown and min(shown) >= PEDESTRIAN_MIN_GREEN, (name, sorted(shown)[:5])
