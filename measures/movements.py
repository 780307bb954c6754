"""Movement-level results per signalised junction, after the HCM 6th edition (Chapter 19,
signalised intersections), from SUMO's own outputs of one run.

- *Lane group*: the lanes of one approach that serve the same movements (left, through,
  right, U-turn): an exclusive left-turn lane is a group of its own, a shared
  through-right lane another, as the HCM forms them.
- *Volume* v: vehicles that crossed the group's stop lines (laneData ``left``), as an
  hourly rate over the window.
- *Control delay* (`hcm.control_delay`, the one definition): SUMO's time loss on the
  group's lanes and on the junction's internal lanes its links lead through, per vehicle
  that crossed. It holds deceleration, stopped, move-up and acceleration delay up to the
  far side of the junction; the rest of the acceleration, on the exit road, is not
  counted (so it reads slightly low against a field study that follows vehicles until
  they regain speed).
- *Capacity* c = N s g/C: lanes, saturation flow per lane (`hcm.SATURATION_FLOW`, as
  plans are designed with) and the effective green share: each green period of the
  group's links as effective green g = G + e - l1 (`hcm.effective_green`: 1 s less, the
  same under any yellow and all-red), over the window. Permitted left turns are not
  reduced for opposing flow here, so their v/c reads low (a plan's planned v/c,
  `planned_groups`, does reduce them). *v/c* = v / c.
- *95th-percentile back of queue*: the longest queue on any lane of the group (SUMO's
  queue length, stop line to the back of the last halted vehicle) reached in each cycle,
  a cycle running from one end of the group's green to the next; the 95th percentile over
  the cycles (over the whole window if the group never stopped). In metres and in
  vehicles at `VEHICLE_SPACE`.
- *LOS* by control delay, with the signalised thresholds in `hcm.LOS_THRESHOLDS`.

A junction's control delay and LOS (`junction_results`) are the same definition over all
its lane groups, an approach's (`approach_results`) over the approach's groups.

Each figure is given over the whole window and for each 15-minute analysis period (the
HCM analyses the peak 15 minutes; volumes are then hourly flow rates).

Approaches are named by their travel direction (NB, EB, SB, WB) from the lane's last
stretch before the stop line, and by the edge.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from stopline.envs.layout import VEHICLE_SPACE
from stopline.envs.phases import GREEN
from stopline.scenarios.clock import span
from stopline.scenarios.xmlfiles import elements

from .hcm import (
    SATURATION_FLOW,
    control_delay,
    effective_green,
    level_of_service,
    permitted_left_flow,
)
from .records import LaneTotals, SignalRecord, intervals, summed, worst_queue
from .trips import percentile

WINDOW = "window"  # the period of figures over the whole simulated window
TURNS = {"l": "L", "L": "L", "s": "T", "r": "R", "R": "R", "t": "U"}
TURN_ORDER = "ULTR"
LEFT_TURNS = "LU"  # turns across opposing traffic (right-hand driving)


@dataclass(frozen=True)
class Link:
    """One signalised connection: its index, approach lane, turn and internal lanes."""

    index: int
    edge: str
    lane: str
    turn: str
    internal: tuple[str, ...]
    target: str = ""  # the edge it leads to


@dataclass(frozen=True)
class LaneGroup:
    """Lanes of one approach that serve the same movements."""

    junction: str
    edge: str
    bound: str
    turns: str
    lanes: tuple[str, ...]
    links: tuple[Link, ...]

    @property
    def name(self) -> str:
        return f"{self.bound} {self.turns}"

    @property
    def turning(self) -> bool:
        """Whether every movement it serves is a left or U-turn (an exclusive turn lane)."""
        return all(link.turn in LEFT_TURNS for link in self.links)

    @property
    def internal_lanes(self) -> tuple[str, ...]:
        """The junction's internal lanes the group's links lead through."""
        return tuple(lane for link in self.links for lane in link.internal)


def _bound(shape: str) -> str:
    """NB/EB/SB/WB: the travel direction of a lane's last stretch (its shape's last two
    points); SUMO's y axis points north."""
    points = [tuple(float(v) for v in point.split(",")[:2]) for point in shape.split()]
    (x0, y0), (x1, y1) = points[-2], points[-1]
    heading = math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360
    return ("NB", "EB", "SB", "WB")[int(((heading + 45) % 360) // 90)]


def lane_groups(net: Path, junctions: Sequence[str]) -> dict[str, list[LaneGroup]]:
    """Each junction's lane groups, read from the net in one pass."""
    shapes: dict[str, str] = {}
    links: dict[str, list[tuple[int, str, str, str, str, str]]] = defaultdict(list)
    onward: dict[str, str] = {}  # internal lane -> the internal lane after it
    wanted = set(junctions)
    for element in elements(net):
        if element.tag == "lane" and not element.get("id", "").startswith(":"):
            shapes[element.get("id", "")] = element.get("shape", "")
        elif element.tag == "connection":
            source, via = element.get("from", ""), element.get("via", "")
            lane = f"{source}_{element.get('fromLane', '0')}"
            if element.get("tl") in wanted and not source.startswith(":"):
                # (A link from an internal edge is a pedestrian crossing's: not traffic.)
                links[element.get("tl", "")].append(
                    (
                        int(element.get("linkIndex", "-1")),
                        source,
                        lane,
                        element.get("dir", "s"),
                        via,
                        element.get("to", ""),
                    )
                )
            elif source.startswith(":") and via:
                onward[lane] = via
        element.clear()
    groups: dict[str, list[LaneGroup]] = {}
    for junction in sorted(links):
        by_lane: dict[str, list[Link]] = defaultdict(list)
        for index, edge, lane, direction, via, target in sorted(links[junction]):
            chain = [via] if via else []
            while chain and chain[-1] in onward:
                chain.append(onward[chain[-1]])
            turn = TURNS.get(direction, "T")
            by_lane[lane].append(Link(index, edge, lane, turn, tuple(chain), target))
        grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
        for lane, own in by_lane.items():
            turns = "".join(t for t in TURN_ORDER if any(link.turn == t for link in own))
            grouped[(own[0].edge, turns)].append(lane)
        groups[junction] = [
            LaneGroup(
                junction,
                edge,
                _bound(shapes.get(lanes[0], "0,0 0,1")),
                turns,
                tuple(sorted(lanes)),
                tuple(link for lane in sorted(lanes) for link in by_lane[lane]),
            )
            for (edge, turns), lanes in sorted(grouped.items())
        ]
    return groups


BOUND_ORDER = ("NB", "EB", "SB", "WB")


def phase_movements(groups: Sequence[LaneGroup], state: str) -> str:
    """The movements a signal state serves, named as an engineer keys them: approach by
    travel direction and turns ("EB T+R"); a left or U-turn on a protected green (SUMO's
    ``G``) marked "(protected)", any movement that must yield (``g``) "(permitted)".
    Movements of one approach and kind are joined; "none" if the state serves none."""
    served: dict[tuple[str, str], set[str]] = defaultdict(set)
    for group in groups:
        for link in group.links:
            signal = state[link.index] if link.index < len(state) else "r"
            if signal == "G":
                kind = "(protected)" if link.turn in LEFT_TURNS else ""
            elif signal == "g":
                kind = "(permitted)"
            else:
                continue
            served[group.bound, kind].add(link.turn)
    kinds = ("", "(protected)", "(permitted)")
    names = [
        f"{bound} {'+'.join(t for t in TURN_ORDER if t in served[bound, kind])} {kind}".strip()
        for kind in kinds
        for bound in BOUND_ORDER
        if served.get((bound, kind))
    ]
    return ", ".join(names) or "none"


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index of each run of True in ``flags``."""
    change = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    return list(
        zip(
            np.flatnonzero(change == 1).tolist(), np.flatnonzero(change == -1).tolist(), strict=True
        )
    )


def green_share(green: np.ndarray) -> float:
    """The effective green share of a lane group whose links show green in the seconds
    ``green`` flags: each green run's effective green (`hcm.effective_green`), over all
    the seconds."""
    effective = sum(effective_green(end - start) for start, end in _runs(green))
    return effective / len(green) if len(green) else 0.0


def lane_flows(
    links: Iterable[tuple[str, str, str]], flows: Mapping[tuple[str, str], float]
) -> dict[str, float]:
    """Each lane's flow from the (from edge, to edge) movement ``flows``, given the
    (from edge, to edge, lane) of every link: a movement's flow is shared equally by the
    lanes that serve it."""
    serving: dict[tuple[str, str], set[str]] = defaultdict(set)
    for source, target, lane in links:
        serving[source, target].add(lane)
    found: dict[str, float] = defaultdict(float)
    for movement, lanes in serving.items():
        for lane in lanes:
            found[lane] += flows.get(movement, 0.0) / len(lanes)
    return dict(found)


OPPOSITE = {"NB": "SB", "SB": "NB", "EB": "WB", "WB": "EB"}


def planned_rates(
    group: LaneGroup,
    phases: Sequence[Mapping[str, Any]],
    opposing: Sequence[float],
) -> np.ndarray:
    """Second by second over one cycle of a fixed plan (``phases``: each with ``state``,
    ``green``, ``yellow`` and ``all_red`` seconds), the saturation flow per lane at which
    the group's links discharge while green (0 elsewhere): through a green that shows
    them, and its yellow and all-red too where the next green shows them again;
    an exclusive left- or U-turn group that must yield discharges at the HCM's permitted
    rate (`hcm.permitted_left_flow`) against ``opposing``, each phase's opposing flow."""
    indices = [link.index for link in group.links]

    def rate(state: str, number: int) -> float:
        shown = [state[i] for i in indices if i < len(state)]
        if "G" in shown:
            return SATURATION_FLOW
        if "g" in shown:
            return permitted_left_flow(opposing[number]) if group.turning else SATURATION_FLOW
        return 0.0

    rates: list[float] = []
    for number, phase in enumerate(phases):
        own = rate(phase["state"], number)
        onward = rate(phases[(number + 1) % len(phases)]["state"], number)
        rates += [own] * round(phase["green"])
        # Links the next green shows again keep their green through the change.
        rates += [own if onward else 0.0] * round(phase["yellow"] + phase["all_red"])
    found = np.asarray(rates, dtype=float)
    # A run across the cycle's end is one run: start the count at a closed second.
    closed = np.flatnonzero(found <= 0)
    return np.roll(found, -int(closed[0])) if len(closed) else found


def planned_capacity(rates: np.ndarray) -> float:
    """Vehicles per hour one lane discharges at ``rates`` (`planned_rates`): each green
    run's effective green (`hcm.effective_green`) at the run's mean rate."""
    if not len(rates):
        return 0.0
    served = 0.0
    for start, end in _runs(rates > 0):
        served += float(rates[start:end].mean()) * effective_green(end - start)
    return served / len(rates)


def planned_groups(
    groups: Sequence[LaneGroup],
    phases: Sequence[Mapping[str, Any]],
    flows: Mapping[tuple[str, str], float],
) -> list[dict[str, Any]]:
    """Each lane group's planned figures under a fixed plan's cycle (`planned_rates`):
    its lanes, flow v (PCU/h, from the movement ``flows``), effective green share g/C,
    capacity c = N x (saturation flow x g)/C (`planned_capacity`) and v/c (None where it
    has no capacity). A permitted left's opposing flow is the flow of the opposite
    approach's groups that are not turning left and have priority in that phase."""
    flow = lane_flows(
        ((link.edge, link.target, link.lane) for group in groups for link in group.links), flows
    )
    volume = {group: sum(flow.get(lane, 0.0) for lane in group.lanes) for group in groups}

    def opposing(group: LaneGroup) -> list[float]:
        return [
            sum(
                volume[other]
                for other in groups
                if other.bound == OPPOSITE.get(group.bound)
                and not other.turning
                and any(phase["state"][link.index : link.index + 1] == "G" for link in other.links)
            )
            for phase in phases
        ]

    rows = []
    for group in groups:
        rates = planned_rates(group, phases, opposing(group))
        capacity = len(group.lanes) * planned_capacity(rates)
        rows.append(
            {
                "lane_group": group.name,
                "approach": group.edge,
                "lanes": len(group.lanes),
                "flow": volume[group],
                "green_share": green_share(rates > 0),
                "capacity": capacity,
                "v_c": volume[group] / capacity if capacity else None,
            }
        )
    return rows


def group_result(
    group: LaneGroup,
    record: SignalRecord,
    totals: LaneTotals,
    queue: Mapping[int, float],
    window: tuple[float, float],
) -> dict[str, Any]:
    """One lane group's HCM figures over ``window`` (see the module's definitions), from
    the record and lane ``totals`` of that window and the group's longest lane queue by
    second (`records.worst_queue`)."""
    hours = (window[1] - window[0]) / 3600
    indices = [link.index for link in group.links]
    green = np.asarray(record.showing(GREEN)[:, indices].any(axis=1))
    # One entry per second of the record.
    share = green_share(np.asarray(record.showing(GREEN)[:, indices].any(axis=1)))
    delay, crossed = control_delay(totals, group.lanes, group.internal_lanes)
    volume = crossed / hours
    capacity = len(group.lanes) * SATURATION_FLOW * share
    # Cycles end where the group's green ends; the back of queue peaks once in each.
    ends = [round(record.times[end - 1]) for _, end in _runs(green)]
    bounds = sorted({round(window[0]), *ends, round(window[1])})
    peaks = [0.0] * (len(bounds) - 1)
    for second, length in queue.items():
        cycle = bisect.bisect_right(bounds, second) - 1
        if 0 <= cycle < len(peaks):
            peaks[cycle] = max(peaks[cycle], length)
    back = percentile(peaks, 0.95)
    return {
        "junction": group.junction,
        "approach": f"{group.bound} {group.edge}",
        "lane_group": group.name,
        "lanes": len(group.lanes),
        "volume": volume,
        "capacity": capacity,
        "v_c": volume / capacity if capacity else None,
        "green_share": share,
        "control_delay": delay,
        "los": level_of_service(delay) if crossed else "-",
        "queue_95": back,
        "queue_95_vehicles": back / VEHICLE_SPACE,
        "vehicles": crossed,
    }


def approach_lanes(groups: Iterable[LaneGroup]) -> dict[str, set[str]]:
    """Each approach edge of ``groups`` and its lanes."""
    found: dict[str, set[str]] = defaultdict(set)
    for group in groups:
        found[group.edge].update(group.lanes)
    return dict(found)


def movement_rows(
    groups: Mapping[str, Sequence[LaneGroup]],
    states: Mapping[str, SignalRecord],
    totals: Mapping[float, LaneTotals],
    queues: Mapping[str, Mapping[int, float]],
    window: tuple[float, float],
) -> list[dict[str, Any]]:
    """Every lane group's figures over the window (``period`` `WINDOW`) and, where the
    window holds more than one, in each 15-minute analysis period (``period`` HH:MM-HH:MM:
    the HCM's analysis period, flows as hourly rates)."""
    spans = intervals(window)
    whole = summed(totals)
    rows = []
    for junction, own in groups.items():
        record = states[junction]
        for group in own:
            queue = worst_queue(queues, group.lanes)
            rows.append({"period": WINDOW, **group_result(group, record, whole, queue, window)})
            for low, high in spans if len(spans) > 1 else ():
                part = record.between(low, high)
                figures = group_result(group, part, totals.get(low, {}), queue, (low, high))
                rows.append({"period": span(low, high), **figures})
    return rows


def junction_results(
    groups: Mapping[str, Sequence[LaneGroup]], totals: LaneTotals
) -> dict[str, dict[str, Any]]:
    """Per junction, over the lane totals of the window: control delay over all its lane
    groups, the vehicles that crossed its stop lines, and its LOS."""
    result = {}
    for junction, own in sorted(groups.items()):
        delay, crossed = control_delay(
            totals,
            [lane for group in own for lane in group.lanes],
            [lane for group in own for lane in group.internal_lanes],
        )
        result[junction] = {
            "control_delay": delay,
            "vehicles": crossed,
            "los": level_of_service(delay),
        }
    return result


def approach_results(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per approach: control delay over its lane groups (their figures weighted by the
    vehicles that crossed: the same sum of time loss over the same vehicles as
    `hcm.control_delay`), its LOS, volume, and the worst v/c and 95th-percentile queue
    among its groups."""
    by_approach: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        by_approach[(row["junction"], row["approach"])].append(row)
    result = []
    for (junction, approach), own in sorted(by_approach.items()):
        crossed = sum(row["vehicles"] for row in own)
        delay = (
            sum(row["control_delay"] * row["vehicles"] for row in own) / crossed if crossed else 0.0
        )
        ratios = [row["v_c"] for row in own if row["v_c"] is not None]
        result.append(
            {
                "junction": junction,
                "approach": approach,
                "lane_group": "approach",
                "volume": sum(row["volume"] for row in own),
                "v_c": max(ratios, default=None),
                "control_delay": delay,
                "los": level_of_service(delay) if crossed else "-",
                "queue_95": max(row["queue_95"] for row in own),
                "vehicles": crossed,
            }
        )
    return result
