"""How it is simulated: SUMO sessions, the signal model, Gymnasium and PettingZoo environments.

``gymnasium.make("stopline/single-v0")`` (and ``corridor-v0``, ``grid-v0`` with a
``junction=``) builds a `SignalEnv` on a built-in scenario.
"""

import gymnasium

from .config import EnvConfig, default_config
from .errors import ConfigError, SimulationError
from .layout import Layout
from .measure import EXIT_FULL, READINGS, JunctionState, NetworkTotals
from .observations import OBSERVATIONS, Observation, register_observation
from .parallel import SignalParallelEnv
from .phases import PHASE_SETS, PhaseSet, controllable, phase_sets
from .rewards import REWARDS, Reward, register_reward
from .session import Session
from .signal import Signal, Timing, transition
from .simulation import TrafficSimulation
from .single import SignalEnv
from .timing import timing_for

for _name in ("single", "corridor", "grid"):
    if f"stopline/{_name}-v0" not in gymnasium.registry:
        gymnasium.register(
            f"stopline/{_name}-v0",
            entry_point="stopline.envs.single:SignalEnv",
            kwargs={"scenario": _name},
        )

__all__ = [
    "EXIT_FULL",
    "OBSERVATIONS",
    "PHASE_SETS",
    "READINGS",
    "REWARDS",
    "ConfigError",
    "EnvConfig",
    "JunctionState",
    "Layout",
    "NetworkTotals",
    "Observation",
    "PhaseSet",
    "Reward",
    "Session",
    "Signal",
    "SignalEnv",
    "SignalParallelEnv",
    "SimulationError",
    "Timing",
    "TrafficSimulation",
    "controllable",
    "default_config",
    "phase_sets",
    "register_observation",
    "register_reward",
    "timing_for",
    "transition",
]
