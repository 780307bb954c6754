"""Warm start and validation: a policy starts as the best classical strategy and is never
kept worse than the best model it had.

Every choice here is made by headline delay on the validation seeds (training demand that
no candidate trained on; `stopline.scenarios.VALIDATION_SEEDS`), measured by a `Coach`
(the experiments layer, which owns measurement): the teacher among `TEACHERS`, and the
model kept among the clone, checkpoints and the last model (early stopping on a validation
set). What was chosen, and how the kept model stands against its teacher, goes into the
model's ``config.json``.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from stable_baselines3.common.base_class import BaseAlgorithm

from .cloning import CloneFit, agreement, clone
from .hyperparameters import TEACHERS
from .models import CONFIG, MODEL, checkpoint_steps
from .registry import make

if TYPE_CHECKING:
    from .demonstrations import Trajectory
    from .training import TrainConfig

# Behaviour cloning's own settings (saved with the warm start's record).
CLONE_BATCH = 256
CLONE_LEARNING_RATE = 1e-3
# Checkpoints validated besides the clone and the last model, evenly spread over training.
VALIDATED_CHECKPOINTS = 5
CLONE_CHECKPOINT = "rl_0_steps.zip"
# Where candidates are put as controllers while they are measured; removed after.
SCRATCH = ".candidates"


class Coach(Protocol):
    """Measures strategies and records their demonstrations, each run in a fresh process."""

    def delay(
        self,
        controller: str,
        scenario: str,
        seeds: Sequence[int],
        *,
        demand_scale: float,
        env: Mapping[str, Any],
    ) -> float:
        """Mean headline delay (s) of ``controller`` (a `make` name) over ``seeds``."""
        ...

    def demonstrations(
        self,
        teacher: str,
        scenario: str,
        seeds: Sequence[int],
        *,
        demand_scale: float,
        env: Mapping[str, Any],
        gamma: float,
        driver: str | None = None,
    ) -> list[Trajectory]:
        """``teacher``'s trajectories on each seed, in the order of ``seeds``; with
        ``driver`` (a `make` name) that one drives and ``teacher`` is asked."""
        ...


def warm_start(
    config: TrainConfig, model: BaseAlgorithm, coach: Coach, out: Path
) -> dict[str, Any]:
    """Choose the teacher, clone it into ``model`` (refitting after each round of the
    clone driving with the teacher asked, `demonstrations`) and save the clone as the
    first checkpoint; return what was done, for ``config.json``."""
    assert config.teacher is not None
    names = TEACHERS if config.teacher == "auto" else (config.teacher,)
    delays = {name: _validation_delay(coach, config, name) for name in names}
    teacher = min(delays, key=lambda name: delays[name])
    count = config.demonstrations
    seeds = config.training_seeds[:count]
    trajectories = _recorded(coach, config, teacher, seeds)
    fit = _fit(model, trajectories, config)
    rounds = []
    # A teacher SUMO runs cannot be asked about the clone's states: it only shows its own.
    for index in range(0 if make(teacher).native else config.dagger_rounds):
        asked_seeds = config.training_seeds[count * (index + 1) : count * (index + 2)]
        folder = _as_controller(out, f"asked-{index}", model.save)
        try:
            asked = _recorded(coach, config, teacher, asked_seeds, driver=f"rl:{folder}")
        finally:
            shutil.rmtree(folder.parent, ignore_errors=True)
        before = agreement(model, asked)
        trajectories += asked
        fit = _fit(model, trajectories, config)
        rounds.append({"seeds": list(asked_seeds), "agreement_driving": before})
    checkpoints = out / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    model.save(checkpoints / CLONE_CHECKPOINT)
    return {
        "teacher": teacher,
        "teacher_delay": delays[teacher],
        "candidates": delays,
        "demonstration_seeds": list(seeds),
        "dagger": rounds,
        "samples": fit.samples,
        "agreement": fit.agreement,
        "value_error": fit.value_error,
        "clone_batch": CLONE_BATCH,
        "clone_learning_rate": CLONE_LEARNING_RATE,
    }


def _recorded(
    coach: Coach,
    config: TrainConfig,
    teacher: str,
    seeds: Sequence[int],
    driver: str | None = None,
) -> list[Trajectory]:
    """Trajectories on ``seeds`` of every network trained on (``driver`` driving, if given)."""
    return [
        trajectory
        for network in config.networks
        for trajectory in coach.demonstrations(
            teacher,
            network,
            seeds,
            demand_scale=config.demand_scale,
            env=config.env_config,
            gamma=float(config.hyperparameters.get("gamma", 0.99)),
            driver=driver,
        )
    ]


def _fit(model: BaseAlgorithm, trajectories: Sequence[Trajectory], config: TrainConfig) -> CloneFit:
    return clone(
        model,
        trajectories,
        updates=config.clone_updates,
        batch_size=CLONE_BATCH,
        learning_rate=CLONE_LEARNING_RATE,
        seed=config.seed,
    )


def _as_controller(out: Path, name: str, save: Callable[[Path], None]) -> Path:
    """A scratch folder under ``out`` holding a model (written by ``save``) beside the
    run's ``config.json``: what ``rl:FOLDER`` loads. The caller removes its parent."""
    folder = out / SCRATCH / name
    folder.mkdir(parents=True, exist_ok=True)
    save(folder / MODEL)
    shutil.copyfile(out / CONFIG, folder / CONFIG)
    return folder


def validate(
    config: TrainConfig, out: Path, coach: Coach, warm: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Measure the candidates on the validation seeds, make the best one ``out/model.zip``
    and return the figures; ``warm`` (the warm start's record) gives the teacher's."""
    candidates = _candidates(out)
    delays = {}
    try:
        for name, path in candidates.items():
            folder = _as_controller(out, name, partial(shutil.copyfile, path))
            delays[name] = _validation_delay(coach, config, f"rl:{folder}")
    finally:
        shutil.rmtree(out / SCRATCH, ignore_errors=True)
    kept = min(delays, key=lambda name: delays[name])  # the earliest of equals
    if candidates[kept] != out / MODEL:
        shutil.copyfile(candidates[kept], out / f".{MODEL}")
        (out / f".{MODEL}").replace(out / MODEL)
    record: dict[str, Any] = {
        "seeds": list(config.validation_seeds),
        "delays": delays,
        "kept": kept,
        "kept_delay": delays[kept],
    }
    if warm:
        record["teacher"] = warm["teacher"]
        record["teacher_delay"] = warm["teacher_delay"]
    return record


def _validation_delay(coach: Coach, config: TrainConfig, controller: str) -> float:
    """``controller``'s mean delay on the validation seeds, at the training's demand and
    env settings (the same for a teacher and a candidate)."""
    return coach.delay(
        controller,
        config.scenario,
        config.validation_seeds,
        demand_scale=config.demand_scale,
        env=config.env_config,
    )


def _candidates(out: Path) -> dict[str, Path]:
    """The clone (when there is one), checkpoints evenly spread, and the last model, by
    name, in training order."""
    found = sorted((out / "checkpoints").glob("rl_*_steps.zip"), key=checkpoint_steps)
    chosen = found[:1] if found and found[0].name == CLONE_CHECKPOINT else []
    rest = found[len(chosen) :]
    if rest:
        share = len(rest) / VALIDATED_CHECKPOINTS
        picks = {rest[math.ceil((i + 1) * share) - 1] for i in range(VALIDATED_CHECKPOINTS)}
        chosen += sorted(picks, key=checkpoint_steps)
    named = {path.stem: path for path in chosen}
    named["last"] = out / MODEL
    return named
