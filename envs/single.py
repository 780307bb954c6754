"""`SignalEnv`: one signalised junction as a Gymnasium environment."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from stopline.scenarios import Scenario

from .errors import SimulationError
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


class SignalEnv(gym.Env[np.ndarray, np.int64]):
    """Control one signalised junction of a SUMO scenario.

    ## Action space
    ``Discrete(P)`` in ``phase`` mode: the green phase to show next, one of the P greens of
    the junction's phase set (config ``phases``: ``rebuilt``, the greens SUMO builds for the
    junction, by default; ``own``, its programme's) in programme order. ``Discrete(2)`` in
    ``cycle`` mode: 0 keeps the current green, 1 advances to the next green in programme
    order. The signal model inserts yellow (and all-red) and honours min and max green
    whatever the action; ``info["action_mask"]`` flags the actions that take effect at once.

    ## Observation space
    ``Box`` of the chosen observation (``observation=``; see `OBSERVATIONS`). The default
    (``movable``) is the green phase one-hot, a min-green-passed flag, density and queue on
    each incoming lane as shares of the lane's capacity, then per green the queue it can
    move (bound for exits with room) and the share of its exits with room, all in [0, 1].

    ## Rewards
    The chosen reward (``reward=``; see `REWARDS`), by default the drop in total waiting
    time on the incoming lanes over the interval, in units of 100 s.

    ## Starting state
    SUMO starts the scenario at its window's beginning with the junction showing the first
    green of its programme. ``reset(seed=s)`` sets SUMO's seed; the demand seed is the
    scenario's. ``reset(options={"scenario": other})`` switches to another `Scenario` with
    the same junction (another demand seed or scale) from this episode on.

    ## Episode end
    Truncated when the simulation reaches the scenario's window end (fixed, whether or not
    vehicles remain); never terminated.

    ## Arguments
    ``scenario``: a `Scenario` or a name for `stopline.scenarios.load`; ``junction``: a
    traffic-light id (default: the scenario's only junction); keyword configuration as in
    `EnvConfig` (`default_config()` lists keys and defaults). ``info`` at every step holds
    the network measurements (time, halting, waiting_time, vehicles, arrived, backlog,
    teleports) and the action mask.
    """

    metadata = {"render_modes": ["human"]}  # noqa: RUF012 - gymnasium.Env declares it

    def __init__(
        self,
        scenario: Scenario | str,
        *,
        junction: str | None = None,
        render_mode: str | None = None,
        **config: Any,
    ) -> None:
        self.scenario, self.config = settings(scenario, render_mode, config)
        self.render_mode = render_mode
        if junction is None:
            choices = controllable(self.scenario, self.config.phases)
            if len(choices) != 1:
                raise SimulationError(
                    f"{self.scenario.name} has {len(choices)} signalised junctions with "
                    "phases to choose: name one with junction=..., or use SignalParallelEnv"
                )
            junction = choices[0]
        self.junction = junction
        self._observation = observation(self.config.observation)
        self._reward = reward(self.config.reward)
        reads = self._observation.reads | self._reward.reads | mask_reads(self.config)
        self.simulation = TrafficSimulation(self.scenario, self.config, [junction], reads)
        # The spaces depend on the junction's programme and lanes (read from the net file).
        state = self.simulation.blank_states()[junction]
        self.observation_space = observation_space(self._observation, state)
        self.action_space = action_space(self.config.action_mode, state.num_phases)
        self._state: JunctionState | None = None

    def _observe(self) -> tuple[JunctionState, dict[str, Any]]:
        states, totals = self.simulation.observe()
        state = states[self.junction]
        info = {
            **measurements(totals),
            "action_mask": action_mask(self.config, state),
        }
        return state, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        if options and "scenario" in options:
            self.scenario = options["scenario"]
            self.simulation.use(self.scenario)
        self.simulation.start(sumo_seed=int(self.np_random.integers(2**31 - 1)))
        self._state, info = self._observe()
        return self._observation.function(self._state).astype(np.float32, copy=False), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self._state is None:
            raise SimulationError("step() before reset(): call reset() first")
        self.simulation.apply({self.junction: requested(self.config, self._state, int(action))})
        self.simulation.advance()
        state, info = self._observe()
        value = self._reward.function(self._state, state)
        self._state = state
        truncated = self.simulation.done
        observation_now = self._observation.function(state).astype(np.float32, copy=False)
        return observation_now, value, False, truncated, info

    def action_masks(self) -> np.ndarray:
        """The current action mask (for maskable algorithms such as sb3-contrib's
        MaskablePPO)."""
        if self._state is None:
            raise SimulationError("action_masks() before reset(): call reset() first")
        return action_mask(self.config, self._state)

    def render(self) -> None:
        """Rendering is sumo-gui itself: pass ``render_mode="human"`` (or ``gui=True``)."""

    def close(self) -> None:
        self.simulation.close()
