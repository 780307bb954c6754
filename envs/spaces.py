"""Spaces, action decoding and the measurements in ``info``, shared by both environments."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from stopline.scenarios import Scenario, load

from .config import ActionMode, EnvConfig
from .measure import JunctionState, NetworkTotals
from .observations import Observation

KEEP, ADVANCE = 0, 1


def settings(
    scenario: Scenario | str, render_mode: str | None, config: dict[str, Any]
) -> tuple[Scenario, EnvConfig]:
    """The scenario and configuration an environment's arguments name."""
    if render_mode == "human":
        config = {**config, "gui": True}  # sumo-gui is the renderer
    return (load(scenario) if isinstance(scenario, str) else scenario), EnvConfig.from_mapping(
        config
    )


def observation_space(kind: Observation, example: JunctionState) -> spaces.Box:
    size = kind.function(example).shape
    return spaces.Box(low=kind.low, high=kind.high, shape=size, dtype=np.float32)


def action_space(mode: ActionMode, num_phases: int) -> spaces.Discrete:
    return spaces.Discrete(num_phases if mode == "phase" else 2)


def decode_action(mode: ActionMode, action: int, phase: int, num_phases: int) -> int:
    """The green an action asks for, at a junction showing green ``phase`` of ``num_phases``."""
    if mode == "phase":
        return action
    return (phase + 1) % num_phases if action == ADVANCE else phase


def action_mask(mode: ActionMode, state: JunctionState) -> np.ndarray:
    """Actions that take effect at once at a junction in ``state`` (the others are deferred
    until min green or ignored during a transition); int8, as Gymnasium's masks are.

    ``phase`` mode: every green once min green has passed, else only the current one.
    ``cycle`` mode: keep always, advance once min green has passed.
    """
    if mode == "cycle":
        return np.array([1, int(state.min_green_passed)], dtype=np.int8)
    if state.min_green_passed:
        return np.ones(state.num_phases, dtype=np.int8)
    mask = np.zeros(state.num_phases, dtype=np.int8)
    mask[state.phase] = 1
    return mask


def measurements(totals: NetworkTotals) -> dict[str, Any]:
    """Per-step measurements for ``info``: network totals and controlled-lane sums."""
    return {
        "time": totals.time,
        "vehicles": totals.running,
        "arrived": totals.arrived,
        "backlog": totals.backlog,
        "teleports": totals.teleports,
        "halting": totals.halting,
        "waiting_time": totals.waiting_time,
    }
