"""The signal model: transitions, min and max green, and safety proved from SUMO's record."""

from __future__ import annotations

import dataclasses
import random
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stopline import scenarios
from stopline.envs import (
    EnvConfig,
    JunctionState,
    Layout,
    PhaseSet,
    Signal,
    SignalEnv,
    SignalParallelEnv,
    Timing,
    transition,
)
from stopline.envs.spaces import action_mask, requested

from junction_states import blocked_junction, two_green_state
from tls_record import Limits, read_record, recording_options, violations

FOUR_PHASES = ("GGgrrrGGgrrr", "rrGrrrrrGrrr", "rrrGGgrrrGGg", "rrrrrGrrrrrG")
_LAYOUT = Layout("J", (), (), np.zeros(0), np.zeros(0), np.zeros(0), ((),) * 4)


def _signal(**timing: float) -> Signal:
    return Signal(PhaseSet("J", FOUR_PHASES, (30.0,) * 4), Timing(**timing), start=0.0)


def test_transition_yellows_only_movements_that_lose_green() -> None:
    yellow, red = transition("GGgrr", "rrGGr")
    assert yellow == "yygrr"  # the 'g' stays green into the next phase
    assert red == "rrgrr"


def test_leaving_before_min_green_is_deferred_until_min_green() -> None:
    signal = _signal(min_green=10, yellow=3)
    signal.request(2, now=4)
    assert signal.state == FOUR_PHASES[0] and signal.next_event() == 10
    assert signal.advance(10) == transition(FOUR_PHASES[0], FOUR_PHASES[2])[0]
    assert "y" in signal.advance(12)  # still yellow
    assert signal.advance(13) == FOUR_PHASES[2]
    assert signal.green_start == 13


def test_all_red_follows_yellow() -> None:
    signal = _signal(min_green=5, yellow=3, all_red=2)
    signal.request(2, now=5)
    assert "y" in signal.state
    assert signal.advance(8) == transition(FOUR_PHASES[0], FOUR_PHASES[2])[1]
    assert signal.advance(10) == FOUR_PHASES[2]


def test_max_green_hands_over_to_the_next_green_in_order() -> None:
    signal = _signal(min_green=5, max_green=20, yellow=3)
    assert signal.advance(19) == FOUR_PHASES[0]
    assert "y" in signal.advance(20)
    assert signal.advance(23) == FOUR_PHASES[1]


def _masks(signal: Signal, now: float) -> tuple[list[int], list[int]]:
    """The phase-mode and cycle-mode action masks of ``signal`` at ``now``."""
    state = JunctionState.blank(_LAYOUT, signal.num_phases)._replace(
        phase=signal.phase, min_green_passed=signal.min_green_passed(now)
    )
    phase, cycle = EnvConfig(action_mode="phase"), EnvConfig(action_mode="cycle")
    return action_mask(phase, state).tolist(), action_mask(cycle, state).tolist()


def test_requests_during_a_transition_are_ignored_and_masks_say_so() -> None:
    signal = _signal(min_green=5, yellow=3)
    assert _masks(signal, 0) == ([1, 0, 0, 0], [1, 0])
    assert _masks(signal, 5) == ([1, 1, 1, 1], [1, 1])
    signal.request(1, now=6)
    assert signal.in_transition
    assert _masks(signal, 7) == ([0, 1, 0, 0], [1, 0])  # nothing changes mid-transition
    signal.request(3, now=7)
    assert signal.advance(9) == FOUR_PHASES[1]
    assert _masks(signal, 9) == ([0, 1, 0, 0], [1, 0])


def test_the_spillback_guard_rules_out_greens_into_full_exits() -> None:
    guard, off = EnvConfig(spillback_guard=True), EnvConfig()
    on_open = blocked_junction(phase=0)["J"]  # green 1's only exit is full
    assert action_mask(guard, on_open).tolist() == [1, 0]
    assert requested(guard, on_open, 1) == 0  # the green that can move is kept
    assert action_mask(off, on_open).tolist() == [1, 1]
    assert requested(off, on_open, 1) == 1
    on_blocked = blocked_junction(phase=1)["J"]
    assert requested(guard, on_blocked, 1) == 0  # keeping it moves nobody: the next that can
    jammed = two_green_state([3, 2, 20], [40, 40, 40])  # every exit full: nothing to prefer
    assert action_mask(guard, jammed).tolist() == [1, 1]
    assert requested(guard, jammed, 1) == 1
    early = on_open._replace(min_green_passed=False)  # min green first: deferred as before
    assert action_mask(guard, early).tolist() == [1, 0]
    assert requested(guard, early, 1) == 1


def test_no_yellow_when_nobody_loses_green() -> None:
    signal = _signal(min_green=5, yellow=3)
    signal.request(1, now=5)
    assert signal.advance(8) == FOUR_PHASES[1]
    # The protected left (rrG...) keeps its green as a permitted left (GGg...): no yellow.
    signal.request(0, now=20)
    assert signal.state == FOUR_PHASES[0] and signal.green_start == 20


def test_unknown_phase_is_refused() -> None:
    with pytest.raises(ValueError, match="no green phase 9"):
        _signal().request(9, now=10)


# -- safety proved from SUMO's own record -------------------------------------------------

timings = st.fixed_dictionaries(
    {
        "delta_time": st.sampled_from([1.0, 2.0, 5.0, 10.0]),
        "min_green": st.sampled_from([3.0, 5.0, 8.0]),
        "max_green": st.sampled_from([15.0, 30.0, 60.0]),
        "all_red": st.sampled_from([None, 0.0, 2.0]),
        "yellow_time": st.sampled_from([None, 4.0]),
        "intergreens": st.sampled_from(["programme", "geometry"]),
    }
)
patterns = st.sampled_from(["random", "flip", "next", "hold"])


def _action(pattern: str, rng: random.Random, step: int, size: int) -> int:
    if pattern == "flip":  # switch back and forth every decision
        return step % 2 if size > 1 else 0
    if pattern == "next":
        return step % size
    if pattern == "hold":  # only max green ends a phase
        return 0
    return rng.randrange(size)


def _run_parallel(
    scenario: scenarios.Scenario, config: dict, pattern: str, rng: random.Random
) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        options, record = recording_options(Path(folder), scenario.junctions)
        env = SignalParallelEnv(scenario, sumo_options=options, **config)
        try:
            env.reset(seed=rng.randrange(1000))
            limits = {
                j: Limits.of(s, env.config.delta_time) for j, s in env.simulation.signals.items()
            }
            step = 0
            while env.agents:
                actions = {
                    agent: _action(pattern, rng, step, int(env.action_space(agent).n))
                    for agent in env.agents
                }
                env.step(actions)
                step += 1
        finally:
            env.close()
        states = read_record(record)
    assert set(states) == set(scenario.junctions)
    return [
        f"{junction}: {problem}"
        for junction, steps in states.items()
        for problem in violations(steps, limits[junction])
    ]


SAFETY = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.parametrize("name", ["single", "corridor", "grid"])
@SAFETY
@given(config=timings, pattern=patterns, seed=st.integers(0, 2**16))
def test_builtin_scenarios_are_safe_in_sumos_record(
    name: str, config: dict, pattern: str, seed: int, cache_dir: Path
) -> None:
    scenario = dataclasses.replace(scenarios.load(name), end=240.0)
    assert _run_parallel(scenario, config, pattern, random.Random(seed)) == []


@SAFETY
@given(config=timings, pattern=patterns, seed=st.integers(0, 2**16))
def test_real_world_net_with_irregular_programmes_is_safe(
    config: dict, pattern: str, seed: int, town: Path
) -> None:
    scenario = dataclasses.replace(scenarios.load(town / "town.sumocfg"), end=300.0)
    assert _run_parallel(scenario, config, pattern, random.Random(seed)) == []


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=st.lists(st.integers(0, 1), min_size=1, max_size=60))
def test_cycle_mode_is_safe_and_keeps_programme_order(actions: list[int], cache_dir: Path) -> None:
    scenario = dataclasses.replace(scenarios.load("single"), end=300.0)
    with tempfile.TemporaryDirectory() as folder:
        options, record = recording_options(Path(folder), scenario.junctions)
        env = SignalEnv(scenario, action_mode="cycle", sumo_options=options)
        env.reset(seed=0)
        signal = env.simulation.signals["C"]
        limits = Limits.of(signal, env.config.delta_time)
        for action in actions:
            env.step(action)
        env.close()
        steps = read_record(record)["C"]
    assert violations(steps, limits) == []
    shown = [state for _, state in steps if state in signal.greens]
    order = [signal.greens.index(state) for state in dict.fromkeys(shown)]
    assert order == sorted(order)  # greens appear in programme order


def test_the_checker_catches_a_green_cut_without_yellow() -> None:
    bounds = {"Gr": 5.0, "rG": 5.0}
    limits = Limits(frozenset({"Gr", "rG", "yr"}), bounds, dict.fromkeys(bounds, 60.0), 3, 5)
    unsafe = [(float(t), "Gr") for t in range(6)] + [(6.0, "rG")]
    assert "link 0 at t=6: green to 'r' without yellow" in violations(unsafe, limits)
    short = [(float(t), "Gr") for t in range(3)] + [(3.0, "yr"), (4.0, "yr"), (5.0, "rG")]
    problems = violations(short, limits)
    assert any("yellow 2 s < 3" in p for p in problems)
    assert any("lasted 3 s < min green" in p for p in problems)
