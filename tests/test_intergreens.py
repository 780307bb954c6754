"""Intergreens from geometry (`stopline.envs.intergreens`): ITE's formulas by hand, the
values a real junction gets, and SUMO's own record showing them."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import pytest

from stopline import scenarios
from stopline.envs import EnvConfig, SignalParallelEnv
from stopline.envs.intergreens import red_clearance, yellow_interval
from stopline.envs.layout import net_lanes
from stopline.envs.phases import phase_sets
from stopline.envs.timing import timing_for

from tls_record import read_record, recording_options


def test_ite_formulas_by_hand() -> None:
    # 50 km/h: 1 s + 13.89 / (2 x 3.05) = 3.28 s, up to 4; 30 km/h: 1 + 8.33 / 6.1 = 2.37, 3.
    assert yellow_interval(13.89) == 4.0 and yellow_interval(8.33) == 3.0
    # A 27.4 m path at 13.89 m/s: (27.4 + 6.1) / 13.89 = 2.41 s, up to 3; 11.7 m: 1.28, 2.
    assert red_clearance(27.4, 13.89) == 3.0 and red_clearance(11.7, 13.89) == 2.0
    assert red_clearance(10.0, 0.0) == 0.0  # a lane nobody may drive


def test_a_real_junction_gets_its_yellow_and_all_reds_from_its_geometry(cache_dir: Path) -> None:
    scenario = scenarios.load("single")
    net = net_lanes(scenario.net_file)
    # Its through paths cross 27.4 m of junction, its rights 11.7 m, its lefts 24.5 m.
    assert round(net.crossings["C"][1], 1) == 27.4 and round(net.crossings["C"][0], 1) == 11.7
    phases = phase_sets(scenario, "own")["C"]
    timing = timing_for(phases, EnvConfig(phases="own", intergreens="geometry"))
    assert timing.yellow == 4.0
    # North-south through (green 0) to east-west through (green 2): the through paths
    # end, 3 s; into the protected left (green 1) nothing starts that was not green: 0 s.
    assert timing.clearances[0, 2] == 3.0 and timing.clearances[0, 1] == 0.0
    assert timing.min_green == 7.0  # the clearance rule: 4 s yellow + 3 s all-red
    # The programme's own: 3 s yellow, no all-red.
    programme = timing_for(phases, EnvConfig(phases="own"))
    assert (programme.yellow, max(programme.clearances.values())) == (3.0, 0.0)


@pytest.mark.parametrize("delta_time", [1.0, 5.0])
def test_sumos_record_shows_the_geometry_intergreens(cache_dir: Path, delta_time: float) -> None:
    scenario = dataclasses.replace(scenarios.load("single"), end=300.0)
    with tempfile.TemporaryDirectory() as folder:
        options, record = recording_options(Path(folder), scenario.junctions)
        env = SignalParallelEnv(
            scenario, sumo_options=options, intergreens="geometry", delta_time=delta_time
        )
        try:
            env.reset(seed=1)
            step = 0
            while env.agents:  # every green in turn: each change shows its intergreen
                env.step({agent: step % 4 for agent in env.agents})
                step += 1
        finally:
            env.close()
        steps = read_record(record)["C"]
    runs: list[list] = []  # [state, seconds]
    for _, state in steps:
        if runs and runs[-1][0] == state:
            runs[-1][1] += 1
        else:
            runs.append([state, 1])
    yellows = [seconds for state, seconds in runs[1:-1] if "y" in state]
    all_reds = [seconds for state, seconds in runs[1:-1] if set(state) == {"r"}]
    assert yellows and all(seconds == 4 for seconds in yellows)
    assert all_reds and all(seconds == 3 for seconds in all_reds)


def test_geometry_never_shortens_a_hand_made_programmes_intergreens(
    layouts: dict[str, Path], cache_dir: Path
) -> None:
    """The town's hand-made programmes show 4-5 s yellows and 2 s all-reds (`handmade`):
    under ITE's rule (4 s yellows at 50 km/h or less, clearances from the paths) no
    junction's yellow or all-red falls below its own."""
    scenario = scenarios.load(str(layouts["city-programmes"]))
    for phases in phase_sets(scenario, "own").values():
        if not phases.controllable:
            continue
        own = timing_for(phases, EnvConfig(phases="own"))
        ite = timing_for(phases, EnvConfig(phases="own", intergreens="geometry"))
        assert own.yellow in (4.0, 5.0) and ite.yellow >= own.yellow
        assert max(own.clearances.values()) == 2.0
        for pair, seconds in own.clearances.items():
            assert ite.clearances[pair] >= seconds, (phases.junction, pair)
