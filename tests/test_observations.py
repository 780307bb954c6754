"""Observations: the fixed-width `greens` one, which lets one policy run on any network."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stopline.envs import ConfigError, SignalParallelEnv
from stopline.envs.observations import GREEN_SLOTS, greens

PER_GREEN = 5


def test_greens_has_one_width_at_junctions_of_every_layout(
    cache_dir: Path, layouts: dict[str, Path]
) -> None:
    """Per-lane observations differ in width from junction to junction; `greens` does not,
    on the built-ins and on every odd layout, hand-made city programmes included."""
    widths = set()
    for scenario in ["single", "corridor", "grid:2x2", *map(str, layouts.values())]:
        env = SignalParallelEnv(scenario, observation="greens")
        widths |= {env.observation_space(agent).shape for agent in env.possible_agents}
        env.close()
    assert widths == {(GREEN_SLOTS * PER_GREEN + 3,)}


def test_greens_sums_each_greens_own_lanes(cache_dir: Path) -> None:
    """Each slot holds what is on the lanes its green serves, as shares of their capacity,
    worked here from the layout's (incoming, outgoing) pairs lane by lane."""
    env = SignalParallelEnv("single", observation="greens")
    state = env.simulation.blank_states()["C"]
    env.close()
    layout = state.layout
    rng = np.random.default_rng(0)
    state = state._replace(
        phase=1,
        min_green_passed=True,
        green_time=30.0,
        halting=rng.integers(0, 5, len(layout.incoming)).astype(float),
        vehicles=rng.integers(5, 9, len(layout.incoming)).astype(float),
        out_vehicles=rng.integers(0, 9, len(layout.outgoing)).astype(float),
    )
    slots = greens(state)[: GREEN_SLOTS * PER_GREEN].reshape(GREEN_SLOTS, PER_GREEN)
    for green, pairs in enumerate(layout.movements):
        into = sorted({i for i, _ in pairs})
        out = sorted({o for _, o in pairs})
        capacity = layout.in_capacity[into].sum()
        expected = [
            1.0,
            float(green == 1),
            state.halting[into].sum() / capacity,
            state.vehicles[into].sum() / capacity,
            state.out_vehicles[out].sum() / layout.out_capacity[out].sum(),
        ]
        assert slots[green] == pytest.approx(expected)
    assert not slots[len(layout.movements) :].any()  # slots of greens it does not have
    assert greens(state)[-3:] == pytest.approx([1.0, 0.5, 0.0])  # min green, 30 of 60 s


def test_greens_refuses_a_junction_with_more_greens_than_slots(cache_dir: Path) -> None:
    env = SignalParallelEnv("single", observation="greens")
    state = env.simulation.blank_states()["C"]
    env.close()
    with pytest.raises(ConfigError, match=f"up to {GREEN_SLOTS} greens; junction C has 9"):
        greens(state._replace(num_phases=9))


def test_pressure_sums_queue_in_minus_queue_out_over_each_greens_movements(
    cache_dir: Path,
) -> None:
    env = SignalParallelEnv("helsinki")
    states = env.simulation.blank_states()
    env.close()
    rng = np.random.default_rng(1)
    for state in states.values():
        layout = state.layout
        state = state._replace(
            halting=rng.integers(0, 9, len(layout.incoming)).astype(float),
            out_halting=rng.integers(0, 9, len(layout.outgoing)).astype(float),
        )
        expected = [
            sum(state.halting[i] - state.out_halting[o] for i, o in pairs)
            for pairs in layout.movements
        ]
        assert state.pressure().tolist() == expected


def test_every_built_in_observation_names_each_value(cache_dir: Path) -> None:
    """A policy card names the inputs that move a policy: every built-in observation has
    one name per value, at junctions of different shapes, and no name twice."""
    from stopline.envs.observations import OBSERVATIONS

    env = SignalParallelEnv("corridor")
    states = env.simulation.blank_states()
    env.close()
    for registered in OBSERVATIONS.values():
        for state in states.values():
            names = registered.names(state)
            assert len(names) == len(registered.function(state)), registered.name
            assert len(set(names)) == len(names), registered.name
            assert not any(name.startswith("input ") for name in names), registered.name


def test_movable_sees_what_the_spillback_rule_reads() -> None:
    """`movable` adds, per green, the queue that can move and the share of exits with room:
    on the hand-built blocked junction green 1's 20 halted vehicles face a full exit, so it
    shows no movable queue and no open exit, while green 0's 3 + 2 can move."""
    from stopline.envs.observations import default, movable

    from junction_states import blocked_junction

    state = blocked_junction()["J"]
    values = movable(state)
    assert values[: len(default(state))] == pytest.approx(default(state))
    assert values[len(default(state)) :] == pytest.approx([5 / 80, 0.0, 1.0, 0.0])
    emptied = state._replace(out_halting=np.zeros(3))  # the exit drains: green 1 can move
    assert movable(emptied)[-4:] == pytest.approx([5 / 80, 20 / 80, 1.0, 1.0])
