"""Reinforcement learning with stable-baselines3: training runs and the ``rl:PATH`` controller.

A training run is one `TrainConfig`; everything it used (hyper-parameters, env config,
training and evaluation demand seeds, the junction layout) is saved beside the model, so the
run can be repeated and the model refuses a scenario it was not trained for.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import A2C, DQN, PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CallbackList, CheckpointCallback
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import SubprocVecEnv, VecEnv, VecMonitor

from stopline import scenarios
from stopline.envs import JunctionState, SignalEnv, SignalParallelEnv
from stopline.envs.observations import observation
from stopline.scenarios import EVALUATION_SEEDS, TRAINING_SEEDS

from .controller import Controller, Decisions
from .errors import AgentError, ModelMismatchError
from .models import model_folder
from .training_envs import EPISODE_KEYWORDS, ResampleDemand, SharedPolicyVecEnv, padded

Algorithm = Literal["ppo", "dqn", "a2c"]
ALGORITHMS: dict[str, type[BaseAlgorithm]] = {"ppo": PPO, "dqn": DQN, "a2c": A2C}
# Default budgets, in decisions (samples): a shared policy gets one per junction per step,
# so a network needs more of them. Each fits in 15 minutes on 2 cores (see README).
SINGLE_JUNCTION_BUDGET = 100_000
NETWORK_BUDGET = 250_000


# Visible defaults for each algorithm; every value used is saved with the model.
HYPERPARAMETERS: dict[str, dict[str, Any]] = {
    "ppo": {
        "learning_rate": 3e-4,
        "n_steps": 360,
        "batch_size": 180,
        "n_epochs": 10,
        "gamma": 0.95,
        "gae_lambda": 0.95,
        "clip_range": 0.2,
        "ent_coef": 0.01,
        "policy_kwargs": {"net_arch": [64, 64]},
    },
    "dqn": {
        "learning_rate": 1e-3,
        "buffer_size": 50_000,
        "learning_starts": 500,
        "batch_size": 64,
        "gamma": 0.95,
        "train_freq": 1,
        "target_update_interval": 500,
        "exploration_fraction": 0.3,
        "exploration_final_eps": 0.02,
        "policy_kwargs": {"net_arch": [64, 64]},
    },
    "a2c": {
        "learning_rate": 7e-4,
        "n_steps": 16,
        "gamma": 0.95,
        "ent_coef": 0.01,
        "policy_kwargs": {"net_arch": [64, 64]},
    },
}


@dataclass
class TrainConfig:
    """Everything a training run depends on."""

    scenario: str
    algo: Algorithm = "ppo"
    timesteps: int | None = None  # None: the default budget for the scenario's size
    envs: int = 2
    seed: int = 0
    demand_scale: float = 1.0
    env_config: dict[str, Any] = field(default_factory=dict)
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    training_seeds: tuple[int, ...] = TRAINING_SEEDS
    evaluation_seeds: tuple[int, ...] = EVALUATION_SEEDS
    checkpoint_every: int = 10_000
    # PyTorch threads of the learning process. One leaves the other cores to the SUMO
    # worker processes: 14,400 decisions on `single` took 41 s with 1, 56 s with 2.
    torch_threads: int = 1

    def __post_init__(self) -> None:
        if self.algo not in ALGORITHMS:
            raise AgentError(f"--algo must be one of {', '.join(ALGORITHMS)}, not {self.algo!r}")
        if self.torch_threads < 1:
            raise AgentError(f"torch_threads must be >= 1, not {self.torch_threads}")
        overlap = set(self.training_seeds) & set(self.evaluation_seeds)
        if overlap:
            raise AgentError(f"training and evaluation seeds overlap: {sorted(overlap)}")
        accepted = inspect.signature(ALGORITHMS[self.algo]).parameters
        unknown = sorted(set(self.hyperparameters) - set(accepted))
        if unknown:
            raise AgentError(
                f"{self.algo} has no hyper-parameter {unknown[0]!r}; "
                f"its defaults here: {', '.join(HYPERPARAMETERS[self.algo])}"
            )
        self.hyperparameters = {**HYPERPARAMETERS[self.algo], **self.hyperparameters}
        self.training_seeds = tuple(self.training_seeds)
        self.evaluation_seeds = tuple(self.evaluation_seeds)

    @classmethod
    def saved(cls, folder: Path) -> TrainConfig:
        """The configuration a training run saved in ``folder``."""
        fields = {field.name for field in dataclasses.fields(cls)}
        values = json.loads((folder / "config.json").read_text())
        return cls(**{key: value for key, value in values.items() if key in fields})


def _single_env(config: TrainConfig, rank: int, monitor_file: str | None) -> Any:
    env = SignalEnv(
        scenarios.load(
            config.scenario, demand_scale=config.demand_scale, seed=config.training_seeds[0]
        ),
        **config.env_config,
    )
    env = ResampleDemand(
        env, config.scenario, config.training_seeds, config.demand_scale, config.seed * 1000 + rank
    )
    return Monitor(env, monitor_file, info_keywords=EPISODE_KEYWORDS)


def make_training_env(config: TrainConfig, out: Path) -> VecEnv:
    """Worker processes for one junction; one shared-policy vector env for a network."""
    junctions = scenarios.load(config.scenario, demand_scale=config.demand_scale).junctions
    if len(junctions) == 1:
        factories: list[Callable[[], gym.Env[Any, Any]]] = [
            partial(_single_env, config, rank, str(out / f"monitor-{rank}"))
            for rank in range(config.envs)
        ]
        return SubprocVecEnv(factories, start_method="spawn")
    shared = SharedPolicyVecEnv(
        config.scenario, config.training_seeds, config.demand_scale, config.seed, config.env_config
    )
    return VecMonitor(shared, str(out / "monitor-0"), info_keywords=EPISODE_KEYWORDS)


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


def default_budget(junctions: int) -> int:
    """Training decisions by default: more for a network, whose policy every junction shares."""
    return SINGLE_JUNCTION_BUDGET if junctions == 1 else NETWORK_BUDGET


def train(
    config: TrainConfig, out: Path, *, resume: bool = False, tensorboard: bool = False
) -> Path:
    """Train a policy and write ``model.zip``, ``config.json``, monitor CSVs and checkpoints."""
    if config.timesteps is None:
        junctions = scenarios.load(config.scenario, demand_scale=config.demand_scale).junctions
        config = dataclasses.replace(config, timesteps=default_budget(len(junctions)))
    budget = config.timesteps
    assert budget is not None
    if tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise AgentError("--tensorboard needs the tensorboard package: pip install tensorboard")
    out.mkdir(parents=True, exist_ok=True)
    saved = {**dataclasses.asdict(config), "layout": _layout(config)}
    (out / "config.json").write_text(json.dumps(saved, indent=2) + "\n")
    env = make_training_env(config, out)
    threads = torch.get_num_threads()
    torch.set_num_threads(config.torch_threads)
    try:
        model = _model(config, env, out, resume=resume, tensorboard=tensorboard)
        every = max(1, config.checkpoint_every // env.num_envs)
        callbacks = CallbackList(
            [
                CheckpointCallback(every, str(out / "checkpoints"), name_prefix="rl"),
                _Progress(budget),
            ]
        )
        remaining = max(0, budget - model.num_timesteps)
        model.learn(remaining, callback=callbacks, reset_num_timesteps=not resume)
        model.save(out / "model.zip")
    finally:
        env.close()  # a libsumo simulation left open would block the process's next one
        torch.set_num_threads(threads)
    return out / "model.zip"


def _model(
    config: TrainConfig, env: VecEnv, out: Path, *, resume: bool, tensorboard: bool
) -> BaseAlgorithm:
    """A new model, or the last checkpoint's when resuming."""
    algorithm = ALGORITHMS[config.algo]
    checkpoints = sorted((out / "checkpoints").glob("rl_*_steps.zip"), key=_steps)
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


def _steps(path: Path) -> int:
    return int(path.stem.split("_")[1])


class RLController(Controller):
    """A trained policy acting deterministically, one decision per junction.

    It loads ``model.zip`` and ``config.json`` from PATH (the folder ``stopline train``
    wrote) and refuses a scenario whose junctions give observations or green counts the
    model was not trained for.
    """

    name = "rl"

    def __init__(self, path: str | Path) -> None:
        folder = model_folder(path)
        self.path = str(folder)
        self.config = json.loads((folder / "config.json").read_text())
        algorithm = ALGORITHMS[self.config["algo"]]
        self._model = algorithm.load(folder / "model.zip", device="cpu")
        self._observation = observation(self.config["env_config"].get("observation", "default"))
        self._mode = self.config["env_config"].get("action_mode", "phase")
        self._width = int(self._model.observation_space.shape[0])  # type: ignore[index]
        self._actions = int(self._model.action_space.n)  # type: ignore[attr-defined]

    def environment(self) -> Mapping[str, Any]:
        """The env configuration the model was trained with (timings, observation...)."""
        return dict(self.config["env_config"])

    def reset(self, states: Mapping[str, JunctionState]) -> None:
        trained = {tuple(shape) for shape in self.config["layout"].values()}
        for junction, state in states.items():
            shape = (int(self._observation.function(state).shape[0]), state.num_phases)
            if shape not in trained:
                seen = ", ".join(
                    f"{size} values/{greens} greens" for size, greens in sorted(trained)
                )
                raise ModelMismatchError(
                    f"model {self.path} was trained on {self.config['scenario']} for junctions "
                    f"of {seen}; junction {junction} has {shape[0]} values/{shape[1]} greens: "
                    "train a model on this scenario"
                )

    def act(self, now: float, states: Mapping[str, JunctionState]) -> Decisions:
        junctions = list(states)
        batch = np.stack(
            [padded(self._observation.function(states[j]), self._width) for j in junctions]
        )
        actions, _ = self._model.predict(batch, deterministic=True)
        decisions: Decisions = {}
        for junction, action in zip(junctions, actions, strict=True):
            state = states[junction]
            chosen = int(action)
            if self._mode == "phase":
                decisions[junction] = chosen if chosen < state.num_phases else None
            else:
                decisions[junction] = (state.phase + 1) % state.num_phases if chosen else None
        return decisions
