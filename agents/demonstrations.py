"""Demonstrations: what a classical strategy does at every junction, as a policy's samples.

A warm-started policy first learns to act as its teacher (the best classical strategy on
the network) from these, then improves on it with RL. Each decision becomes one sample:
the junction's observation as the policy would see it, the action that reproduces the
teacher's choice, and the discounted return of the policy's reward from there on (the
value the critic starts from).

The teacher runs as it always does (a SUMO-run logic such as ``actuated`` runs in SUMO), so
its choice is read from the signal, not asked: the action at a decision is the green the
junction shows at the next decision that is not in a transition, the green the teacher
kept or moved to.

A clone errs, and one wrong green puts it in states its teacher never led it into, where
it errs more (covariate shift). With a ``driver`` (the clone, as ``rl:PATH``) the clone
drives and the teacher is asked, at every junction and decision, which green it would
show: the clone learns what to do where it goes, not only where the teacher went (DAgger,
Ross et al. 2011). Asking needs a teacher Stopline runs; a SUMO-run one cannot be asked.
Run `demonstrate` in a process of its own (libsumo keeps state from one simulation to the
next).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from stopline.envs import EnvConfig, JunctionState
from stopline.envs.observations import observation
from stopline.envs.rewards import reward
from stopline.envs.spaces import ADVANCE, KEEP
from stopline.scenarios import Scenario

from .controller import Controller, Decisions, run_episode
from .registry import make


@dataclass(frozen=True)
class Trajectory:
    """One junction over one episode of the teacher: a sample per decision."""

    observations: np.ndarray  # (decisions, the junction's observation width), float32
    actions: np.ndarray  # (decisions,), in the env's action mode
    returns: np.ndarray  # (decisions,), discounted return of the env's reward


def demonstrate(
    teacher: str,
    scenario: Scenario,
    *,
    sumo_seed: int,
    env_config: Mapping[str, Any],
    gamma: float,
    folder: Path,
    driver: str | None = None,
) -> list[Trajectory]:
    """Run ``teacher`` (a `make` name) over ``scenario``, or ``driver`` with ``teacher``
    asked at every decision; one trajectory per junction."""
    config = EnvConfig.from_mapping(env_config)
    seen = observation(config.observation)
    rewarded = reward(config.reward)
    rows: dict[str, list[tuple[np.ndarray, int, bool, float]]] = {}
    last: dict[str, JunctionState] = {}

    def watch(states: Mapping[str, JunctionState]) -> None:
        # Each state is turned into numbers at once: the next decision's arrays are new.
        for junction, state in states.items():
            row = rows.setdefault(junction, [])
            if junction in last:
                # The reward of the previous decision, now that its interval is over.
                previous = row[-1]
                row[-1] = (*previous[:3], rewarded.function(last[junction], state))
            features = seen.function(state).astype(np.float32)
            row.append((features, state.phase, state.in_transition, 0.0))
            last[junction] = state

    asked: _Asked | None = None
    controller = make(teacher)
    if driver is not None:
        controller = asked = _Asked(make(driver), controller)
    run_episode(
        controller, scenario, sumo_seed=sumo_seed, folder=folder, config=env_config, watch=watch
    )
    labels = asked.labels if asked is not None else None
    # The last decision's interval was never observed to its end: it has no reward.
    return [
        _trajectory(row[:-1], config.action_mode, gamma, None if labels is None else labels[j])
        for j, row in rows.items()
        if row[1:]
    ]


class _Asked(Controller):
    """``driver`` drives; ``teacher`` is asked at each decision which green each junction
    should show (its ``labels``, per junction in decision order)."""

    name = "asked"

    def __init__(self, driver: Controller, teacher: Controller) -> None:
        if teacher.native:
            raise ValueError(f"{teacher.name} runs in SUMO: it cannot be asked for its greens")
        self._driver, self._teacher = driver, teacher
        self.labels: dict[str, list[int]] = {}

    def environment(self) -> Mapping[str, Any]:
        return self._driver.environment()

    def reset(self, states: Mapping[str, JunctionState]) -> None:
        self._driver.reset(states)
        self._teacher.reset(states)

    def act(self, now: float, states: Mapping[str, JunctionState]) -> Decisions:
        wanted = self._teacher.act(now, states)
        for junction, state in states.items():
            green = wanted.get(junction)
            self.labels.setdefault(junction, []).append(state.phase if green is None else green)
        return self._driver.act(now, states)


def _trajectory(
    row: Sequence[tuple[np.ndarray, int, bool, float]],
    mode: str,
    gamma: float,
    asked: Sequence[int] | None,
) -> Trajectory:
    """One junction's samples; the actions are the greens the teacher was ``asked`` for, or
    without them the greens it went on to show."""
    phases = np.array([phase for _, phase, _, _ in row])
    moving = np.array([in_transition for _, _, in_transition, _ in row])
    targets = next_greens(phases, moving) if asked is None else np.array(asked[: len(row)])
    actions = targets if mode == "phase" else np.where(targets != phases, ADVANCE, KEEP)
    return Trajectory(
        np.stack([features for features, _, _, _ in row]),
        actions.astype(np.int64),
        discounted(np.array([value for _, _, _, value in row]), gamma),
    )


def next_greens(phases: np.ndarray, in_transition: np.ndarray) -> np.ndarray:
    """For each decision, the green shown at the first later decision not in a transition
    (the green the teacher kept or moved to); the last decision keeps its own."""
    targets = np.empty_like(phases)
    upcoming = phases[-1]
    for index in range(len(phases) - 1, -1, -1):
        targets[index] = upcoming
        if not in_transition[index]:
            upcoming = phases[index]
    return targets


def discounted(rewards: np.ndarray, gamma: float) -> np.ndarray:
    """Each decision's discounted return sum_k gamma^k r_(t+k), to the episode's end."""
    returns = np.empty(len(rewards), dtype=np.float32)
    total = 0.0
    for index in range(len(rewards) - 1, -1, -1):
        total = float(rewards[index]) + gamma * total
        returns[index] = total
    return returns
