"""`SignalEnv`: the Gymnasium contract, reproducibility, measurements and observe-only mode."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from stopline import scenarios
from stopline.envs import (
    OBSERVATIONS,
    READINGS,
    REWARDS,
    ConfigError,
    JunctionState,
    SignalEnv,
    SimulationError,
    default_config,
    register_observation,
)

from tls_record import read_record, recording_options


@pytest.fixture
def short_single(cache_dir: Path) -> scenarios.Scenario:
    return dataclasses.replace(scenarios.load("single"), end=300.0)


def test_passes_gymnasiums_checker(short_single: scenarios.Scenario) -> None:
    env = SignalEnv(short_single)
    check_env(env, skip_render_check=True)
    env.close()


def test_registered_for_builtin_scenarios(cache_dir: Path) -> None:
    env = gymnasium.make("stopline/single-v0", observation="queue", reward="queue")
    observation, _ = env.reset(seed=0)
    assert env.observation_space.contains(observation)
    assert env.action_space == gymnasium.spaces.Discrete(4)
    env.close()


def _episode(env: SignalEnv, seed: int) -> tuple[list, list, dict]:
    observations, rewards = [], []
    observation, info = env.reset(seed=seed)
    observations.append(observation)
    step, truncated = 0, False
    while not truncated:
        observation, reward, _, truncated, info = env.step(step % 4)
        observations.append(observation)
        rewards.append(reward)
        step += 1
    return observations, rewards, info


def test_same_seed_same_episode_other_seed_other_episode(
    short_single: scenarios.Scenario,
) -> None:
    env = SignalEnv(short_single, delta_time=10)
    first = _episode(env, seed=5)
    again = _episode(env, seed=5)
    other = _episode(env, seed=6)
    env.close()
    assert len(first[0]) == 31  # reset + 300 s / 10 s
    assert all(np.array_equal(a, b) for a, b in zip(first[0], again[0], strict=True))
    assert first[1] == again[1]
    assert {k: v for k, v in first[2].items() if k != "action_mask"} == {
        k: v for k, v in again[2].items() if k != "action_mask"
    }
    assert first[1] != other[1]


def test_info_carries_the_measurements(short_single: scenarios.Scenario) -> None:
    env = SignalEnv(short_single)
    _, info = env.reset(seed=0)
    assert set(info) >= {"time", "halting", "waiting_time", "vehicles", "arrived", "backlog"}
    assert info["time"] == 0
    for _ in range(30):
        *_, info = env.step(0)
    env.close()
    assert info["time"] == 150
    assert info["arrived"] > 0 and info["vehicles"] > 0
    assert info["teleports"] == 0
    assert info["action_mask"].tolist() == [1, 1, 1, 1]


def test_observe_only_runs_the_nets_own_programme(
    short_single: scenarios.Scenario, tmp_path: Path
) -> None:
    options, record = recording_options(tmp_path, ["C"])
    env = SignalEnv(short_single, observe_only=True, sumo_options=options)
    env.reset(seed=0)
    phases = set()
    truncated = False
    while not truncated:
        observation, _, _, truncated, _ = env.step(3)  # ignored
        phases.add(int(np.argmax(observation[:4])))
    env.close()
    states = read_record(record)["C"]
    net_programme = scenarios.load("single").net_file.read_text()
    assert all(f'state="{state}"' in net_programme for _, state in states)
    assert phases == {0, 1, 2, 3}  # the observation follows SUMO's own cycle


@pytest.mark.parametrize("name", sorted(OBSERVATIONS))
def test_every_registered_observation_fits_its_space(
    name: str, short_single: scenarios.Scenario
) -> None:
    env = SignalEnv(short_single, observation=name)
    observation, _ = env.reset(seed=1)
    for _ in range(20):
        observation, *_ = env.step(1)
    env.close()
    assert env.observation_space.contains(observation)


@pytest.mark.parametrize("name", sorted(REWARDS))
def test_every_registered_reward_gives_finite_numbers(
    name: str, short_single: scenarios.Scenario
) -> None:
    env = SignalEnv(short_single, reward=name)
    env.reset(seed=1)
    rewards = [env.step(step % 2)[1] for step in range(30)]
    env.close()
    assert all(np.isfinite(rewards)) and any(r != 0 for r in rewards)


def test_only_the_readings_observation_and_reward_name_are_read(
    short_single: scenarios.Scenario,
) -> None:
    """A reading neither the observation, the reward nor the spillback guard names is NaN
    (never a stale or made-up zero); one registered without ``reads`` gets every reading."""
    seen: list[JunctionState] = []

    @register_observation("test-everything")
    def everything(state: JunctionState) -> np.ndarray:
        seen.append(state)
        return np.zeros(1)

    try:
        for observation, guard, unread in [
            ("queue", False, {"vehicles", "speed", "out_vehicles", "out_halting"}),
            ("queue", True, {"vehicles", "speed", "out_vehicles"}),  # it reads exits' queues
            ("test-everything", False, set()),
        ]:
            env = SignalEnv(
                short_single, observation=observation, reward="queue", spillback_guard=guard
            )
            env.reset(seed=1)
            for _ in range(10):
                env.step(1)
            state = env._state
            env.close()
            assert state is not None
            for name in READINGS:
                values = getattr(state, name)
                assert np.isnan(values).all() == (name in unread), name
    finally:
        del OBSERVATIONS["test-everything"]
    assert seen


def test_a_junction_must_be_named_where_there_are_several(cache_dir: Path) -> None:
    with pytest.raises(SimulationError, match="has 5 signalised junctions with phases"):
        SignalEnv(scenarios.load("corridor"))
    env = SignalEnv(scenarios.load("corridor"), junction="J2", action_mode="cycle")
    assert env.action_space.n == 2
    with pytest.raises(SimulationError, match="'J9' is not a signalised junction"):
        SignalEnv(scenarios.load("corridor"), junction="J9")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"colour": "red"}, "unknown config key 'colour'; allowed: observation"),
        ({"observation": "radar"}, "unknown observation 'radar'; registered: default"),
        ({"reward": "fame"}, "unknown reward 'fame'"),
        ({"min_green": 0}, "min_green must be a number > 0"),
        ({"min_green": 10, "max_green": 5}, "max_green must be >= min_green"),
        ({"phases": "mine"}, "phases must be one of own, rebuilt, not 'mine'"),
        ({"action_mode": "random"}, "action_mode must be 'phase' or 'cycle'"),
        ({"sumo_options": "--no-warnings"}, "sumo_options must be a list of strings"),
    ],
)
def test_bad_configuration_is_refused_by_name(
    config: dict, message: str, short_single: scenarios.Scenario
) -> None:
    with pytest.raises(ConfigError, match=message):
        SignalEnv(short_single, **config)


def test_default_config_lists_every_key() -> None:
    config = default_config()
    assert config["delta_time"] == 5.0 and config["min_green"] is None  # derived per junction
    assert config["max_green"] == 60.0 and config["yellow_time"] is None
    assert config["all_red"] is None and config["phases"] == "rebuilt"
    assert config["observation"] == "movable" and config["reward"] == "diff-waiting-time"


def test_step_before_reset_is_an_error(short_single: scenarios.Scenario) -> None:
    env = SignalEnv(short_single)
    with pytest.raises(SimulationError, match="reset"):
        env.step(0)
