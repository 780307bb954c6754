"""Intergreens from a junction's geometry, as ITE's guideline for change and clearance
intervals (Institute of Transportation Engineers, 2020) computes them, for
``EnvConfig.intergreens = "geometry"``:

- yellow y = t + v / (2 a): perception-reaction time t = 1 s, comfortable deceleration
  a = 3.05 m/s² (10 ft/s²), v the approach lane's speed limit; no grade term (SUMO's
  junction logic does not model grade, and the nets here are flat);
- red clearance r = (W + L) / v: W the movement's path through the junction (its
  internal lanes, stop line to the far side, from the net), L = 6.1 m (a 20 ft car).

Both are rounded up to whole seconds (the signal model counts whole seconds). A junction
shows one yellow, the longest any of its links needs; between greens a and b the all-red
is the longest red clearance among the links a ends, where b starts a movement (none
where movements only end, as the programme rule in `timing`).
"""

from __future__ import annotations

import math

from .errors import ConfigError
from .layout import net_lanes
from .phases import GREEN, PhaseSet, starts_movement

PERCEPTION_REACTION = 1.0  # s
DECELERATION = 3.05  # m/s²
VEHICLE_LENGTH = 6.1  # m


def yellow_interval(speed: float) -> float:
    """ITE's yellow for an approach at ``speed`` (m/s), whole seconds up."""
    return float(math.ceil(PERCEPTION_REACTION + speed / (2 * DECELERATION) - 1e-9))


def red_clearance(crossing: float, speed: float) -> float:
    """ITE's red clearance for a path of ``crossing`` metres through the junction at
    ``speed`` (m/s), whole seconds up."""
    return float(math.ceil((crossing + VEHICLE_LENGTH) / speed - 1e-9)) if speed > 0 else 0.0


def geometry_intergreens(phases: PhaseSet) -> tuple[float, dict[tuple[int, int], float]]:
    """The junction's yellow and the all-red between every ordered pair of its greens,
    from its links' speeds and paths (see the module's rules)."""
    if phases.net is None:
        raise ConfigError(
            f"config intergreens 'geometry' needs the network of light {phases.junction!r}"
        )
    net = net_lanes(phases.net)
    links = net.links.get(phases.junction, {})
    crossings = net.crossings.get(phases.junction, {})
    speed = {
        index: max(net.lanes.get(source, (0.0, 0.0))[1] for source, _ in pairs)
        for index, pairs in links.items()
    }
    yellow = max(map(yellow_interval, speed.values()), default=0.0)
    clearance = {index: red_clearance(crossings.get(index, 0.0), v) for index, v in speed.items()}
    greens = phases.greens
    between = {}
    for a, before in enumerate(greens):
        for b, after in enumerate(greens):
            if a == b:
                continue
            if not starts_movement(before, after):
                between[a, b] = 0.0
                continue
            ending = [i for i in speed if before[i] in GREEN and after[i] not in GREEN]
            between[a, b] = max((clearance[i] for i in ending), default=0.0)
    return yellow, between
