"""Every controller runs on every built-in scenario; hand-checked decisions; `make` errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from stopline import agents, scenarios
from stopline.agents.max_pressure import max_pressure_phase
from stopline.envs import JunctionState, Layout

from tls_record import read_record, recording_options


@pytest.mark.parametrize("scenario_name", ["single", "corridor", "grid"])
@pytest.mark.parametrize("name", sorted(agents.CONTROLLERS))
def test_short_episode(name: str, scenario_name: str, cache_dir: Path, tmp_path: Path) -> None:
    scenario = dataclasses.replace(scenarios.load(scenario_name), end=300.0)
    options, record = recording_options(tmp_path, scenario.junctions)
    totals = agents.run_episode(
        agents.make(name), scenario, sumo_seed=1, folder=tmp_path, sumo_options=options
    )
    assert totals.time == 300.0 and totals.arrived > 0 and totals.teleports == 0
    programmes = {state for steps in read_record(record).values() for _, state in steps}
    assert programmes  # SUMO recorded every junction's states


def _state(halting: list[float], out_halting: list[float], phase: int = 0) -> JunctionState:
    # Two greens: 0 serves lanes 0 and 1 (into out lanes 0 and 1), 1 serves lane 2 (into 2).
    layout = Layout(
        junction="J",
        incoming=("a", "b", "c"),
        outgoing=("x", "y", "z"),
        in_capacity=np.full(3, 40.0),
        out_capacity=np.full(3, 40.0),
        in_speed_limit=np.full(3, 13.89),
        movements=(((0, 0), (1, 1)), ((2, 2),)),
    )
    zeros = np.zeros(3)
    return JunctionState(
        layout=layout,
        phase=phase,
        num_phases=2,
        green_time=20.0,
        min_green_passed=True,
        in_transition=False,
        vehicles=np.array(halting),
        halting=np.array(halting),
        waiting=zeros,
        speed=zeros,
        out_vehicles=np.array(out_halting),
        out_halting=np.array(out_halting),
    )


def test_max_pressure_picks_the_highest_pressure_green() -> None:
    # Green 0: (4 - 0) + (3 - 5) = 2; green 1: 6 - 1 = 5.
    assert max_pressure_phase(_state([4, 3, 6], [0, 5, 1])) == 1
    # A blocked exit removes the pressure: green 1: 6 - 9 = -3 < green 0: 7.
    assert max_pressure_phase(_state([4, 3, 6], [0, 0, 9], phase=1)) == 0


def test_max_pressure_keeps_the_current_green_on_a_tie() -> None:
    assert max_pressure_phase(_state([2, 0, 2], [0, 0, 0], phase=1)) == 1


def test_greedy_serves_the_longest_queue() -> None:
    controller = agents.make("greedy")
    assert controller.act(0, {"J": _state([1, 1, 3], [0, 0, 0])}) == {"J": 1}


def _blocked_junction(phase: int = 0) -> dict[str, JunctionState]:
    """Green 1's only exit (lane z, 12 places) is full: 11 vehicles stand on it. Green 1's
    queue of 20 is the longest, and its classic pressure (20 - 11) the highest. Green 0
    has 3 + 2 halted vehicles into empty exits."""
    state = _state([3, 2, 20], [0, 0, 11], phase=phase)
    layout = dataclasses.replace(state.layout, out_capacity=np.array([40.0, 40.0, 12.0]))
    return {"J": state._replace(layout=layout)}


@pytest.mark.parametrize("name", ["max-pressure", "greedy", "sotl"])
def test_no_green_into_a_full_exit(name: str) -> None:
    """The queue behind a full exit cannot move: the spillback-aware rules serve the green
    whose vehicles can (and leave the blocked one); the classic rules, kept for published
    comparisons, serve the longest queue whatever its exit holds."""
    spillback = agents.make(name)
    spillback.reset(_blocked_junction())
    assert spillback.act(0, _blocked_junction(phase=0)) in ({"J": 0}, {})
    stuck = agents.make(name)
    stuck.reset(_blocked_junction(phase=1))
    assert stuck.act(0, _blocked_junction(phase=1)) == {"J": 0}
    if name != "sotl":  # SOTL's classic rule waits for its counter, not for queues
        classic = agents.make(name, spillback=False)
        assert classic.act(0, _blocked_junction(phase=0)) == {"J": 1}


def test_a_shared_lane_queue_is_split_among_its_exits() -> None:
    """A protected left (green 1: lane a into x only) does not claim lane a's through queue
    (lane a also leads into y under green 0): its share is a third of lane a's queue."""
    layout = dataclasses.replace(
        _state([0, 0, 0], [0, 0, 0]).layout,
        movements=(((0, 0), (0, 1), (1, 2)), ((0, 0),)),
    )
    state = _state([6, 1, 0], [0, 0, 0])._replace(layout=layout)
    assert state.share(state.halting).tolist() == [3, 3, 1, 3]
    assert state.per_green(state.share(state.halting)).tolist() == [7, 3]
    full = state._replace(out_halting=np.array([0.0, 40.0, 0.0]))
    assert full.per_green(full.share(full.halting, 0.85)).tolist() == [4, 3]
    assert full.movable_share(0.85).tolist() == [0.5, 1, 0]  # lane c leads nowhere


def test_make_refuses_unknown_names_and_parameters() -> None:
    with pytest.raises(agents.UnknownControllerError, match="unknown controller 'smart'"):
        agents.make("smart")
    with pytest.raises(agents.UnknownControllerError, match="has no parameter 'gamma'"):
        agents.make("sotl", gamma=3)
    with pytest.raises(agents.UnknownControllerError, match="'theta' must be a number"):
        agents.make("sotl", theta="60")
    assert agents.make("sotl", theta=60).parameters()["theta"] == 60
