"""``greedy`` (longest queue first) and ``random`` (the floor every strategy must beat)."""

from __future__ import annotations

import random
from collections.abc import Mapping

import numpy as np

from stopline.envs import JunctionState

from .controller import Controller, Decisions
from .spillback import SpillbackAware


def queues_served(state: JunctionState, exit_full: float | None = None) -> np.ndarray:
    """Per green: vehicles halted on the incoming lanes it serves. With ``exit_full``, the
    queue that can move: a shared lane's queue split among its exits, and only the part
    bound for exits with room (a protected left does not claim a lane's through queue)."""
    if exit_full is None:
        return state.layout.served[0] @ state.halting
    return state.per_green(state.share(state.halting, exit_full))


class Greedy(SpillbackAware):
    """Each junction asks for the green serving the most halted vehicles (ties: keep).

    By default a queue counts only where the green leads it into an exit with room
    (`queues_served`); ``spillback=False`` counts every queue (the classic rule).
    Parameters: `SpillbackAware`'s.
    """

    name = "greedy"

    def act(self, now: float, states: Mapping[str, JunctionState]) -> Decisions:
        full = self.full_share
        decisions: Decisions = {}
        for junction, state in states.items():
            queues = queues_served(state, full)
            best = float(queues.max())
            keep = queues[state.phase] >= best
            decisions[junction] = state.phase if keep else int(np.argmax(queues))
        return decisions


class RandomPhases(Controller):
    """Each junction asks for a uniformly random green every decision.

    Parameters:
        seed: seed of its own random generator (re-seeded at every episode).
    """

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._rng = random.Random(seed)

    def reset(self, states: Mapping[str, JunctionState]) -> None:
        self._rng = random.Random(self.seed)

    def act(self, now: float, states: Mapping[str, JunctionState]) -> Decisions:
        return {j: self._rng.randrange(state.num_phases) for j, state in states.items()}
