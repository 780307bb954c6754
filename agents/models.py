"""Where a trained policy lives: a folder written by ``stopline train``, checked without
loading it (loading imports torch, which takes seconds). This module owns the names of the
files a model folder holds, and reads from its config how the model stands against its
teacher (`validation` writes that record)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import ModelMismatchError

# The algorithms a model is trained with, by the name config.json saves
# (`training.ALGORITHMS` maps each to its class; named here so the CLI lists them without
# importing torch).
ALGORITHM_NAMES = ("ppo", "maskable-ppo", "dqn", "a2c")

MODEL = "model.zip"
CONFIG = "config.json"  # everything that trained the model (`training.TrainConfig` and more)
LEARNING_CURVE = "learning_curve.png"


def checkpoint_steps(path: Path) -> int:
    """The training decisions a checkpoint file (``rl_N_steps.zip``) was saved at."""
    return int(path.stem.split("_")[1])


def model_folder(path: str | Path) -> Path:
    """The folder holding ``model.zip`` and ``config.json`` (``path`` may name the zip)."""
    folder = Path(path)
    if folder.is_file():
        folder = folder.parent
    if not (folder / CONFIG).is_file() or not (folder / MODEL).is_file():
        raise ModelMismatchError(f"{folder}: no {MODEL} and {CONFIG} from stopline train")
    return folder


def write_config(folder: Path, config: dict[str, Any]) -> None:
    """Save what trained the model, whole or not at all (an interrupt keeps the old one)."""
    scratch = folder / f".{CONFIG}.{os.getpid()}"
    scratch.write_text(json.dumps(config, indent=2) + "\n")
    scratch.replace(folder / CONFIG)


def read_config(folder: Path) -> dict[str, Any]:
    """What a training run saved in ``folder``."""
    try:
        return dict(json.loads((folder / CONFIG).read_text()))
    except (OSError, ValueError) as error:
        raise ModelMismatchError(f"{folder / CONFIG}: cannot be read ({error})") from None


def shortfall(validation: Mapping[str, Any]) -> str | None:
    """What a kept model's validation record says against its teacher, when it loses to
    it (more delay on the validation seeds); None when it does not, or had no teacher."""
    teacher = validation.get("teacher_delay")
    if teacher is None or validation["kept_delay"] <= teacher:
        return None
    return (
        f"the policy loses to its teacher {validation['teacher']} on validation seeds "
        f"{seed_list(validation['seeds'])}: {validation['kept_delay']:.1f} s against "
        f"{teacher:.1f} s ({validation['kept_delay'] / teacher:.2f}x)"
    )


def clone_drove(warm_start: Mapping[str, Any]) -> str:
    """The seeds a warm start's clone drove with its teacher asked, round by round
    ("5,6,7,8 and 9,10,11,12"); empty when it did not drive."""
    return " and ".join(seed_list(rounds["seeds"]) for rounds in warm_start.get("dagger", []))


def seed_list(seeds: Sequence[int]) -> str:
    """Seeds as the CLI takes them: 46,47,48."""
    return ",".join(str(seed) for seed in seeds)
