"""``max-pressure`` (Varaiya 2013): serve the green whose movements have the most pressure."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from stopline.envs import JunctionState

from .controller import Controller, Decisions


def max_pressure_phase(state: JunctionState) -> int:
    """The green with the largest sum over its movements of (queue in - queue out).

    Ties keep the current green, so a balanced junction is not switched for nothing.
    """
    pressure = state.pressure()
    best = float(pressure.max())
    return state.phase if pressure[state.phase] >= best else int(np.argmax(pressure))


class MaxPressure(Controller):
    """Every decision, each junction asks for its highest-pressure green (Varaiya, 2013).

    The signal model keeps each green for at least min green and at most max green.
    """

    name = "max-pressure"

    def act(self, now: float, states: Mapping[str, JunctionState]) -> Decisions:
        return {junction: max_pressure_phase(state) for junction, state in states.items()}
