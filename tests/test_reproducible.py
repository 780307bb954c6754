"""Same spec and seeds, same numbers: alone, beside other runs, in evaluate, run or Python.

On trips routed when each vehicle departs (SUMO's router runs inside the simulation), the
case where simulations sharing a process could differ.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stopline import scenarios
from stopline.envs import SignalParallelEnv
from stopline.experiments.runs.evaluate import evaluate
from stopline.experiments.runs.store import load_rows

from conftest import stopline

SPEC = """
name = "same"
seeds = [101, 102]
[[scenarios]]
name = "{scenario}"
[[controllers]]
name = "fixed"
[[controllers]]
name = "actuated"
[[controllers]]
name = "max-pressure"
[[controllers]]
name = "sotl"
"""


def _metrics(rows: list[dict], controller: str, seed: int) -> dict:
    (row,) = [r for r in rows if r["controller"] == controller and r["seed"] == seed]
    return {key: value for key, value in row.items() if key not in ("controller", "seed")}


@pytest.mark.slow
def test_a_run_gives_the_same_numbers_however_it_is_run(
    layouts: dict[str, Path], tmp_path: Path
) -> None:
    config = str(layouts["city-programmes"])
    alone = stopline("evaluate", config, "--controller", "max-pressure", "--seeds", "102", "--json")
    assert alone.returncode == 0, alone.stderr
    together = stopline(
        "evaluate",
        config,
        "--controller",
        "fixed,actuated,sotl,max-pressure",
        "--seeds",
        "101,102",
        "--jobs",
        "2",
        "--json",
    )
    assert together.returncode == 0, together.stderr
    reference = _metrics(json.loads(alone.stdout), "max-pressure", 102)
    assert _metrics(json.loads(together.stdout), "max-pressure", 102) == reference

    spec = tmp_path / "same.toml"
    spec.write_text(SPEC.format(scenario=config))
    ran = stopline("run", str(spec), "--out", str(tmp_path / "out"), "--jobs", "2")
    assert ran.returncode == 0, ran.stderr
    stored = load_rows(tmp_path / "out")
    run_metrics = _metrics(stored, "max-pressure", 102)
    assert {key: run_metrics[key] for key in reference} == reference

    (python,) = evaluate("max-pressure", config, [102])
    assert python.metrics == {
        key: value for key, value in reference.items() if key in python.metrics
    }


def test_one_process_replays_an_episode_exactly_after_other_demand(
    layouts: dict[str, Path],
) -> None:
    """A training worker runs episode after episode in one process: demand seed A, then B,
    then A again with the same actions gives A's observations and rewards exactly."""
    config = layouts["city-programmes"]
    first, other = scenarios.load(config, seed=3), scenarios.load(config, seed=4)
    env = SignalParallelEnv(first)
    try:
        episodes = [_episode(env, scenario) for scenario in (first, other, first)]
    finally:
        env.close()
    assert not np.array_equal(episodes[0], episodes[1])
    assert np.array_equal(episodes[0], episodes[2])


def _episode(env: SignalParallelEnv, scenario: scenarios.Scenario) -> np.ndarray:
    observations, _ = env.reset(seed=5, options={"scenario": scenario})
    trace = []
    step = 0
    while env.agents:
        actions = {agent: step % int(env.action_space(agent).n) for agent in env.agents}
        observations, rewards, _, _, _ = env.step(actions)
        trace += [value for agent in sorted(rewards) for value in (rewards[agent],)]
        trace += [float(x) for agent in sorted(observations) for x in observations[agent]]
        step += 1
    return np.array(trace)
