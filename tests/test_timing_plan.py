"""Time-of-day plans in SUMO: on every signal layout (netconvert's tidy programmes and a
city's hand-made ones), the plan's WAUT switches are safe by SUMO's own record of signal
states, and each junction runs at its period's offset once the switch has dwelt."""

from __future__ import annotations

import random
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from stopline import scenarios
from stopline.agents.plans import TimingPlan, isolated_plan, write_sumo
from stopline.agents.plans.design import Settings
from stopline.agents.plans.timing_plan import PROGRAM_PREFIX
from stopline.envs import EnvConfig
from stopline.scenarios import sumo_tools
from stopline.scenarios.options import QUIET

from tls_record import Limits, read_record, recording_options, violations

PERIODS = "00:00-00:01,00:01-00:03,00:03-00:05"


def _mixed_plan(scenario: scenarios.Scenario) -> TimingPlan:
    """Three periods whose cycles differ (Webster's, then 1.6 times it, then Webster's),
    with offsets drawn at random: every switch must change cycle and move the offset."""
    config = EnvConfig()
    short = isolated_plan(scenario, config, PERIODS)
    long = isolated_plan(scenario, config, PERIODS, Settings(cycle_scale=1.6))
    plan = TimingPlan(short.periods, (short.plans[0], long.plans[1], short.plans[2]), 0.0)
    draw = random.Random(3)
    return plan.with_offsets(
        [{name: draw.uniform(0, 200) for name in period} for period in plan.plans]
    )


def _limits(plan: TimingPlan, name: str) -> Limits:
    states: set[str] = set()
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    for period in plan.plans:
        junction = period[name]
        states |= {phase["state"] for phase in junction.plan.sumo_phases()}
        timing = junction.plan.timing
        for index, green in enumerate(junction.plan.phases.greens):
            low[green] = max(low.get(green, 0.0), timing.min_green_of(index))
            high[green] = timing.max_green_of(index)
    timing = plan.plans[0][name].plan.timing
    return Limits(frozenset(states), low, high, timing.yellow, 0.0)


@pytest.mark.slow
@pytest.mark.parametrize(
    "layout", ["grid-one-phase-corners", "random", "spider", "crossings", "city-programmes"]
)
def test_switches_are_safe_and_reach_each_offset(
    layout: str, layouts: dict[str, Path], tmp_path: Path
) -> None:
    scenario = scenarios.load(layouts[layout])
    plan = _mixed_plan(scenario)
    path = write_sumo(plan, tmp_path / "plan.add.xml")
    options, record = recording_options(tmp_path, plan.junctions)
    # Plain sumo on the scenario's own configuration, the plan added with -a.
    files = ",".join(str(p) for p in (*scenario.additional_files, path, Path(options[1])))
    result = subprocess.run(
        [str(sumo_tools.binary("sumo")), "-c", str(scenario.config_file), "-a", files, *QUIET],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    states = read_record(record)
    programmes: dict[str, list[tuple[float, str, str]]] = {}
    for element in ET.parse(record).getroot().iter("tlsState"):
        programmes.setdefault(element.get("id", ""), []).append(
            (
                float(element.get("time", "0")),
                element.get("programID", ""),
                element.get("phase", ""),
            )
        )
    for name in plan.junctions:
        # The window opens mid-cycle: the green showing at its start is cut, not short.
        steps = states[name]
        first = next(i for i, (_, state) in enumerate(steps) if state != steps[0][1])
        assert violations(steps[first:], _limits(plan, name)) == [], name
        switches = plan.switches(name)
        assert [s.period for s in switches] == [1, 2]
        for switch in switches:
            wanted = plan.plans[switch.period][name]
            shown = [(t, p, i) for t, p, i in programmes[name] if t >= switch.time]
            # SUMO hands over at the computed second (not a step earlier), to the period's
            # programme, in its first green.
            arrival = next(t for t, p, _ in programmes[name] if p == plan.program_id(switch.period))
            assert (arrival, shown[0][2]) == (switch.time, "0"), name
            if not switch.synchron or switch.time + switch.dwell + wanted.greens[0] >= scenario.end:
                continue  # no dwell, or the window closes before the dwelt green ends
            # The dwelt first green ends where the programme's own clock ends it: the step
            # after it starts at the offset plus the first green, modulo the cycle.
            ends = [
                t
                for (t, p, i), (_, _, before) in zip(shown[1:], shown, strict=False)
                if p == plan.program_id(switch.period) and i == "1" and before == "0"
            ]
            assert ends, name
            assert all((t - wanted.offset - wanted.greens[0]) % wanted.cycle == 0 for t in ends)
    assert all(plan.program_id(i).startswith(PROGRAM_PREFIX) for i in range(3))
