"""``stopline tune``: the search space, the seeds it may use, one search per folder, and a
real search that continues where it stopped."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import optuna
import pytest

from stopline.agents.training import TrainConfig
from stopline.envs import EnvConfig
from stopline.experiments.studies.tuning import (
    TRIAL_TRAINING_SEEDS,
    TUNABLE,
    VALIDATION_SEEDS,
    TuneConfig,
    sample_ppo,
    tune,
)
from stopline.scenarios import EVALUATION_SEEDS, TRAINING_SEEDS

from conftest import cli


@pytest.mark.parametrize("algo", TUNABLE)
def test_every_sampled_point_is_a_valid_training_config(algo: str) -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    for _ in range(25):
        values = sample_ppo(study.ask())
        config = TrainConfig("single", algo=algo, hyperparameters=values)
        rollout = values["n_steps"] * 2  # two simulations of `single`
        assert rollout % values["batch_size"] == 0  # whole mini-batches
        assert config.hyperparameters["policy_kwargs"]["net_arch"][0] in (64, 128)


def test_trials_never_see_evaluation_seeds_nor_train_on_validation_seeds() -> None:
    assert set(TRIAL_TRAINING_SEEDS) | set(VALIDATION_SEEDS) <= set(TRAINING_SEEDS)
    assert not set(TRIAL_TRAINING_SEEDS) & set(VALIDATION_SEEDS)
    assert not set(VALIDATION_SEEDS) & set(EVALUATION_SEEDS)


def test_a_folder_holds_one_search(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    as_the_command_line_gives = {"observation": EnvConfig.observation, "reward": EnvConfig.reward}
    earlier = TuneConfig(TrainConfig("single", timesteps=500, env_config=as_the_command_line_gives))
    (tmp_path / "tune.json").write_text(json.dumps(earlier.settings()))
    status, _, err = cli(capsys, "tune", "single", "--timesteps", "600", "--out", str(tmp_path))
    assert status == 2
    assert err.strip().splitlines() == [
        f"stopline: error: --out {tmp_path} holds another search: it differs in timesteps "
        "500 -> 600; choose another --out, or delete that folder"
    ]
    status, _, err = cli(capsys, "tune", "single", "--algo", "dqn", "--out", str(tmp_path))
    assert status == 2 and "invalid choice: 'dqn'" in err and len(err.splitlines()) == 1


@pytest.mark.slow
def test_a_search_scores_trials_on_validation_seeds_and_continues(
    tmp_path: Path, cache_dir: Path
) -> None:
    first = tune(TuneConfig(TrainConfig("single", timesteps=64, envs=1), trials=1), tmp_path)
    assert [row["state"] for row in first.trials] == ["COMPLETE"]
    assert first.best_value == min(row["mean_delay_s"] for row in first.trials)
    best = json.loads((tmp_path / "best.json").read_text())
    assert best["hyperparameters"] == first.best_hyperparameters
    saved = json.loads((tmp_path / "trial-000" / "config.json").read_text())
    assert saved["training_seeds"] == list(TRIAL_TRAINING_SEEDS)
    # A longer search in the same folder runs only the trials it lacks.
    more = tune(TuneConfig(TrainConfig("single", timesteps=64, envs=1), trials=2), tmp_path)
    assert [row["trial"] for row in more.trials] == [0, 1]
    with (tmp_path / "trials.csv").open() as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 2 and rows[0]["mean_delay_s"] == str(first.trials[0]["mean_delay_s"])
