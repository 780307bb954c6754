"""Spaces, action decoding and the measurements in ``info``, shared by both environments."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from stopline.scenarios import Scenario, load

from .config import ActionMode, EnvConfig
from .measure import EXIT_FULL, JunctionState, NetworkTotals
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


def mask_reads(config: EnvConfig) -> frozenset[str]:
    """The lane readings `action_mask` and `requested` need under ``config``, beyond the
    observation's."""
    return frozenset({"out_halting"}) if _guarding(config) else frozenset()


def _guarding(config: EnvConfig) -> bool:
    return config.spillback_guard and config.action_mode == "phase"


def _movable(config: EnvConfig, state: JunctionState) -> np.ndarray | None:
    """Per green, whether the spillback guard lets a policy choose it now; None where the
    guard does not apply: off, min green still running, or no green with room (then any
    choice is as good, and the policy keeps it).

    A green may be chosen when one of its movements has an exit with room
    (`JunctionState.open_movements`): a green that can move nobody is never worth its lost
    time, and the network strategies follow the same rule (`stopline.agents.spillback`).
    """
    if not (_guarding(config) and state.min_green_passed):
        return None
    movable = state.per_green(state.open_movements(EXIT_FULL).astype(float)) > 0
    return movable if movable.any() else None


def action_mask(config: EnvConfig, state: JunctionState) -> np.ndarray:
    """Actions that take effect at once at a junction in ``state`` (the others are deferred
    until min green, ignored during a transition, or redirected by the spillback guard,
    `requested`); int8, as Gymnasium's masks are.

    ``phase`` mode: every green once min green has passed, else only the current one; with
    ``spillback_guard``, only the greens with an exit that has room (unless none has).
    ``cycle`` mode: keep always, advance once min green has passed.
    """
    if config.action_mode == "cycle":
        return np.array([1, int(state.min_green_passed)], dtype=np.int8)
    if not state.min_green_passed:
        mask = np.zeros(state.num_phases, dtype=np.int8)
        mask[state.phase] = 1
        return mask
    movable = _movable(config, state)
    return np.ones(state.num_phases, dtype=np.int8) if movable is None else movable.astype(np.int8)


def requested(config: EnvConfig, state: JunctionState, action: int) -> int:
    """The green requested when a policy takes ``action`` at a junction in ``state``:
    the green the action names (`decode_action`), unless the spillback guard rules it out
    (`action_mask`); then the current green if the guard allows it, else the next allowed
    green in programme order. So the guard holds for every algorithm, not only those that
    read masks."""
    green = decode_action(config.action_mode, action, state.phase, state.num_phases)
    movable = _movable(config, state)
    if movable is None or movable[green]:
        return green
    order = [(state.phase + step) % state.num_phases for step in range(state.num_phases)]
    return next(candidate for candidate in order if movable[candidate])


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
