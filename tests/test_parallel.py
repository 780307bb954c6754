"""`SignalParallelEnv`: the PettingZoo contract, mixed junctions, partial control."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pettingzoo.test import parallel_api_test

from stopline import scenarios
from stopline.envs import SignalParallelEnv

from tls_record import read_record, recording_options


def test_passes_pettingzoos_checker_on_the_corridor(cache_dir: Path) -> None:
    scenario = dataclasses.replace(scenarios.load("corridor"), end=400.0)
    env = SignalParallelEnv(scenario)
    parallel_api_test(env, num_cycles=100)
    env.close()


def test_real_world_junctions_have_their_own_spaces(town: Path) -> None:
    scenario = dataclasses.replace(scenarios.load(town / "town.sumocfg"), end=200.0)
    env = SignalParallelEnv(scenario)
    parallel_api_test(env, num_cycles=50)
    sizes = {agent: env.action_space(agent).n for agent in env.possible_agents}
    shapes = {agent: env.observation_space(agent).shape for agent in env.possible_agents}
    env.close()
    assert len(set(sizes.values())) > 1  # a T-junction, a five-arm junction, a cluster...
    assert len(set(shapes.values())) > 1


def test_uncontrolled_junctions_run_their_own_programme(cache_dir: Path, tmp_path: Path) -> None:
    scenario = dataclasses.replace(scenarios.load("grid:2x2"), end=200.0)
    options, record = recording_options(tmp_path, scenario.junctions)
    env = SignalParallelEnv(scenario, junctions=["A0"], sumo_options=options)
    assert env.possible_agents == ["A0"]
    env.reset(seed=0)
    while env.agents:
        env.step({"A0": 1})
    env.close()
    programmes: dict[str | None, set[str | None]] = {}
    for element in ET.parse(record).iter("tlsState"):
        programmes.setdefault(element.get("id"), set()).add(element.get("programID"))
    assert programmes["A0"] == {"online"}  # set by Stopline, state by state
    assert programmes["B1"] == {"0"}  # the net's own programme, untouched
    assert len(read_record(record)) == 4


def test_episode_ends_for_every_agent_at_the_window_end(cache_dir: Path) -> None:
    scenario = dataclasses.replace(scenarios.load("grid:2x2"), end=60.0)
    env = SignalParallelEnv(scenario, delta_time=10)
    observations, infos = env.reset(seed=3)
    assert set(observations) == set(infos) == set(scenario.junctions)
    steps = 0
    while env.agents:
        *_, truncations, infos = env.step(dict.fromkeys(env.agents, 0))
        steps += 1
    env.close()
    assert steps == 6 and all(truncations.values())
    assert next(iter(infos.values()))["time"] == 60


def test_info_counts_are_the_sums_of_the_junctions_lanes(cache_dir: Path) -> None:
    scenario = dataclasses.replace(scenarios.load("grid:2x2"), end=600.0)
    env = SignalParallelEnv(scenario)
    env.reset(seed=1)
    seen = 0
    while env.agents:
        *_, infos = env.step(dict.fromkeys(env.agents, 1))
        if not env.agents:
            break
        states, _ = env.simulation.observe()  # the same readings, no step between
        info = infos[env.agents[0]]
        assert info["halting"] == sum(int(state.halting.sum()) for state in states.values())
        assert info["waiting_time"] == pytest.approx(
            sum(float(s.waiting.sum()) for s in states.values())
        )
        seen += info["halting"]
    env.close()
    assert seen > 0
