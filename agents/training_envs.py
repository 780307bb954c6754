"""What stable-baselines3 trains on: demand resampled per episode, junctions sharing a policy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from stable_baselines3.common.vec_env.base_vec_env import VecEnv

from stopline import scenarios
from stopline.envs import SignalEnv, SignalParallelEnv
from stopline.envs.config import ActionMode
from stopline.envs.observations import observation

# Logged at each episode's end, so learning curves show traffic, not only reward.
EPISODE_KEYWORDS = ("mean_halting",)


def episode_scenario(
    rng: np.random.Generator, name: str, seeds: Sequence[int], scale: float, spread: float
) -> scenarios.Scenario:
    """An episode's scenario: a training demand seed drawn from ``seeds`` and, with a
    ``spread``, a demand scale drawn uniformly from ``scale`` x [1 - spread, 1 + spread]."""
    demand_seed = int(rng.choice(seeds))
    if spread:
        scale *= 1.0 + float(rng.uniform(-spread, spread))
    return scenarios.load(name, demand_scale=scale, seed=demand_seed)


class ResampleDemand(gym.Wrapper[np.ndarray, np.int64, np.ndarray, np.int64]):
    """Each episode on another training demand (`episode_scenario`), drawn from the
    wrapper's own stream.

    At an episode's end ``info["mean_halting"]`` is the mean number of halted vehicles on
    the controlled lanes over its decisions.
    """

    def __init__(
        self,
        env: SignalEnv,
        name: str,
        seeds: Sequence[int],
        demand_scale: float,
        seed: int,
        spread: float = 0.0,
    ) -> None:
        super().__init__(env)
        self._demand = (name, tuple(seeds), demand_scale, spread)
        self._rng = np.random.default_rng(seed)
        self._halting: list[int] = []

    def reset(self, **kwargs: Any) -> tuple[np.ndarray, dict[str, Any]]:
        scenario = episode_scenario(self._rng, *self._demand)
        options = {**(kwargs.pop("options", None) or {}), "scenario": scenario}
        self._halting = []
        return self.env.reset(options=options, **kwargs)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        observation, reward, terminated, truncated, info = self.env.step(action)
        self._halting.append(info["halting"])
        if terminated or truncated:
            info["mean_halting"] = float(np.mean(self._halting))
        return observation, float(reward), terminated, truncated, info


def padded(observation: np.ndarray, size: int) -> np.ndarray:
    """An observation zero-padded to ``size`` (junctions with fewer lanes or greens)."""
    out = np.zeros(size, dtype=np.float32)
    out[: observation.shape[0]] = observation
    return out


def padded_mask(mask: np.ndarray, size: int) -> np.ndarray:
    """An action mask zero-padded to ``size``: the padding actions are never chosen."""
    out = np.zeros(size, dtype=bool)
    out[: mask.shape[0]] = mask
    return out


def padded_action(mode: ActionMode, action: int, phase: int, num_phases: int) -> int:
    """A shared policy's action at a junction: one beyond the junction's own greens (the
    padding of a junction with fewer greens than the largest) keeps its current green."""
    if mode == "phase" and action >= num_phases:
        return phase
    return action


class SharedPolicyVecEnv(VecEnv):
    """Every junction of a network as one slot of a vector env: one policy for all.

    Observations are zero-padded to the largest junction's size (a fixed-width observation
    is that width everywhere, and offers its ``greens`` actions, so that simulations of
    different networks can feed one policy); actions beyond a junction's own greens keep
    its current green, and `action_masks` (one row per slot, for maskable algorithms) rules
    them out. An episode ends for all slots at once; the env then resets on the next
    training demand (`episode_scenario`), as SB3's vector envs do, with
    ``terminal_observation`` in the infos.
    """

    # Methods that answer one row per slot (`env_method` hands each slot its own).
    SLOT_METHODS = frozenset({"action_masks"})

    def __init__(
        self,
        name: str,
        seeds: Sequence[int],
        demand_scale: float,
        seed: int,
        env_config: dict[str, Any],
        spread: float = 0.0,
    ) -> None:
        self._demand = (name, tuple(seeds), demand_scale, spread)
        self._rng = np.random.default_rng(seed)
        first = scenarios.load(name, demand_scale=demand_scale, seed=seeds[0])
        self.env = SignalParallelEnv(first, **env_config)
        self.agents = list(self.env.possible_agents)
        self.sizes = {a: self.env.observation_space(a).shape[0] for a in self.agents}
        self.phases = {a: int(self.env.action_space(a).n) for a in self.agents}
        config = self.env.config
        fixed = observation(config.observation).greens
        actions = fixed if fixed and config.action_mode == "phase" else max(self.phases.values())
        observation_space = spaces.Box(
            low=min(float(self.env.observation_space(a).low.min()) for a in self.agents),
            high=max(float(self.env.observation_space(a).high.max()) for a in self.agents),
            shape=(max(self.sizes.values()),),
            dtype=np.float32,
        )
        self.render_mode = None  # SB3 asks every vector env; sumo-gui is the renderer here
        super().__init__(len(self.agents), observation_space, spaces.Discrete(actions))
        self._actions: np.ndarray | None = None

    def _stack(self, observations: dict[str, np.ndarray]) -> np.ndarray:
        width = int(self.observation_space.shape[0])  # type: ignore[index]
        return np.stack([padded(observations[a], width) for a in self.agents])

    def reset(self) -> np.ndarray:
        scenario = episode_scenario(self._rng, *self._demand)
        observations, infos = self.env.reset(
            seed=int(self._rng.integers(2**31 - 1)), options={"scenario": scenario}
        )
        self._halting: list[int] = []
        self._infos = infos
        return self._stack(observations)

    def action_masks(self) -> np.ndarray:
        """Per slot, the actions that take effect at once (padding greens never do); built
        only when asked, so algorithms without masks pay nothing per step."""
        width = int(self.action_space.n)  # type: ignore[attr-defined]
        return np.stack([padded_mask(self._infos[a]["action_mask"], width) for a in self.agents])

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        assert self._actions is not None
        signals = self.env.simulation.signals
        mode = self.env.config.action_mode
        requests = {
            agent: padded_action(mode, int(action), signals[agent].phase, self.phases[agent])
            for agent, action in zip(self.agents, self._actions, strict=True)
        }
        observations, rewards, _, truncations, shared = self.env.step(requests)
        self._infos = shared
        stacked = self._stack(observations)
        reward = np.array([rewards[a] for a in self.agents], dtype=np.float32)
        self._halting.append(shared[self.agents[0]]["halting"])
        done = all(truncations.values())
        infos: list[dict[str, Any]] = [{} for _ in self.agents]
        if done:
            mean_halting = float(np.mean(self._halting))
            for index, info in enumerate(infos):
                info["terminal_observation"] = stacked[index]
                info["TimeLimit.truncated"] = True
                info["mean_halting"] = mean_halting
            stacked = self.reset()
        return stacked, reward, np.full(self.num_envs, done), infos

    def close(self) -> None:
        self.env.close()

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        return [getattr(self, attr_name) for _ in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        setattr(self, attr_name, value)

    def env_method(
        self, method_name: str, *args: Any, indices: Any = None, **kwargs: Any
    ) -> list[Any]:
        result = getattr(self, method_name)(*args, **kwargs)
        if method_name in self.SLOT_METHODS:
            return [result[index] for index in self._get_indices(indices)]
        return [result for _ in self._get_indices(indices)]

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        return [False for _ in self._get_indices(indices)]
