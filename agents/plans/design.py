"""Fixed-time plans for one period: coordination groups, a common cycle, and splits.

Each junction's cycle and splits start from Webster's method on the period's flows
(`stopline.agents.webster`). Junctions closer than `COORDINATION_DISTANCE` (chained:
A near B near C makes one group) are coordinated: they share the longest cycle any member
needs, except a minor junction whose own cycle fits in half of it, which runs half the
cycle (double cycling) so its side streets do not wait a whole long cycle. Greens are
whole seconds, shared by the critical flow ratios, within each green's min and max green.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from stopline.envs import PhaseSet, Timing
from stopline.envs.config import MIN_GREEN_FLOOR
from stopline.measures.hcm import LOST_TIME_PER_PHASE, SATURATION_FLOW, effective_green
from stopline.scenarios.geometry import Point

from ..programmes import Plan
from ..webster import MAX_CYCLE, MIN_CYCLE, junction_timing

# Signals this close (straight line, m) are coordinated: at 50 km/h a platoon needs under
# 45 s to cover it and still arrives bunched (platoons disperse over some 500-800 m).
COORDINATION_DISTANCE = 600.0


@dataclass(frozen=True)
class Settings:
    """How plans are designed: Webster's inputs and the cycle bounds."""

    saturation_flow: float = SATURATION_FLOW
    lost_time_per_phase: float = LOST_TIME_PER_PHASE
    min_cycle: float = MIN_CYCLE
    max_cycle: float = MAX_CYCLE
    cycle_scale: float = 1.0  # Webster's cycle times this (the optimiser's first stage)
    # Greens share the effective green by y to this power: 1 is Webster; below 1 gives
    # light phases more, which random arrivals at a fixed plan need (it cannot skip them).
    split_power: float = 1.0


@dataclass(frozen=True)
class JunctionPlan:
    """One junction's fixed-time plan in one period.

    ``greens`` are shown greens (s) in the phase set's order; ``offset`` is when, in
    seconds of SUMO's clock modulo ``cycle``, the first green starts. ``flow_ratios`` are
    each green's critical flow ratio y, ``saturation`` its degree of saturation
    x = y C / g (g the effective green: shown green plus intergreen less the lost time).
    """

    plan: Plan
    cycle: float
    offset: float
    group: int
    flow_ratios: tuple[float, ...]
    saturation: tuple[float, ...]

    @property
    def junction(self) -> str:
        return self.plan.junction

    @property
    def greens(self) -> tuple[float, ...]:
        return self.plan.durations


def intergreens(phases: PhaseSet, timing: Timing) -> tuple[float, ...]:
    """Seconds of yellow and all-red after each green, as a `Plan` writes them."""
    plan = Plan(phases, durations=(0.0,) * len(phases.greens), timing=timing)
    return tuple(plan.intergreen(index) for index in range(len(phases.greens)))


def whole_seconds(
    targets: Sequence[float], total: int, lows: Sequence[float], highs: Sequence[float]
) -> tuple[float, ...] | None:
    """Whole seconds near ``targets`` that add up to ``total``, each within its bounds
    (None if the bounds cannot add up to ``total``)."""
    low = [math.ceil(value) for value in lows]
    high = [math.floor(value) for value in highs]
    if sum(low) > total or sum(high) < total:
        return None
    chosen = [min(h, max(lo, round(t))) for t, lo, h in zip(targets, low, high, strict=True)]
    while sum(chosen) != total:
        grow = sum(chosen) < total
        room = [
            (target - value if grow else value - target, -index)
            for index, (target, value) in enumerate(zip(targets, chosen, strict=True))
            if (value < high[index] if grow else value > low[index])
        ]
        _, negative = max(room)
        chosen[-negative] += 1 if grow else -1
    return tuple(float(value) for value in chosen)


def own_cycle(ratios: Sequence[float], settings: Settings) -> float:
    """Webster's cycle for a junction on its own, times the scale, within the bounds,
    rounded up to whole even seconds (so half of it is whole seconds too)."""
    timing = junction_timing(
        ratios, settings.lost_time_per_phase, settings.min_cycle, settings.max_cycle
    )
    scaled = min(settings.max_cycle, timing.cycle * settings.cycle_scale)
    return float(2 * math.ceil(scaled / 2))


def split(
    phases: PhaseSet,
    timing: Timing,
    ratios: Sequence[float],
    cycle: float,
    settings: Settings,
) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """Shown greens for ``cycle`` by Webster's shares of y, and each green's degree of
    saturation; None if the greens' min and max cannot fill the cycle."""
    count = len(ratios)
    lost = settings.lost_time_per_phase
    weights = [ratio**settings.split_power for ratio in ratios]
    shares = junction_timing(weights, lost, cycle, cycle).greens
    between = intergreens(phases, timing)
    targets = [green + lost - gap for green, gap in zip(shares, between, strict=True)]
    lows, highs = green_bounds(timing, count)
    greens = whole_seconds(targets, round(cycle - sum(between)), lows, highs)
    if greens is None:
        return None
    return greens, saturation(ratios, greens, cycle)


def green_bounds(timing: Timing, count: int) -> tuple[list[float], list[float]]:
    """Each green's shortest and longest shown green in a plan."""
    lows = [max(MIN_GREEN_FLOOR, timing.min_green_of(i)) for i in range(count)]
    return lows, [timing.max_green_of(i) for i in range(count)]


def saturation(ratios: Sequence[float], greens: Sequence[float], cycle: float) -> tuple[float, ...]:
    """Each green's degree of saturation x = y C / g, g its effective green
    (`hcm.effective_green`, as the sheet's lane groups and `explain` count it: a 4 s
    yellow and 2 s all-red add no green). Designed greens share the cycle by the flat
    lost time per phase (`Settings`): README, "How the plan is made", says why."""
    effective = [max(1.0, effective_green(g)) for g in greens]
    return tuple(y * cycle / g for y, g in zip(ratios, effective, strict=True))


def groups(
    positions: Mapping[str, Point], distance: float = COORDINATION_DISTANCE
) -> list[list[str]]:
    """Junctions chained by being within ``distance`` of one another, in a stable order."""
    names = sorted(positions)
    parent = {name: name for name in names}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for index, first in enumerate(names):
        for second in names[index + 1 :]:
            (x1, y1), (x2, y2) = positions[first], positions[second]
            if math.hypot(x1 - x2, y1 - y2) <= distance:
                parent[root(second)] = root(first)
    found: dict[str, list[str]] = {}
    for name in names:
        found.setdefault(root(name), []).append(name)
    return sorted(found.values(), key=lambda members: members[0])


@dataclass(frozen=True)
class Junction:
    """What designing one junction's plan needs: its greens, timing and flow ratios."""

    phases: PhaseSet
    timing: Timing
    ratios: tuple[float, ...]


def design_period(
    junctions: Mapping[str, Junction],
    coordinated: Sequence[Sequence[str]],
    settings: Settings,
) -> dict[str, JunctionPlan]:
    """Every junction's plan for one period, offsets zero.

    A group's cycle is the longest its members need (a member that cannot fill it within
    its max greens runs its own cycle, uncoordinated); ``coordinated`` lists the groups.
    """
    plans: dict[str, JunctionPlan] = {}
    for number, members in enumerate(coordinated):
        needs = {name: own_cycle(junctions[name].ratios, settings) for name in members}
        common = max(needs.values())
        for name in members:
            junction = junctions[name]
            cycle = common
            if len(members) > 1 and needs[name] <= common / 2 and common / 2 >= settings.min_cycle:
                cycle = common / 2
            result = split(junction.phases, junction.timing, junction.ratios, cycle, settings)
            if result is None:  # the common cycle does not fit: its own, if that does
                cycle = needs[name]
                result = split(junction.phases, junction.timing, junction.ratios, cycle, settings)
            if result is None:  # nor its own: the shortest cycle its min greens allow
                between = intergreens(junction.phases, junction.timing)
                lows, _ = green_bounds(junction.timing, len(between))
                cycle = float(math.ceil(sum(lows) + sum(between)))
                result = split(junction.phases, junction.timing, junction.ratios, cycle, settings)
                assert result is not None
            greens, saturation = result
            plans[name] = JunctionPlan(
                Plan(junction.phases, greens, junction.timing),
                cycle,
                0.0,
                number,
                junction.ratios,
                saturation,
            )
    return plans
