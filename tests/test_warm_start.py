"""Warm start and validation: demonstrations labelled from the signal, a clone that acts as
its teacher, and training that keeps its best candidate and says how it stands."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from stable_baselines3 import PPO

from stopline import scenarios
from stopline.agents.cloning import clone
from stopline.agents.demonstrations import demonstrate, discounted, next_greens
from stopline.agents.errors import AgentError
from stopline.agents.models import shortfall
from stopline.agents.training import TrainConfig, train
from stopline.agents.validation import SCRATCH
from stopline.envs import SignalEnv
from stopline.experiments.reports.plots import learning_curve
from stopline.experiments.studies.coaching import LocalCoach

TINY = {"n_steps": 64, "batch_size": 32, "n_epochs": 2}


def test_the_action_is_the_green_kept_or_moved_to() -> None:
    # Green 0 held, a transition (shown as green 0 by a SUMO-run logic, as 2 by ours), then
    # green 2: every decision before the transition's end asks for the green that follows.
    phases = np.array([0, 0, 0, 2, 2, 1])
    moving = np.array([False, False, True, True, False, False])
    assert next_greens(phases, moving).tolist() == [0, 2, 2, 2, 1, 1]


def test_returns_are_discounted_to_the_episode_end() -> None:
    returns = discounted(np.array([1.0, 0.0, 2.0]), 0.5)
    assert returns.tolist() == pytest.approx([1.0 + 0.25 * 2.0, 1.0, 2.0])


def test_a_clone_of_max_pressure_acts_as_max_pressure(cache_dir: Path) -> None:
    """Max-pressure's choice is a function of the queues the default observation holds:
    its clone must agree with nearly every decision it learnt from."""
    trajectories = LocalCoach(jobs=2).demonstrations(
        "max-pressure", "single", (1, 2), demand_scale=1.0, env={}, gamma=0.95
    )
    assert len(trajectories) == 2 and all(len(t.actions) > 600 for t in trajectories)
    assert len({int(a) for t in trajectories for a in t.actions}) >= 3  # it switches
    env = SignalEnv(scenarios.load("single"))
    model = PPO("MlpPolicy", env, seed=0, n_steps=64)
    untrained = clone(model, trajectories, updates=0, batch_size=256, learning_rate=1e-3, seed=0)
    fit = clone(model, trajectories, updates=1500, batch_size=256, learning_rate=1e-3, seed=0)
    env.close()
    assert untrained.agreement < 0.6 < 0.95 <= fit.agreement
    assert fit.value_error < untrained.value_error


def test_an_asked_teacher_labels_the_states_another_controller_drives_into(
    tmp_path: Path, cache_dir: Path
) -> None:
    """DAgger's samples: the junction's own plan drives, greedy is asked. Each label is
    greedy's choice on that very sample's observation (`movable` holds what greedy reads:
    the shown green and each green's movable queue), not the green the plan showed."""
    scenario = dataclasses.replace(scenarios.load("single"), end=900.0)
    env = {"observation": "movable"}
    (asked,) = demonstrate(
        "greedy", scenario, sumo_seed=1, env_config=env, gamma=0.9, folder=tmp_path, driver="fixed"
    )
    greens = 4  # `single`'s rebuilt programme
    for features, action in zip(asked.observations, asked.actions, strict=True):
        phase = int(np.argmax(features[:greens]))
        queues = features[-2 * greens : -greens]
        wanted = phase if queues[phase] >= queues.max() else int(np.argmax(queues))
        assert action == wanted
    # The plan holds its greens where greedy would move: labels of another mind.
    shown = np.argmax(asked.observations[:, :greens], axis=1)
    assert (asked.actions != shown).mean() > 0.1
    with pytest.raises(ValueError, match="actuated runs in SUMO"):
        demonstrate(
            "actuated",
            scenario,
            sumo_seed=1,
            env_config=env,
            gamma=0.9,
            folder=tmp_path,
            driver="fixed",
        )


@pytest.mark.slow
def test_warm_started_training_keeps_its_best_candidate(tmp_path: Path, cache_dir: Path) -> None:
    config = TrainConfig(
        "single",
        timesteps=256,
        envs=2,
        hyperparameters=TINY,
        checkpoint_every=128,
        teacher="max-pressure",
        demonstrations=2,
        clone_updates=1500,
        validation_seeds=(46, 47),
    )
    train(config, tmp_path, coach=LocalCoach(jobs=2))
    saved = json.loads((tmp_path / "config.json").read_text())
    warm, validation = saved["warm_start"], saved["validation"]
    assert warm["teacher"] == "max-pressure" and warm["demonstration_seeds"] == [1, 2]
    assert warm["agreement"] >= 0.95
    # Two rounds in which the clone drove the next training seeds and max-pressure was asked.
    assert [r["seeds"] for r in warm["dagger"]] == [[3, 4], [5, 6]]
    assert all(r["agreement_driving"] >= 0.9 for r in warm["dagger"])
    assert next(iter(validation["delays"])) == "rl_0_steps" and "last" in validation["delays"]
    kept = validation["kept"]
    assert validation["kept_delay"] == min(validation["delays"].values())
    # The clone drives as its teacher does (within 3 %): the warm start works.
    assert validation["delays"]["rl_0_steps"] <= 1.03 * warm["teacher_delay"]
    if kept != "last":
        source = tmp_path / "checkpoints" / f"{kept}.zip"
        assert (tmp_path / "model.zip").read_bytes() == source.read_bytes()
    assert not (tmp_path / SCRATCH).exists()
    # The learning curve gains a panel below: each candidate's validation delay, the
    # teacher's beside them (8 inches high at 120 dpi, where the training panels take 4).
    curve = learning_curve(tmp_path, tmp_path / "curve.png")
    assert int.from_bytes(curve.read_bytes()[20:24], "big") == 8 * 120


def test_a_policy_that_loses_to_its_teacher_says_so() -> None:
    record = {"seeds": [46, 47], "kept_delay": 60.0, "teacher": "actuated", "teacher_delay": 50.0}
    assert shortfall(record) == (
        "the policy loses to its teacher actuated on validation seeds 46,47: "
        "60.0 s against 50.0 s (1.20x)"
    )
    assert shortfall({**record, "kept_delay": 49.0}) is None
    assert shortfall({"seeds": [46], "kept_delay": 60.0}) is None


def test_training_without_a_coach_records_no_teacher(tmp_path: Path, cache_dir: Path) -> None:
    train(TrainConfig("single", timesteps=64, envs=1, hyperparameters=TINY), tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["teacher"] is None and "warm_start" not in saved and "validation" not in saved


def test_warm_start_settings_that_cannot_run_are_refused() -> None:
    with pytest.raises(AgentError, match="dagger_rounds >= 0"):
        TrainConfig("single", dagger_rounds=-1)
    # 4 demonstrations x 3 rounds (the teacher's, then two the clone drives) need 12 seeds.
    with pytest.raises(AgentError, match="need that many training seeds; there are 10"):
        TrainConfig("single", training_seeds=tuple(range(1, 11)))
    assert TrainConfig("single", training_seeds=tuple(range(1, 13))).dagger_rounds == 2
