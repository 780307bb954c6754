"""Gridlock guard: vehicles that wait at a green with nowhere to go, read from SUMO's record.

A lane is *blocked* in a second when one of its links shows green, vehicles queue on it, and
that link's exit lane is queued back to its entry (its queue, SUMO's ``queueing_length``,
reaches within one vehicle of the lane's length). Its queued vehicles (queue length / 7.5 m)
count as blocked for that second. Summed over the controlled junctions and the window,
that is ``blocked`` vehicle-seconds: green given to a movement that cannot move, the start
of every gridlock. Read from SUMO's own records of the run (`records`): the signal state
every second and the queue on every lane every second, the same for every strategy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from stopline.envs.layout import VEHICLE_SPACE, NetLanes
from stopline.envs.phases import GREEN

from .records import SignalRecord


def link_lanes(net: NetLanes, junctions: Iterable[str]) -> set[str]:
    """Every incoming and outgoing lane of the junctions' signalled links."""
    return {
        lane
        for junction in junctions
        for pairs in net.links.get(junction, {}).values()
        for pair in pairs
        for lane in pair
    }


def blocked_seconds(
    states: Mapping[str, SignalRecord],
    queues: Mapping[str, Mapping[int, float]],
    net: NetLanes,
) -> float:
    """Vehicle-seconds queued at a green whose exit is queued to its entry (module doc), over
    the junctions of ``states``; ``queues`` by lane and second (`records.read_queues`)."""
    full = {
        lane: {
            second
            for second, length in by_second.items()
            if length > net.lanes[lane][0] - VEHICLE_SPACE
        }
        for lane, by_second in queues.items()
        if lane in net.lanes
    }
    blocked: dict[tuple[str, int], float] = {}  # (lane, second) -> vehicles, a lane once
    for junction, record in states.items():
        green = record.showing(GREEN)
        step = {int(second): index for index, second in enumerate(record.times)}
        for index, pairs in net.links.get(junction, {}).items():
            for into, out in pairs:
                waiting = queues.get(into, {})
                for second in full.get(out, set()) & waiting.keys():
                    row = step.get(second)
                    if row is not None and green[row, index]:
                        blocked[into, second] = waiting[second] / VEHICLE_SPACE
    return sum(blocked.values())
