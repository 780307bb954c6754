"""``stopline tune``: a hyper-parameter search (optuna) on training demand only.

Each trial trains a policy with hyper-parameters optuna's TPE sampler proposes, on training
demand seeds 1-45, and scores it by the headline mean delay on seeds 46-50: training demand
the trial never trained on. The evaluation seeds (101-105) are never touched, so a tuned
policy's evaluation stays held out. The study lives in ``DIR/study.db`` (optuna's SQLite
storage): a stopped search continues where it stopped, and a folder holds one search.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stopline.experiments.errors import ExperimentError
from stopline.experiments.runs.evaluate import evaluate
from stopline.experiments.runs.store import differences, make_folder, write_atomically, write_rows
from stopline.scenarios import FITTING_SEEDS, VALIDATION_SEEDS

# Trials train on most of the training seeds and are scored on the rest.
if TYPE_CHECKING:  # training imports torch: only when a search runs
    from stopline.agents.training import TrainConfig

TRIAL_TRAINING_SEEDS = FITTING_SEEDS
TUNABLE = ("ppo", "maskable-ppo")
SETTINGS, STUDY, TRIALS, BEST = "tune.json", "study.db", "trials.csv", "best.json"


def sample_ppo(trial: Any) -> dict[str, Any]:
    """PPO's search space. n_steps are multiples of 120 and batches divide them, so every
    rollout splits into whole mini-batches."""
    width = trial.suggest_categorical("net_width", [64, 128])
    return {
        "learning_rate": trial.suggest_float("learning_rate", 5e-5, 2e-3, log=True),
        "n_steps": trial.suggest_categorical("n_steps", [120, 240, 360, 720]),
        "batch_size": trial.suggest_categorical("batch_size", [60, 120, 240]),
        "n_epochs": trial.suggest_categorical("n_epochs", [4, 10]),
        "gamma": trial.suggest_categorical("gamma", [0.9, 0.95, 0.99]),
        "gae_lambda": trial.suggest_categorical("gae_lambda", [0.9, 0.95, 0.98]),
        "clip_range": trial.suggest_categorical("clip_range", [0.1, 0.2, 0.3]),
        "ent_coef": trial.suggest_float("ent_coef", 1e-4, 0.05, log=True),
        "policy_kwargs": {"net_arch": [width, width]},
    }


@dataclass(frozen=True)
class TuneConfig:
    """One search: ``base`` is what every trial trains (a `TrainConfig`: scenario,
    algorithm, budget, workers, seed, demand, signal settings); each trial replaces its
    hyper-parameters with sampled ones and its training seeds with `TRIAL_TRAINING_SEEDS`
    (no teacher: a search measures the algorithm); ``trials`` is how many trials."""

    base: TrainConfig
    trials: int = 20

    def __post_init__(self) -> None:
        if self.base.algo not in TUNABLE:
            raise ExperimentError(
                f"--algo {self.base.algo}: tune searches {' and '.join(TUNABLE)} hyper-parameters"
            )

    def settings(self) -> dict[str, Any]:
        """What makes two searches the same search (the trial count may grow), as JSON
        holds it (lists, not tuples), so a saved search compares equal to itself."""
        settings = {
            **dataclasses.asdict(self.base),
            "trial_training_seeds": list(TRIAL_TRAINING_SEEDS),
            "validation_seeds": list(VALIDATION_SEEDS),
        }
        return dict(json.loads(json.dumps(settings)))


@dataclass(frozen=True)
class TuneResult:
    best_value: float
    best_hyperparameters: dict[str, Any]
    trials: list[dict[str, Any]]


def _claim(config: TuneConfig, out: Path) -> None:
    """Refuse a folder holding another search; record this one's settings."""
    path = out / SETTINGS
    wanted = config.settings()
    if path.is_file():
        found = differences(json.loads(path.read_text()), wanted)
        if found:
            raise ExperimentError(
                f"--out {out} holds another search: it differs in {'; '.join(found)}; "
                "choose another --out, or delete that folder"
            )
    else:
        write_atomically(path, json.dumps(wanted, indent=2))


def tune(
    config: TuneConfig, out: Path, progress: Callable[[int, int, int], None] | None = None
) -> TuneResult:
    """Run the search's remaining trials (``progress`` is told (done, failed, total) after
    each); write ``trials.csv`` and ``best.json``; return the best trial."""
    import optuna  # imports SQLAlchemy, and training torch: only when searching

    from stopline.agents.training import train

    make_folder(out)
    _claim(config, out)
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the progress bar says it
    study = optuna.create_study(
        study_name="stopline",
        storage=f"sqlite:///{out / STUDY}",
        load_if_exists=True,
        direction="minimize",
        sampler=optuna.samplers.TPESampler(seed=config.base.seed),
    )
    complete = optuna.trial.TrialState.COMPLETE

    def counts() -> tuple[int, int]:
        states = [trial.state for trial in study.trials]
        return states.count(complete), states.count(optuna.trial.TrialState.FAIL)

    def objective(trial: optuna.Trial) -> float:
        hyperparameters = sample_ppo(trial)
        folder = out / f"trial-{trial.number:03d}"
        base = config.base
        trial_config = dataclasses.replace(
            base, hyperparameters=hyperparameters, training_seeds=TRIAL_TRAINING_SEEDS
        )
        train(trial_config, folder)
        results = evaluate(
            f"rl:{folder}", base.scenario, VALIDATION_SEEDS, demand_scale=base.demand_scale, jobs=2
        )
        return statistics.fmean(result.metrics["mean_delay"] for result in results)

    def report(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if progress:
            progress(*counts(), config.trials)

    remaining = config.trials - counts()[0]
    if remaining > 0:
        study.optimize(objective, n_trials=remaining, callbacks=[report], catch=(Exception,))
    rows = [
        {"trial": t.number, "state": t.state.name, "mean_delay_s": t.value, **t.params}
        for t in study.trials
    ]
    names = sorted({key for row in rows for key in row} - {"trial", "state", "mean_delay_s"})
    write_rows(out / TRIALS, ["trial", "state", "mean_delay_s", *names], rows)
    done = [t for t in study.trials if t.state == complete]
    if not done:
        raise ExperimentError(f"no trial of the search in {out} finished; see {out / TRIALS}")
    best = min(done, key=lambda t: t.value if t.value is not None else float("inf"))
    assert best.value is not None
    chosen = sample_ppo(optuna.trial.FixedTrial(best.params))

    write_atomically(
        out / BEST,
        json.dumps(
            {"trial": best.number, "mean_delay_s": best.value, "hyperparameters": chosen},
            indent=2,
        ),
    )
    return TuneResult(best.value, chosen, rows)
