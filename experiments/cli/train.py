"""``stopline train SCENARIO``: train an RL policy with stable-baselines3."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from stopline.agents import AgentError
from stopline.agents.models import ALGORITHM_NAMES, CONFIG, LEARNING_CURVE, MODEL
from stopline.envs import OBSERVATIONS, REWARDS
from stopline.scenarios import naming

from . import arguments
from .arguments import env_config


def add_to(commands: Any) -> None:
    parser = commands.add_parser(
        "train",
        help="train an RL signal policy (PPO, maskable PPO, DQN or A2C) on training demand seeds",
        description=(
            "Train a policy with stable-baselines3 on the scenario's training demand seeds "
            "(1-50; evaluation uses 101-105), in parallel worker processes for one junction "
            "or one shared policy for every junction of a network. Writes model.zip, "
            "config.json (everything to repeat the run), monitor CSVs, checkpoints and "
            "learning_curve.png into --out."
        ),
    )
    parser.add_argument("scenario", metavar="SCENARIO", help="built-in name or .sumocfg path")
    parser.add_argument(
        "--algo",
        choices=ALGORITHM_NAMES,
        default="ppo",
        help="stable-baselines3 algorithm; maskable-ppo is sb3-contrib's PPO that never "
        "picks a green the action mask rules out (default ppo)",
    )
    parser.add_argument(
        "--timesteps",
        type=arguments.positive_int,
        default=None,
        metavar="N",
        help="training decisions (default 100000 for one junction, 250000 for a network)",
    )
    parser.add_argument(
        "--envs",
        type=arguments.positive_int,
        default=2,
        metavar="K",
        help="SUMO worker processes, each simulating the junction or the whole network (default 2)",
    )
    parser.add_argument(
        "--seed",
        type=arguments.seed,
        default=0,
        metavar="S",
        help="seed of the learner and of the draw of training demand (default 0)",
    )
    parser.add_argument(
        "--torch-threads",
        type=arguments.positive_int,
        default=None,
        metavar="N",
        help="PyTorch threads of the learning process (default one: workers get the rest)",
    )
    parser.add_argument(
        "--observation",
        choices=sorted(OBSERVATIONS),
        default="default",
        help="what the policy sees (default: default, see stopline.envs.observations)",
    )
    parser.add_argument(
        "--reward",
        choices=sorted(REWARDS),
        default="diff-waiting-time",
        help="what the policy is rewarded for (default diff-waiting-time)",
    )
    arguments.add_demand_scale(parser, "train on the scenario's demand times X")
    arguments.add_env(parser)
    parser.add_argument(
        "--hyper",
        type=arguments.key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a hyper-parameter, e.g. --hyper learning_rate=1e-4",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder for model.zip, config.json, monitor CSVs and checkpoints (required)",
    )
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument("--tensorboard", action="store_true", help="log to DIR/tensorboard")
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    # torch and matplotlib take seconds to import: only when training.
    from stopline.agents.training import TrainConfig, train

    from ..plots import learning_curve

    out: Path = arguments.out
    if out.exists() and not out.is_dir():
        raise AgentError(f"--out {out}: is a file, not a folder")
    if (out / MODEL).is_file() and not arguments.resume:
        raise AgentError(
            f"--out {out}: already holds a trained model; choose another --out, or add "
            "--resume to continue training it"
        )
    if arguments.resume and (arguments.out / CONFIG).is_file():
        # Resuming repeats the saved run, only with the new total budget.
        saved = TrainConfig.saved(arguments.out)
        config = dataclasses.replace(saved, timesteps=arguments.timesteps or saved.timesteps)
    else:
        config = TrainConfig(
            scenario=naming.resolve(arguments.scenario),
            algo=arguments.algo,
            timesteps=arguments.timesteps,
            envs=arguments.envs,
            seed=arguments.seed,
            demand_scale=arguments.demand_scale,
            env_config={
                "observation": arguments.observation,
                "reward": arguments.reward,
                **env_config(arguments),
            },
            hyperparameters=dict(arguments.hyper),
            **({"torch_threads": arguments.torch_threads} if arguments.torch_threads else {}),
        )
    model = train(config, arguments.out, resume=arguments.resume, tensorboard=arguments.tensorboard)
    plot = learning_curve(arguments.out, arguments.out / LEARNING_CURVE)
    print(f"model:          {model}")
    print(f"config:         {arguments.out / CONFIG}")
    print(f"learning curve: {plot}")
    print(f"evaluate it:    stopline evaluate {arguments.scenario} --controller rl:{arguments.out}")
    return 0
