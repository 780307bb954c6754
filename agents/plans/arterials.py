"""Arterials: the chains of signals that the training demand's heaviest flows run along,
and the two-way green bandwidth a plan gives them.

An arterial is found from the routes vehicles drove (SUMO's vehroute output of training
demand): every pair of signals a vehicle passes one after the other is a link, weighted by
the vehicles (both ways) that drove it along its most driven road path. Links are taken
heaviest first into straight chains (each signal in one chain, at most two neighbours,
bending less than `MAX_TURN` at each, no loops);
chains of at least `MIN_SIGNALS` signals are arterials, the heaviest `MAX_ARTERIALS` kept.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sumolib

from stopline.scenarios import Scenario, reseeded
from stopline.scenarios.derived import observed_routes
from stopline.scenarios.geometry import Point, network_geometry
from stopline.scenarios.seeds import TRAINING_SEEDS
from stopline.scenarios.xmlfiles import elements, signal_links

from .design import JunctionPlan
from .timing_plan import TimingPlan

MIN_SIGNALS = 3
MAX_TURN = math.radians(35)  # an arterial bends less than this at a signal
MAX_ARTERIALS = 3
# Platoons travel a little under the limit: the progression speed as a share of it.
PROGRESSION = 0.9


@dataclass(frozen=True)
class Direction:
    """One way along an arterial: its signals in order, the road edges from the first
    signal's approach on, where each signal's stop line is (m from the start) and when a
    vehicle at the progression speed reaches it (s), and each signal's through links."""

    signals: tuple[str, ...]
    edges: tuple[str, ...]
    starts: tuple[float, ...]  # where each edge begins (m, the first signal's stop line 0)
    positions: tuple[float, ...]
    times: tuple[float, ...]
    links: tuple[tuple[int, ...], ...]

    @property
    def length(self) -> float:
        return self.positions[-1]


@dataclass(frozen=True)
class Arterial:
    """A chain of signals, with its two directions (``backward`` None on one-way roads)."""

    forward: Direction
    backward: Direction | None

    @property
    def name(self) -> str:
        return f"{self.forward.signals[0]}-{self.forward.signals[-1]}"


@functools.cache
def _net(path: Path) -> sumolib.net.Net:
    return sumolib.net.readNet(str(path), withInternal=False)


def _passages(routes: Path, approach: dict[str, str]) -> Counter[tuple[str, str, tuple[str, ...]]]:
    """(signal, next signal, edges from the first's approach to the next's) per vehicle."""
    found: Counter[tuple[str, str, tuple[str, ...]]] = Counter()
    for element in elements(routes):
        if element.tag != "vehicle":
            continue
        route = element.find("route")
        edges = route.get("edges", "").split() if route is not None else []
        stops = [(i, approach[edge]) for i, edge in enumerate(edges) if edge in approach]
        for (i, first), (j, second) in itertools.pairwise(stops):
            if first != second:
                found[first, second, tuple(edges[i : j + 1])] += 1
        element.clear()
    return found


def _straight(positions: dict[str, Point], before: str, middle: str, after: str) -> bool:
    """Whether before -> middle -> after keeps its heading (within `MAX_TURN`)."""
    (x0, y0), (x1, y1), (x2, y2) = positions[before], positions[middle], positions[after]
    turn = math.atan2(y2 - y1, x2 - x1) - math.atan2(y1 - y0, x1 - x0)
    return abs(math.remainder(turn, math.tau)) <= MAX_TURN


def _chains(weights: dict[frozenset[str], int], positions: dict[str, Point]) -> list[list[str]]:
    """Signals linked heaviest first into straight chains, each chain in order."""
    neighbours: dict[str, list[str]] = defaultdict(list)
    chain_of: dict[str, int] = {}
    numbers = itertools.count()
    for pair, _ in sorted(weights.items(), key=lambda item: (-item[1], sorted(item[0]))):
        a, b = sorted(pair)
        if len(neighbours[a]) >= 2 or len(neighbours[b]) >= 2:
            continue
        if any(
            not _straight(positions, other, end, new)
            for end, new in ((a, b), (b, a))
            for other in neighbours[end]
        ):
            continue
        if a in chain_of and b in chain_of and chain_of[a] == chain_of[b]:
            continue  # a loop
        neighbours[a].append(b)
        neighbours[b].append(a)
        merged = [x for x in (chain_of.get(a), chain_of.get(b)) if x is not None]
        number = merged[0] if merged else next(numbers)
        for name in (a, b):
            chain_of[name] = number
        for other in merged[1:]:
            for name, value in list(chain_of.items()):
                if value == other:
                    chain_of[name] = number
    members: dict[int, list[str]] = defaultdict(list)
    for name, number in chain_of.items():
        members[number].append(name)
    ordered = []
    for names in members.values():
        ends = sorted(name for name in names if len(neighbours[name]) == 1)
        path, previous = [ends[0]], None
        while len(path) < len(names):
            following = next(n for n in neighbours[path[-1]] if n != previous)
            previous = path[-1]
            path.append(following)
        ordered.append(path)
    return ordered


def _direction(
    net: sumolib.net.Net,
    signals: Sequence[str],
    paths: dict[tuple[str, str], tuple[str, ...]],
    links: dict[str, dict[int, tuple[str, str, str]]],
) -> Direction | None:
    edges: list[str] = []
    for first, second in itertools.pairwise(signals):
        path = paths.get((first, second))
        if path is None:
            return None
        edges += list(path) if not edges else list(path[1:])
    positions, times, through, starts = [], [], [], []
    distance = duration = 0.0
    index = 0
    for position, edge_id in enumerate(edges):
        edge = net.getEdge(edge_id)
        starts.append(distance)
        distance += edge.getLength()
        duration += edge.getLength() / (edge.getSpeed() * PROGRESSION)
        if index < len(signals) and any(
            source == edge_id for source, _, _ in links.get(signals[index], {}).values()
        ):
            following = edges[position + 1] if position + 1 < len(edges) else None
            positions.append(distance)
            times.append(duration)
            through.append(
                tuple(
                    sorted(
                        link
                        for link, (source, target, _) in links[signals[index]].items()
                        if source == edge_id and (following is None or target == following)
                    )
                )
            )
            index += 1
    if index < len(signals):
        return None
    start = positions[0]
    first_time = times[0]
    return Direction(
        tuple(signals),
        tuple(edges),
        tuple(p - start for p in starts),
        tuple(p - start for p in positions),
        tuple(t - first_time for t in times),
        tuple(through),
    )


@functools.cache
def arterials(scenario: Scenario) -> tuple[Arterial, ...]:
    """The scenario's arterials, heaviest first."""
    links = signal_links(scenario.net_file)
    approach = {source: tl for tl, found in links.items() for source, _, _ in found.values()}
    passages = _passages(observed_routes(reseeded(scenario, TRAINING_SEEDS[0])), approach)
    paths: dict[tuple[str, str], tuple[str, ...]] = {}
    weights: Counter[frozenset[str]] = Counter()
    for (first, second, path), count in passages.most_common():
        paths.setdefault((first, second), path)
        weights[frozenset((first, second))] += count
    net = _net(scenario.net_file)
    found = []
    positions = network_geometry(scenario.net_file).signals
    for chain in _chains(dict(weights), positions):
        if len(chain) < MIN_SIGNALS:
            continue
        forward = _direction(net, chain, paths, links)
        backward = _direction(net, chain[::-1], paths, links)
        if forward is None and backward is not None:
            forward, backward = backward, None
        if forward is not None:
            weight = sum(weights[frozenset(p)] for p in itertools.pairwise(chain))
            found.append((weight, Arterial(forward, backward)))
    found.sort(key=lambda item: -item[0])
    return tuple(arterial for _, arterial in found[:MAX_ARTERIALS])


def _through_green(junction: JunctionPlan | None, links: Sequence[int]) -> Callable[[float], bool]:
    """Whether the links show green at a time of day, under one junction's plan."""
    if junction is None or not links:
        return lambda time: True  # not under the plan: no constraint it can change
    steps = [(phase["state"], float(phase["duration"])) for phase in junction.plan.sumo_phases()]

    def green(time: float) -> bool:
        position = (time - junction.offset) % junction.cycle
        for state, seconds in steps:
            if position < seconds:
                return all(state[link] in "Gg" for link in links)
            position -= seconds
        return False

    return green


def band(plan: TimingPlan, period: int, direction: Direction) -> float:
    """The share of a cycle in which a vehicle leaving the first signal on green at the
    progression speed meets green at every signal (a one-way bandwidth, 0..1)."""
    signals = plan.plans[period]
    cycle = max(signals[s].cycle for s in direction.signals if s in signals)
    checks = [
        (_through_green(signals.get(signal), links), time)
        for signal, links, time in zip(
            direction.signals, direction.links, direction.times, strict=True
        )
    ]
    starts = range(int(cycle))
    through = sum(all(green(start + time) for green, time in checks) for start in starts)
    return through / len(starts)


def arterial_bandwidth(plan: TimingPlan, found: Sequence[Arterial]) -> float:
    """Two-way bandwidth summed over arterials, averaged over periods by duration."""
    total = weight = 0.0
    for index, period in enumerate(plan.periods):
        span = period.end - period.start
        for arterial in found:
            for direction in (arterial.forward, arterial.backward):
                if direction is not None:
                    total += span * band(plan, index, direction)
        weight += span
    return total / weight if weight else 0.0
