"""Every controller runs on every built-in scenario; hand-checked decisions; `make` errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from stopline import agents, scenarios
from stopline.agents.max_pressure import max_pressure_phase

from junction_states import blocked_junction, two_green_state
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


def test_max_pressure_picks_the_highest_pressure_green() -> None:
    # Green 0: (4 - 0) + (3 - 5) = 2; green 1: 6 - 1 = 5.
    assert max_pressure_phase(two_green_state([4, 3, 6], [0, 5, 1])) == 1
    # A blocked exit removes the pressure: green 1: 6 - 9 = -3 < green 0: 7.
    assert max_pressure_phase(two_green_state([4, 3, 6], [0, 0, 9], phase=1)) == 0


def test_max_pressure_keeps_the_current_green_on_a_tie() -> None:
    assert max_pressure_phase(two_green_state([2, 0, 2], [0, 0, 0], phase=1)) == 1


def test_greedy_serves_the_longest_queue() -> None:
    controller = agents.make("greedy")
    assert controller.act(0, {"J": two_green_state([1, 1, 3], [0, 0, 0])}) == {"J": 1}


@pytest.mark.parametrize("name", ["max-pressure", "greedy", "sotl"])
def test_no_green_into_a_full_exit(name: str) -> None:
    """The queue behind a full exit cannot move: the spillback-aware rules serve the green
    whose vehicles can (and leave the blocked one); the classic rules, kept for published
    comparisons, serve the longest queue whatever its exit holds."""
    spillback = agents.make(name)
    spillback.reset(blocked_junction())
    assert spillback.act(0, blocked_junction(phase=0)) in ({"J": 0}, {})
    stuck = agents.make(name)
    stuck.reset(blocked_junction(phase=1))
    assert stuck.act(0, blocked_junction(phase=1)) == {"J": 0}
    if name != "sotl":  # SOTL's classic rule waits for its counter, not for queues
        classic = agents.make(name, spillback=False)
        assert classic.act(0, blocked_junction(phase=0)) == {"J": 1}


def test_a_shared_lane_queue_is_split_among_its_exits() -> None:
    """A protected left (green 1: lane a into x only) does not claim lane a's through queue
    (lane a also leads into y under green 0): its share is a third of lane a's queue."""
    layout = dataclasses.replace(
        two_green_state([0, 0, 0], [0, 0, 0]).layout,
        movements=(((0, 0), (0, 1), (1, 2)), ((0, 0),)),
    )
    state = two_green_state([6, 1, 0], [0, 0, 0])._replace(layout=layout)
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
