"""``stopline train SCENARIO``: train an RL policy with stable-baselines3."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from stopline.agents import AgentError
from stopline.agents.hyperparameters import DAGGER_ROUNDS
from stopline.agents.models import ALGORITHM_NAMES, CONFIG, LEARNING_CURVE, MODEL, read_config
from stopline.experiments.analysis.standing import tell_standing
from stopline.experiments.cli import arguments
from stopline.experiments.cli.arguments import training_settings
from stopline.experiments.runs.store import differences, hold_lock, make_folder


def add_to(commands: Any) -> None:
    parser = commands.add_parser(
        "train",
        help="train an RL signal policy (PPO, maskable PPO, DQN or A2C) on training demand seeds",
        description=(
            "Train a policy with stable-baselines3 on the scenario's training demand seeds "
            "(1-45; 46-50 validate it; evaluation uses 101-105), --envs simulations stepped "
            "at once: of the junction, or of the whole network for one policy every junction "
            "shares. Writes model.zip, config.json (everything to repeat the run), monitor "
            "CSVs, checkpoints and learning_curve.png into --out."
        ),
    )
    arguments.add_scenario(
        parser,
        several="several train one generalist policy on them all at once (with "
        "--observation greens)",
    )
    parser.add_argument(
        "--timesteps",
        type=arguments.bounded("timesteps"),
        default=None,
        metavar="N",
        help="training decisions (default 100000 for one junction; for a network 50000 per "
        "junction, at most 2000000)",
    )
    arguments.add_training(parser, ALGORITHM_NAMES)
    parser.add_argument(
        "--demand-spread",
        type=float,
        default=0.0,
        metavar="S",
        help="draw each episode's demand scale from --demand-scale x [1-S, 1+S] (default 0)",
    )
    parser.add_argument(
        "--torch-threads",
        type=arguments.bounded("torch_threads"),
        default=None,
        metavar="N",
        help="PyTorch threads of the learning process (default one: workers get the rest)",
    )
    parser.add_argument(
        "--teacher",
        default="auto",
        metavar="NAME",
        help="classical strategy the policy is first cloned from (behaviour cloning), then "
        "improved on with RL: auto (default: the one with the least delay on validation seeds "
        "46-50), a strategy's name, or none",
    )
    parser.add_argument(
        "--dagger-rounds",
        type=arguments.whole_number,
        default=DAGGER_ROUNDS,
        metavar="N",
        help="rounds in which the clone drives further training seeds and the teacher is "
        "asked which green it would show, each then learnt (DAgger; a teacher SUMO runs "
        f"cannot be asked); 0: none (default {DAGGER_ROUNDS})",
    )
    parser.add_argument(
        "--hyper",
        type=arguments.key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a hyper-parameter, e.g. --hyper learning_rate=1e-4",
    )
    arguments.add_out(
        parser,
        "folder for model.zip, config.json, monitor CSVs and checkpoints (required)",
        required=True,
    )
    arguments.add_backend(
        parser,
        "the simulations in local worker processes",
        "a network's simulations as Ray actors",
    )
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument("--tensorboard", action="store_true", help="log to DIR/tensorboard")
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    # torch and matplotlib take seconds to import: only when training.
    from stopline.agents.training import TrainConfig, check_run, train
    from stopline.experiments.reports.plots import learning_curve
    from stopline.experiments.runs.backends import check_backend
    from stopline.experiments.studies.coaching import LocalCoach

    out: Path = arguments.out
    if out.exists() and not out.is_dir():
        raise AgentError(f"--out {out}: is a file, not a folder")
    asked = _asked(arguments, TrainConfig)
    if arguments.resume:
        config = _resumed(out, asked, TrainConfig)
    elif (out / MODEL).is_file():
        raise AgentError(
            f"--out {out}: already holds a trained model; choose another --out, or add "
            "--resume to continue training it"
        )
    elif any((out / "checkpoints").glob("*.zip")):
        raise AgentError(
            f"--out {out}: holds an unfinished training run (checkpoints); add --resume to "
            "continue it, or choose another --out"
        )
    else:
        config = asked
    check_backend(arguments.backend, arguments.ray_address)
    check_run(config, backend=arguments.backend, tensorboard=arguments.tensorboard)
    lock = hold_lock(make_folder(out))  # one training run per folder, made once all is checked
    model = train(
        config,
        arguments.out,
        resume=arguments.resume,
        tensorboard=arguments.tensorboard,
        backend=arguments.backend,
        ray_address=arguments.ray_address,
        coach=LocalCoach(jobs=config.envs),
    )
    plot = learning_curve(arguments.out, arguments.out / LEARNING_CURVE)
    tell_standing(read_config(arguments.out))
    print(f"model:          {model}")
    print(f"config:         {arguments.out / CONFIG}")
    print(f"learning curve: {plot}")
    # At the demand it trained on: a policy trained for the peak is judged at the peak.
    scale = "" if arguments.demand_scale == 1 else f" --demand-scale {arguments.demand_scale:g}"
    print(
        f"evaluate it:    stopline evaluate {arguments.scenario[0]}{scale} "
        f"--controller rl:{arguments.out}"
    )
    lock.close()
    return 0


def _asked(arguments: argparse.Namespace, config_type: Any) -> Any:
    """The TrainConfig the command line asks for."""
    first, *family = arguments.scenario
    return config_type(
        scenario=first,
        family=tuple(family),
        demand_spread=arguments.demand_spread,
        **training_settings(arguments),
        hyperparameters=dict(arguments.hyper),
        teacher=arguments.teacher,
        dagger_rounds=arguments.dagger_rounds,
        **({"torch_threads": arguments.torch_threads} if arguments.torch_threads else {}),
    )


def _resumed(out: Path, asked: Any, config_type: Any) -> Any:
    """The saved run in ``out`` with the new total budget, if the command line asks for the
    same run: resuming another run's checkpoints would train something nobody asked for."""
    if not (out / CONFIG).is_file():
        raise AgentError(f"--resume: {out} holds no training run to resume (no {CONFIG})")
    try:
        saved = config_type.saved(out)
    except (AgentError, TypeError, ValueError) as error:
        raise AgentError(f"--resume: {out / CONFIG} cannot be read ({error})") from None
    budget = {"timesteps": None}  # the one setting a resumed run may change
    changed = differences(
        dataclasses.asdict(dataclasses.replace(saved, **budget)),
        dataclasses.asdict(dataclasses.replace(asked, **budget)),
    )
    if changed:
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        raise AgentError(
            f"--resume: {out} trained another run (differs in {', '.join(changed[:3])}{more}); "
            "give the options it was trained with, or choose a new --out"
        )
    return dataclasses.replace(saved, timesteps=asked.timesteps or saved.timesteps)
