"""`SignalParallelEnv`: every (or the chosen) signalised junction as a PettingZoo agent."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from stopline.scenarios import Scenario

from .measure import JunctionState
from .observations import observation
from .phases import controllable
from .rewards import reward
from .simulation import TrafficSimulation
from .spaces import (
    action_mask,
    action_space,
    mask_reads,
    measurements,
    observation_space,
    requested,
    settings,
)


class SignalParallelEnv(ParallelEnv[str, np.ndarray, int]):
    """Control many signalised junctions of a SUMO scenario at once, one agent each.

    ## Agents
    Traffic-light ids: every signalised junction of the scenario with something to decide
    (two greens or more in its phase set), or those in ``junctions``; the others run their
    own programme.

    ## Action spaces
    Per agent, ``Discrete(P)`` in ``phase`` mode (the agent's P greens) or ``Discrete(2)``
    in ``cycle`` mode (keep / advance). Unsafe sequences are impossible: the signal model
    inserts yellow and all-red and honours min and max green.

    ## Observation spaces
    Per agent, the chosen observation (see `OBSERVATIONS`); sizes differ between
    junctions with different numbers of greens or lanes.

    ## Rewards
    Per agent, the chosen reward (see `REWARDS`) on its own incoming lanes.

    ## Starting state
    The scenario's window beginning, each junction on the first green of its programme;
    ``reset(seed=s)`` sets SUMO's seed; ``reset(options={"scenario": other})`` switches to
    another `Scenario` with the same junctions (another demand seed or scale).

    ## Episode end
    Every agent is truncated when the simulation reaches the window's end.

    ## Arguments
    ``scenario``: a `Scenario` or a name for `stopline.scenarios.load`; ``junctions``:
    the traffic-light ids to control (default: all); keyword configuration as in
    `EnvConfig`. ``infos[agent]`` holds the network measurements and the agent's mask.
    """

    metadata: ClassVar[dict[str, Any]] = {"name": "stopline_signals_v0", "render_modes": ["human"]}

    def __init__(
        self,
        scenario: Scenario | str,
        *,
        junctions: Sequence[str] | None = None,
        render_mode: str | None = None,
        **config: Any,
    ) -> None:
        self.scenario, self.config = settings(scenario, render_mode, config)
        self.render_mode = render_mode
        self.possible_agents = list(junctions or controllable(self.scenario, self.config.phases))
        self.agents: list[str] = []
        self._observation = observation(self.config.observation)
        self._reward = reward(self.config.reward)
        reads = self._observation.reads | self._reward.reads | mask_reads(self.config)
        self.simulation = TrafficSimulation(self.scenario, self.config, self.possible_agents, reads)
        states = self.simulation.blank_states()
        self._observation_spaces = {
            agent: observation_space(self._observation, states[agent]) for agent in states
        }
        self._action_spaces = {
            agent: action_space(self.config.action_mode, states[agent].num_phases)
            for agent in states
        }
        self._states: dict[str, JunctionState] = {}
        self._rng = np.random.default_rng()

    @functools.cache  # noqa: B019 - PettingZoo wants the same object back
    def observation_space(self, agent: str) -> spaces.Box:
        return self._observation_spaces[agent]

    @functools.cache  # noqa: B019
    def action_space(self, agent: str) -> spaces.Discrete:
        return self._action_spaces[agent]

    def _observe(self) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        self._states, totals = self.simulation.observe()
        shared = measurements(totals)
        observations = {
            agent: self._observation.function(self._states[agent]).astype(np.float32, copy=False)
            for agent in self.agents
        }
        infos = {
            agent: {
                **shared,
                "action_mask": action_mask(self.config, self._states[agent]),
            }
            for agent in self.agents
        }
        return observations, infos

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        if options and "scenario" in options:
            self.scenario = options["scenario"]
            self.simulation.use(self.scenario)
        self.simulation.start(sumo_seed=int(self._rng.integers(2**31 - 1)))
        self.agents = list(self.possible_agents)
        return self._observe()

    def step(
        self, actions: dict[str, Any]
    ) -> tuple[
        dict[str, np.ndarray],
        dict[str, float],
        dict[str, bool],
        dict[str, bool],
        dict[str, dict[str, Any]],
    ]:
        self.simulation.apply(
            {
                agent: requested(self.config, self._states[agent], int(action))
                for agent, action in actions.items()
                if agent in self.agents
            }
        )
        self.simulation.advance()
        before = self._states
        observations, infos = self._observe()
        rewards = {
            agent: self._reward.function(before[agent], self._states[agent])
            for agent in self.agents
        }
        done = self.simulation.done
        terminations = dict.fromkeys(self.agents, False)
        truncations = dict.fromkeys(self.agents, done)
        if done:
            self.agents = []
        return observations, rewards, terminations, truncations, infos

    def render(self) -> None:
        """Rendering is sumo-gui itself: pass ``render_mode="human"`` (or ``gui=True``)."""

    def close(self) -> None:
        self.simulation.close()
