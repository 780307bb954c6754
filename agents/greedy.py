"""``greedy`` (longest queue first) and ``random`` (the floor every strategy must beat)."""

from __future__ import annotations

import random
from collections.abc import Mapping

from stopline.envs import JunctionState

from .controller import Controller, Decisions


def queue_served(state: JunctionState, phase: int) -> float:
    """Vehicles halted on the incoming lanes that green ``phase`` serves."""
    lanes = {incoming for incoming, _ in state.layout.movements[phase]}
    return float(sum(state.halting[lane] for lane in lanes))


class Greedy(Controller):
    """Each junction asks for the green serving the most halted vehicles (ties: keep)."""

    name = "greedy"

    def act(self, now: float, states: Mapping[str, JunctionState]) -> Decisions:
        decisions: Decisions = {}
        for junction, state in states.items():
            queues = [queue_served(state, phase) for phase in range(state.num_phases)]
            best = max(queues)
            decisions[junction] = state.phase if queues[state.phase] >= best else queues.index(best)
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
