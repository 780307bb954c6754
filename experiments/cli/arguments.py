"""Argument types shared by the commands: each refuses bad input with one clear line."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from stopline import scenarios
from stopline.envs import OBSERVATIONS, PHASE_SETS, REWARDS, ConfigError, EnvConfig
from stopline.experiments.runs.backends import BACKENDS
from stopline.scenarios import Scenario, ScenarioError, bounds, naming
from stopline.scenarios.clock import seconds_of

# The signal settings `--env` may set from the command line (the rest of `EnvConfig` is for
# Python users and specs: backend, GUI, observation and reward have options of their own).
ENV_KEYS = (
    "min_green",
    "max_green",
    "yellow_time",
    "all_red",
    "intergreens",
    "min_green_rule",
    "delta_time",
    "phases",
    "spillback_guard",
)


def add_scenario(
    parser: argparse.ArgumentParser, *, default: str | None = None, several: str = ""
) -> None:
    """``SCENARIO``: a built-in name or a file, resolved once (`naming.resolve`: a path made
    absolute, so it names the same file in every worker process). ``default`` makes it
    optional; ``several`` (what several mean) lets it be repeated."""
    shown = ", ".join(scenarios.catalogue.names())
    parser.add_argument(
        "scenario",
        metavar="SCENARIO",
        type=naming.resolve,
        nargs="+" if several else ("?" if default else None),
        default=default,
        help=f"built-in name ({shown}) or a .sumocfg / .net.xml path"
        + (f"; {several}" if several else "")
        + (f" (default {default})" if default else ""),
    )


def add_scenario_loading(parser: argparse.ArgumentParser) -> None:
    """``SCENARIO`` and the options that say which version of it to load: demand scale,
    demand seed, added routes, cache folder (`load_from` reads them)."""
    add_scenario(parser)
    add_demand_scale(parser, "multiply demand by X (what-if demand)")
    parser.add_argument("--seed", type=seed, default=0, metavar="N", help="demand seed (default 0)")
    parser.add_argument(
        "--routes",
        nargs="+",
        default=[],
        metavar="FILE",
        help="route files to add to a user's .net.xml or .sumocfg",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where built-in scenarios are built (default: $STOPLINE_CACHE or ~/.cache/stopline)",
    )


def load_from(arguments: argparse.Namespace) -> Scenario:
    """The scenario that `add_scenario_loading`'s arguments name."""
    return scenarios.load(
        arguments.scenario,
        demand_scale=arguments.demand_scale,
        seed=arguments.seed,
        routes=arguments.routes,
        cache_dir=arguments.cache_dir,
    )


def demand_scale(text: str) -> float:
    try:
        return scenarios.check_demand_scale(float(text))
    except (ValueError, ScenarioError):
        bound = _bound("demand scale")
        raise argparse.ArgumentTypeError(f"must be {bound}, got {text!r}") from None


def _bound(name: str) -> str:
    return bounds.BOUNDS[name].describe()


def demand_scales(text: str) -> list[float]:
    """Comma-separated demand scales, each within its bound."""
    try:
        values = [scenarios.check_demand_scale(float(part)) for part in text.split(",")]
    except (ValueError, ScenarioError):
        values = []
    if not values:
        raise argparse.ArgumentTypeError(
            f"must be numbers like 0.8,1,1.2, each {_bound('demand scale')}; got {text!r}"
        )
    repeated = sorted({value for value in values if values.count(value) > 1})
    if repeated:  # a run is keyed by its scale: a repeat would run and count it twice
        raise argparse.ArgumentTypeError(f"{repeated[0]:g} appears twice in {text!r}")
    return values


def seed(text: str) -> int:
    try:
        return scenarios.check_seed(int(text))
    except (ValueError, ScenarioError):
        raise argparse.ArgumentTypeError(f"must be {_bound('seed')}, got {text!r}") from None


def seeds(text: str) -> list[int]:
    try:
        values = [scenarios.check_seed(int(part)) for part in text.split(",") if part.strip()]
    except (ValueError, ScenarioError):
        values = []
    if not values:
        raise argparse.ArgumentTypeError(
            f"must be whole numbers like 101,102, each {_bound('seed')}; got {text!r}"
        )
    repeated = sorted({value for value in values if values.count(value) > 1})
    if repeated:
        raise argparse.ArgumentTypeError(f"seed {repeated[0]} appears twice in {text!r}")
    return values


def whole_number(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return int(text)


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return int(text)


def time_of_day(text: str) -> float:
    """An argument type: ``HH:MM`` as seconds after midnight."""
    seconds = seconds_of(text)
    if seconds is None or seconds >= 24 * 3600:
        raise argparse.ArgumentTypeError(f"must be a time of day HH:MM, got {text!r}")
    return seconds


def bounded(name: str) -> Callable[[str], int]:
    """An argument type: a whole number within ``BOUNDS[name]`` (`stopline.scenarios.bounds`)."""

    def parse(text: str) -> int:
        value = int(text) if text.isdigit() else None
        try:
            return int(bounds.check(name, value))
        except bounds.BoundError:
            bound = bounds.BOUNDS[name].describe()
            raise argparse.ArgumentTypeError(f"must be {bound}, got {text!r}") from None

    return parse


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
    return value


def key_value(text: str) -> tuple[str, Any]:
    """``KEY=VALUE``; the value is read as JSON where it can be (numbers, lists, true)."""
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise argparse.ArgumentTypeError(f"must be KEY=VALUE, got {text!r}")
    try:
        return key.replace("-", "_"), json.loads(value)
    except json.JSONDecodeError:
        return key.replace("-", "_"), value


def add_demand_scale(parser: argparse.ArgumentParser, meaning: str) -> None:
    """``--demand-scale X``: one multiple of the scenario's demand (default 1)."""
    parser.add_argument(
        "--demand-scale",
        type=demand_scale,
        default=1.0,
        metavar="X",
        help=f"{meaning} (default 1)",
    )


def add_evaluation_seeds(parser: argparse.ArgumentParser) -> None:
    """``--seeds``: the evaluation demand seeds, by default the held-out ones."""
    default = ",".join(str(seed) for seed in scenarios.EVALUATION_SEEDS)
    parser.add_argument(
        "--seeds",
        type=seeds,
        default=list(scenarios.EVALUATION_SEEDS),
        metavar="S1,S2,...",
        help=f"evaluation demand seeds (default {default})",
    )


def env_setting(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` for one of `ENV_KEYS`, checked as `EnvConfig` checks it."""
    key, value = key_value(text)
    if key not in ENV_KEYS:
        raise argparse.ArgumentTypeError(
            f"unknown key {key!r} in {text!r}; one of {', '.join(ENV_KEYS)}"
        )
    try:
        EnvConfig.from_mapping({key: value})
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("config ")) from None
    return key, value


def add_env(parser: argparse.ArgumentParser) -> None:
    """``--phases`` and ``--env KEY=VALUE``: the signal settings of every run."""
    parser.add_argument(
        "--phases",
        choices=PHASE_SETS,
        default=None,
        help=(
            "the greens strategies choose among: rebuilt (the programme SUMO builds for each "
            "junction) or own (the junction's own programme); default rebuilt"
        ),
    )
    parser.add_argument(
        "--env",
        type=env_setting,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=(
            f"a signal setting, repeatable: {', '.join(ENV_KEYS)} (seconds; phases own or "
            "rebuilt; intergreens programme or geometry, ITE's yellow and all-red from "
            "speeds and junction widths; min_green_rule clearance, flat or share; "
            "spillback_guard true keeps a policy from greens into full exits), e.g. "
            "--env min_green=7 --env all_red=2; defaults: yellow and all-red from each "
            "junction's programme (else 3 s and none), min green from its clearance (at "
            "least 5 s), max green 60 s, decisions every 5 s, no spillback guard"
        ),
    )


def env_config(arguments: argparse.Namespace) -> dict[str, Any]:
    """The signal settings ``--env`` and ``--phases`` give (saved with every run)."""
    config = dict(arguments.env)
    if arguments.phases:
        config["phases"] = arguments.phases
    try:
        EnvConfig.from_mapping(config)  # settings valid alone may clash (max < min green)
    except ConfigError as error:
        raise ConfigError(f"--env: {str(error).removeprefix('config ')}") from None
    return config


def add_training(parser: argparse.ArgumentParser, algorithms: Sequence[str]) -> None:
    """The options of every command that trains policies: algorithm, simulations at once,
    seed, observation, reward, demand scale and signal settings."""
    parser.add_argument(
        "--algo",
        choices=algorithms,
        default="ppo",
        help="stable-baselines3 algorithm; maskable-ppo is sb3-contrib's PPO that never "
        "picks a green the action mask rules out (default ppo)",
    )
    parser.add_argument(
        "--envs",
        type=bounded("envs"),
        default=2,
        metavar="K",
        help="SUMO simulations stepped at once, each of the junction or of the whole "
        "network (default 2)",
    )
    parser.add_argument(
        "--seed",
        type=seed,
        default=0,
        metavar="S",
        help="seed of the learner and of the draw of training demand (default 0)",
    )
    parser.add_argument(
        "--observation",
        choices=sorted(OBSERVATIONS),
        default=EnvConfig.observation,
        help=f"what the policy sees (default: {EnvConfig.observation}, see "
        "stopline.envs.observations)",
    )
    parser.add_argument(
        "--reward",
        choices=sorted(REWARDS),
        default=EnvConfig.reward,
        help=f"what the policy is rewarded for (default {EnvConfig.reward})",
    )
    add_demand_scale(parser, "train on the scenario's demand times X")
    add_env(parser)


def training_env_config(arguments: argparse.Namespace) -> dict[str, Any]:
    """The env configuration `add_training`'s options give (saved with the model)."""
    return {
        "observation": arguments.observation,
        "reward": arguments.reward,
        **env_config(arguments),
    }


def training_settings(arguments: argparse.Namespace) -> dict[str, Any]:
    """The `TrainConfig` fields `add_training`'s options and ``--timesteps`` give, for every
    command that trains (train, tune)."""
    return {
        "algo": arguments.algo,
        "timesteps": arguments.timesteps,
        "envs": arguments.envs,
        "seed": arguments.seed,
        "demand_scale": arguments.demand_scale,
        "env_config": training_env_config(arguments),
    }


def add_backend(parser: argparse.ArgumentParser, local: str, ray: str) -> None:
    """``--backend`` (``local``: ``local`` says what that means; ``ray``: ``ray`` says) and
    ``--ray-address``."""
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="local",
        help=f"{local} (default), or {ray} (pip install 'stopline[ray]')",
    )
    parser.add_argument(
        "--ray-address",
        default=None,
        metavar="ADDR",
        help="a Ray cluster to run on (with --backend ray; default: start a local Ray)",
    )


def add_out(parser: argparse.ArgumentParser, meaning: str, *, required: bool = False) -> None:
    """``--out DIR``: where a command writes (``meaning`` says what, and the default)."""
    parser.add_argument(
        "--out", type=Path, default=None, required=required, metavar="DIR", help=meaning
    )


def add_jobs(parser: argparse.ArgumentParser, default: int = 2) -> None:
    """``--jobs``: runs at a time, each in a process of its own."""
    parser.add_argument(
        "--jobs",
        type=bounded("jobs"),
        default=default,
        metavar="N",
        help=f"runs at a time, each in a process of its own (default {default})",
    )
