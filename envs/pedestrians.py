"""Pedestrian timings where a junction's programme controls crossings, as the HCM (6th
edition) and MUTCD time them: a walk interval of 7 s, then flashing don't-walk long
enough to cross at 1.2 m/s (3.5 ft/s; the crossing's length from the net). A green that
shows a crossing green lasts at least walk plus flashing don't-walk, whole seconds up, for
every strategy: a policy cannot cut a pedestrian's green short (`timing.timing_for`).
"""

from __future__ import annotations

import math
from pathlib import Path

from .layout import net_lanes
from .phases import GREEN, PhaseSet

WALK = 7.0  # s
WALKING_SPEED = 1.2  # m/s


def clearance_time(length: float) -> float:
    """Flashing don't-walk for a crossing ``length`` metres long, whole seconds up."""
    return float(math.ceil(length / WALKING_SPEED - 1e-9))


def longest_crossing(net: Path, junction: str, state: str) -> float | None:
    """The longest crossing (m) ``state`` shows green at ``junction``, None if none."""
    walkways = net_lanes(net).walkways.get(junction, {})
    shown = [
        length for index, length in walkways.items() if index < len(state) and state[index] in GREEN
    ]
    return max(shown, default=None)


def pedestrian_min_green(net: Path, junction: str, state: str) -> float | None:
    """The shortest green ``state`` may last at ``junction``: walk plus flashing don't-walk
    of the longest crossing it shows green; None if it shows none."""
    length = longest_crossing(net, junction, state)
    return None if length is None else WALK + clearance_time(length)


def pedestrian_min_greens(phases: PhaseSet) -> tuple[float | None, ...]:
    """Per green of ``phases``, `pedestrian_min_green` (None for a set made by hand)."""
    if phases.net is None:
        return (None,) * len(phases.greens)
    return tuple(pedestrian_min_green(phases.net, phases.junction, g) for g in phases.greens)
