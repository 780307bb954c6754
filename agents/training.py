"""Training RL policies with stable-baselines3 (the trained policy's controller: `policy`).

A training run is one `TrainConfig` and reads top to bottom in `train`; everything it used
(hyper-parameters, env config, training and evaluation demand seeds, the junction layout,
versions, wall time) is saved beside the model, so the run can be repeated and the model
refuses a scenario it was not trained for.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

import gymnasium as gym
import torch
from sb3_contrib import MaskablePPO
from stable_baselines3 import A2C, DQN, PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CallbackList, CheckpointCallback
from stable_baselines3.common.monitor import Monitor, ResultsWriter
from stable_baselines3.common.vec_env import SubprocVecEnv, VecEnv, VecMonitor

from stopline import scenarios
from stopline.envs import EnvConfig, SignalEnv, SignalParallelEnv
from stopline.envs.observations import observation
from stopline.envs.workers import shielded
from stopline.scenarios import EVALUATION_SEEDS, FITTING_SEEDS, VALIDATION_SEEDS, bounds

from .errors import AgentError
from .hyperparameters import DAGGER_ROUNDS, HYPERPARAMETERS, TEACHERS, default_budget
from .models import ALGORITHM_NAMES, CONFIG, MODEL, checkpoint_steps, read_config, write_config
from .network_workers import NetworkWorkers
from .ray_runtime import import_ray, start_ray
from .training_envs import EPISODE_KEYWORDS, ResampleDemand, SharedPolicyVecEnv
from .validation import Coach, validate, warm_start

Algorithm = Literal["ppo", "maskable-ppo", "dqn", "a2c"]
# maskable-ppo (sb3-contrib) is PPO that never picks an action the env's mask rules out:
# a switch before min green (which would only be deferred) or a padding green.
ALGORITHMS: dict[str, type[BaseAlgorithm]] = dict(
    zip(ALGORITHM_NAMES, (PPO, MaskablePPO, DQN, A2C), strict=True)
)


@dataclass
class TrainConfig:
    """Everything a training run depends on.

    ``family`` names further scenarios trained on at once, for one generalist policy: each
    simulation runs one of ``scenario`` and ``family`` in turn (at least one each), with a
    fixed-width observation (``greens``). ``demand_spread`` draws each episode's demand
    scale uniformly from ``demand_scale`` x [1 - spread, 1 + spread].

    ``teacher`` (``"auto"``: the classical strategy with the least delay on the validation
    seeds; a strategy's name; None or ``"none"``: none) is cloned into the policy before RL
    (`validation.warm_start`), from ``demonstrations`` of its episodes on training seeds
    over ``clone_updates`` minibatches, then refitted after each of ``dagger_rounds`` rounds
    in which the clone drives further training seeds and the teacher is asked (a teacher
    Stopline runs; SUMO-run ones are not asked); the model kept is the candidate (the clone,
    checkpoints, the last) with the least delay on ``validation_seeds``, training seeds no
    candidate trained on (`validation.validate`). Both need a `Coach` given to `train`.
    """

    scenario: str
    algo: Algorithm = "ppo"
    timesteps: int | None = None  # None: the default budget for the scenario's size
    envs: int = 2
    seed: int = 0
    demand_scale: float = 1.0
    family: tuple[str, ...] = ()
    demand_spread: float = 0.0
    env_config: dict[str, Any] = field(default_factory=dict)
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    training_seeds: tuple[int, ...] = FITTING_SEEDS
    validation_seeds: tuple[int, ...] = VALIDATION_SEEDS
    evaluation_seeds: tuple[int, ...] = EVALUATION_SEEDS
    teacher: str | None = "auto"
    demonstrations: int = 4
    clone_updates: int = 3000
    dagger_rounds: int = DAGGER_ROUNDS
    checkpoint_every: int = 10_000
    # PyTorch threads of the learning process. One leaves the other cores to the SUMO
    # worker processes: 14,400 decisions on `single` took 41 s with 1, 56 s with 2.
    torch_threads: int = 1

    def __post_init__(self) -> None:
        if self.algo not in ALGORITHMS:
            raise AgentError(f"--algo must be one of {', '.join(ALGORITHMS)}, not {self.algo!r}")
        numbers = {"envs": self.envs, "torch_threads": self.torch_threads, "seed": self.seed}
        if self.timesteps is not None:  # None: the scenario's default budget
            numbers["timesteps"] = self.timesteps
        for key, value in numbers.items():
            try:
                bounds.check(key, value)
            except bounds.BoundError as error:
                raise AgentError(str(error)) from None
        if not (isinstance(self.demand_spread, int | float) and 0 <= self.demand_spread < 1):
            raise AgentError(f"--demand-spread must be >= 0 and < 1, not {self.demand_spread!r}")
        self.family = tuple(self.family)
        chosen = observation(self.env_config.get("observation", EnvConfig.observation))
        if self.family and chosen.greens is None:
            raise AgentError(
                "training on several scenarios needs an observation of the same width at "
                f"every junction (--observation greens), not {chosen.name!r}"
            )
        for first, second in (("training", "evaluation"), ("training", "validation")):
            overlap = set(getattr(self, f"{first}_seeds")) & set(getattr(self, f"{second}_seeds"))
            if overlap:
                raise AgentError(f"{first} and {second} seeds overlap: {sorted(overlap)}")
        if self.teacher == "none":  # as the CLI and a spec (TOML has no null) spell None
            self.teacher = None
        if self.teacher not in (None, "auto", *TEACHERS):
            raise AgentError(
                f"--teacher must be auto, none or one of {', '.join(TEACHERS)}, "
                f"not {self.teacher!r}"
            )
        if self.teacher is not None and self.algo == "dqn":
            if self.teacher != "auto":
                raise AgentError(
                    "--teacher needs an actor-critic algorithm (ppo, maskable-ppo, a2c)"
                )
            self.teacher = None  # a Q-network has no actor to clone into
        if self.demonstrations < 1 or self.clone_updates < 0 or self.dagger_rounds < 0:
            raise AgentError("demonstrations must be >= 1, clone_updates and dagger_rounds >= 0")
        if self.demonstrations * (1 + self.dagger_rounds) > len(self.training_seeds):
            raise AgentError(
                f"{self.demonstrations} demonstrations x {1 + self.dagger_rounds} rounds need "
                f"that many training seeds; there are {len(self.training_seeds)}"
            )
        accepted = inspect.signature(ALGORITHMS[self.algo]).parameters
        unknown = sorted(set(self.hyperparameters) - set(accepted))
        if unknown:
            raise AgentError(
                f"{self.algo} has no hyper-parameter {unknown[0]!r}; "
                f"its defaults here: {', '.join(HYPERPARAMETERS[self.algo])}"
            )
        defaults = HYPERPARAMETERS[self.algo]
        for key, value in self.hyperparameters.items():
            wanted = type(defaults.get(key, value))
            fits = type(value) is wanted or (wanted is float and type(value) is int)
            if not fits:
                raise AgentError(
                    f"{self.algo} hyper-parameter {key!r} must be {wanted.__name__}, "
                    f"like its default {defaults[key]!r}; got {value!r}"
                )
            if key in bounds.BOUNDS:
                try:
                    bounds.check(key, value)
                except bounds.BoundError as error:
                    raise AgentError(f"{self.algo} hyper-parameter {error}") from None
        self.hyperparameters = {**defaults, **self.hyperparameters}
        self.training_seeds = tuple(self.training_seeds)
        self.validation_seeds = tuple(self.validation_seeds)
        self.evaluation_seeds = tuple(self.evaluation_seeds)

    @property
    def networks(self) -> tuple[str, ...]:
        """Every scenario trained on: ``scenario``, then ``family``."""
        return (self.scenario, *self.family)

    @property
    def simulations(self) -> int:
        """Simulations stepped at once: ``envs``, and at least one per scenario."""
        return max(self.envs, len(self.networks))

    @classmethod
    def saved(cls, folder: Path) -> TrainConfig:
        """The configuration a training run saved in ``folder``."""
        fields = {field.name for field in dataclasses.fields(cls)}
        values = read_config(folder)
        return cls(**{key: value for key, value in values.items() if key in fields})


def _worker_seed(config: TrainConfig, rank: int) -> int:
    """The seed of worker ``rank``'s own stream of demand seeds and SUMO seeds."""
    return config.seed * 1000 + rank


def _single_env(config: TrainConfig, rank: int, monitor_file: str | None, append: bool) -> Any:
    env = SignalEnv(
        scenarios.load(
            config.scenario, demand_scale=config.demand_scale, seed=config.training_seeds[0]
        ),
        **config.env_config,
    )
    env = ResampleDemand(
        env,
        config.scenario,
        config.training_seeds,
        config.demand_scale,
        _worker_seed(config, rank),
        config.demand_spread,
    )
    return Monitor(env, monitor_file, info_keywords=EPISODE_KEYWORDS, override_existing=not append)


def network_env(config: TrainConfig, rank: int) -> SharedPolicyVecEnv:
    """Worker ``rank``'s whole-network env for the shared policy (see `NetworkWorkers`):
    of the scenarios trained on, the one at ``rank`` in turn."""
    return SharedPolicyVecEnv(
        config.networks[rank % len(config.networks)],
        config.training_seeds,
        config.demand_scale,
        _worker_seed(config, rank),
        config.env_config,
        config.demand_spread,
    )


def make_vec_env(
    factories: Sequence[Callable[[], gym.Env[Any, Any]]], *, torch_threads: int = 1
) -> VecEnv:
    """Worker processes (SB3's `SubprocVecEnv`, started fresh: libsumo allows one simulation
    per process), with this process's PyTorch threads set to ``torch_threads``.

    With torch's default (one thread per core) the learner competes with the SUMO workers
    for the cores: PPO with two workers took 136-157 s for 2,048 steps against 16-29 s with
    one thread on 2 cores (see README). Use this rather than `SubprocVecEnv` directly."""
    torch.set_num_threads(torch_threads)
    env = None
    try:
        with shielded():  # Ctrl-C is the learner's to handle: it closes the workers
            env = SubprocVecEnv(list(factories), start_method="spawn")
    except BaseException:  # a Ctrl-C held while the workers started arrives here
        if env is not None:
            close_env(env, interrupted=True)
        raise
    return env


def close_env(env: VecEnv, *, interrupted: bool = False) -> None:
    """Close a training env. After a Ctrl-C, worker processes are ended rather than asked:
    the interrupt may have cut a message to or from them in half."""
    workers = env.unwrapped
    if interrupted and isinstance(workers, NetworkWorkers):
        workers.terminate()
    elif interrupted and isinstance(workers, SubprocVecEnv):
        for process in workers.processes:
            process.terminate()
        for process in workers.processes:
            process.join()
        workers.closed = True
    env.close()


def make_training_env(
    config: TrainConfig, out: Path, junctions: int, ray: Any = None, *, append: bool = False
) -> VecEnv:
    """``config.simulations`` simulations in worker processes: each of the junction (when
    the scenario's ``junctions``, counted by the caller, is 1 and it trains alone), or of a
    whole network for the shared policy (`NetworkWorkers`, the first in this process; given
    ``ray``, the started Ray module, the others run as Ray actors). Episodes go to monitor
    CSVs in ``out``; with ``append`` (a resumed run) after those already there."""

    def monitor(rank: int) -> tuple[str, bool]:
        path = out / f"monitor-{rank}"
        return str(path), append and path.with_suffix(f".{Monitor.EXT}").is_file()

    if junctions == 1 and not config.family:
        factories: list[Callable[[], gym.Env[Any, Any]]] = [
            partial(_single_env, config, rank, *monitor(rank)) for rank in range(config.envs)
        ]
        return make_vec_env(factories, torch_threads=config.torch_threads)
    networks = [partial(network_env, config, rank) for rank in range(config.simulations)]
    watched = VecMonitor(NetworkWorkers(networks, ray=ray), info_keywords=EPISODE_KEYWORDS)
    path, keep = monitor(0)
    watched.results_writer = ResultsWriter(
        path,
        header={"t_start": watched.t_start, "env_id": config.scenario},
        extra_keys=EPISODE_KEYWORDS,
        override_existing=not keep,
    )
    return watched


class _Progress(BaseCallback):
    """A tqdm bar over the timesteps of the run."""

    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total

    def _on_training_start(self) -> None:
        from tqdm import tqdm

        self.bar = tqdm(
            total=self.total,
            initial=self.num_timesteps,
            unit="step",
            desc="training",
            mininterval=1,
        )

    def _on_step(self) -> bool:
        self.bar.update(max(0, min(self.num_timesteps, self.total) - self.bar.n))
        return True

    def _on_training_end(self) -> None:
        self.bar.close()


def _layout(config: TrainConfig) -> dict[str, list[int]]:
    """Per junction: observation length and number of greens, as the model saw them."""
    scenario = scenarios.load(config.scenario, demand_scale=config.demand_scale)
    env = SignalParallelEnv(scenario, **config.env_config)
    layout = {
        agent: [int(env.observation_space(agent).shape[0]), int(env.action_space(agent).n)]
        for agent in env.possible_agents
    }
    env.close()
    return layout


def check_run(config: TrainConfig, *, backend: str = "local", tensorboard: bool = False) -> int:
    """Refuse (`AgentError`) a run `train` cannot do, before anything is written; return the
    scenario's junction count."""
    junctions = len(scenarios.load(config.scenario, demand_scale=config.demand_scale).junctions)
    if backend == "ray" and junctions == 1 and not config.family:
        raise AgentError(
            "--backend ray trains networks; a one-junction scenario trains in local worker "
            "processes (--backend local)"
        )
    if tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise AgentError("--tensorboard needs the tensorboard package: pip install tensorboard")
    return junctions


def train(
    config: TrainConfig,
    out: Path,
    *,
    resume: bool = False,
    tensorboard: bool = False,
    ray_address: str | None = None,
    backend: str = "local",
    coach: Coach | None = None,
) -> Path:
    """Train a policy and write ``model.zip``, ``config.json``, monitor CSVs and checkpoints.

    ``backend="ray"`` runs a network's simulations but the learner's own as Ray actors, on
    the cluster at ``ray_address`` or a local Ray; the same seeds give the same model.
    ``coach`` measures strategies and records demonstrations: with it the policy is warm
    started from ``config.teacher`` and the model kept is the best on the validation
    seeds, both written to ``config.json`` (without it, neither: the last model is kept)."""
    junctions = check_run(config, backend=backend, tensorboard=tensorboard)
    if config.timesteps is None:
        size = junctions + sum(
            len(scenarios.load(name, demand_scale=config.demand_scale).junctions)
            for name in config.family
        )
        config = dataclasses.replace(config, timesteps=default_budget(size))
    if coach is None:  # nothing to choose a teacher with: the saved config says so
        config = dataclasses.replace(config, teacher=None)
    budget = config.timesteps
    assert budget is not None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AgentError(f"--out {out}: cannot create it ({error.strerror or error})") from None
    saved = {**dataclasses.asdict(config), "layout": _layout(config), "versions": _versions()}
    if resume and (out / CONFIG).is_file():  # the warm start happened in the first run
        saved.update({k: v for k, v in read_config(out).items() if k == "warm_start"})
    write_config(out, saved)
    started = time.perf_counter()
    threads = torch.get_num_threads()
    env: VecEnv | None = None
    interrupted = False
    ray = None
    ray_started = False
    try:
        if backend == "ray":
            ray = import_ray()
            ray_started = start_ray(ray_address, config.simulations)
        with shielded():  # a Ctrl-C arrives only once `env` is there to be closed
            env = make_training_env(config, out, junctions, ray, append=resume)
        torch.set_num_threads(config.torch_threads)
        model = _model(config, env, out, resume=resume, tensorboard=tensorboard)
        if coach is not None and config.teacher is not None and model.num_timesteps == 0:
            saved["warm_start"] = warm_start(config, model, coach, out)
            write_config(out, saved)
        every = max(1, config.checkpoint_every // env.num_envs)
        callbacks = CallbackList(
            [
                CheckpointCallback(every, str(out / "checkpoints"), name_prefix="rl"),
                _Progress(budget),
            ]
        )
        remaining = max(0, budget - model.num_timesteps)
        model.learn(remaining, callback=callbacks, reset_num_timesteps=not resume)
        # Saved whole or not at all: an interrupt never leaves a half-written model.
        try:
            model.save(out / f".{MODEL}")
            (out / f".{MODEL}").replace(out / MODEL)
        except OSError as error:  # a full disk: named, and no half-written model left
            raise OSError(error.errno, error.strerror, str(out / MODEL)) from None
        finally:
            (out / f".{MODEL}").unlink(missing_ok=True)
        if coach is not None:
            saved["validation"] = validate(config, out, coach, saved.get("warm_start"))
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        if env is not None:  # a libsumo simulation left open would block the next one
            close_env(env, interrupted=interrupted)
        if ray_started and ray is not None:
            ray.shutdown()
        torch.set_num_threads(threads)
    write_config(out, {**saved, "wall_time_s": time.perf_counter() - started})
    return out / MODEL


def _versions() -> dict[str, str]:
    return {
        package: version(package)
        for package in ("stopline", "eclipse-sumo", "stable-baselines3", "torch", "gymnasium")
    }


def _model(
    config: TrainConfig, env: VecEnv, out: Path, *, resume: bool, tensorboard: bool
) -> BaseAlgorithm:
    """A new model, or the last checkpoint's when resuming."""
    algorithm = ALGORITHMS[config.algo]
    checkpoints = sorted((out / "checkpoints").glob("rl_*_steps.zip"), key=checkpoint_steps)
    if resume and checkpoints:
        return algorithm.load(checkpoints[-1], env=env)
    return algorithm(
        "MlpPolicy",
        env,
        seed=config.seed,
        verbose=0,
        tensorboard_log=str(out / "tensorboard") if tensorboard else None,
        **config.hyperparameters,
    )
