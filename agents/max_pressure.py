"""``max-pressure`` (Varaiya 2013): serve the green whose movements have the most pressure."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from stopline.envs import JunctionState

from .controller import Decisions
from .spillback import SpillbackAware


def max_pressure_phase(state: JunctionState, exit_full: float | None = None) -> int:
    """The green with the largest sum over its movements of (queue in - queue out); with
    ``exit_full``, movements whose exit is full add no positive pressure
    (`JunctionState.pressure`).

    Ties keep the current green, so a balanced junction is not switched for nothing.
    """
    pressure = state.pressure(exit_full)
    best = float(pressure.max())
    return state.phase if pressure[state.phase] >= best else int(np.argmax(pressure))


class MaxPressure(SpillbackAware):
    """Every decision, each junction asks for its highest-pressure green (Varaiya, 2013).

    By default a movement whose exit lane is full adds no positive pressure
    (storage-limited max-pressure): its queue cannot move, so a green for it would be
    wasted and would push the jam upstream. ``spillback=False`` is the classic rule, for
    published comparisons. The signal model keeps each green for at least min green and
    at most max green. Parameters: `SpillbackAware`'s.
    """

    name = "max-pressure"

    def act(self, now: float, states: Mapping[str, JunctionState]) -> Decisions:
        full = self.full_share
        return {junction: max_pressure_phase(state, full) for junction, state in states.items()}
