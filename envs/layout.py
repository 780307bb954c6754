"""The lanes each signal controls, read from the network file (no simulation needed).

Environments size their spaces from layouts before SUMO ever starts; at every start the
simulation checks that SUMO signals as many links as the programme the layout was read for.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stopline.scenarios.xmlfiles import elements

from .phases import GREEN, PhaseSet

VEHICLE_SPACE = 7.5  # metres of lane one queued car takes, gap included


@dataclass(frozen=True)
class NetLanes:
    """What a network file says about signalised links and lanes.

    ``links[light][index]`` lists the (incoming lane, outgoing lane) pairs the light's link
    ``index`` controls, in the file's order; ``lanes[lane]`` is its (length, speed limit);
    ``crossings[light][index]`` the longest path of the link through the junction, its
    internal lanes end to end (m; 0 where the net has no internal lanes);
    ``walkways[light][index]`` the length of the pedestrian crossing a link controls (m),
    for the links that control one.
    """

    links: dict[str, dict[int, list[tuple[str, str]]]]
    lanes: dict[str, tuple[float, float]]
    crossings: dict[str, dict[int, float]]
    walkways: dict[str, dict[int, float]]


@functools.cache
def net_lanes(net: Path) -> NetLanes:
    """The signalised links and every lane of ``net`` (read once per file)."""
    links: dict[str, dict[int, list[tuple[str, str]]]] = {}
    lanes: dict[str, tuple[float, float]] = {}
    vias: dict[str, dict[int, list[str]]] = {}  # the first internal lane of each link
    onward: dict[str, str] = {}  # internal lane -> the internal lane after it
    walked: set[str] = set()  # the edges that are pedestrian crossings
    for element in elements(net):
        get = element.get
        if element.tag == "edge" and get("function") == "crossing":
            walked.add(get("id", ""))
        if element.tag == "lane":
            lanes[get("id", "")] = (float(get("length", "0")), float(get("speed", "0")))
        elif element.tag == "connection" and get("tl") and get("linkIndex"):
            pair = (f"{get('from')}_{get('fromLane')}", f"{get('to')}_{get('toLane')}")
            index = int(get("linkIndex", "0"))
            links.setdefault(get("tl", ""), {}).setdefault(index, []).append(pair)
            vias.setdefault(get("tl", ""), {}).setdefault(index, []).append(get("via", ""))
        elif element.tag == "connection" and get("from", "").startswith(":") and get("via"):
            onward[f"{get('from')}_{get('fromLane')}"] = get("via", "")
        element.clear()  # read: keep memory flat on city-sized nets

    def through(lane: str) -> float:
        """Length from ``lane`` (an internal lane) to the junction's far side."""
        length, seen = 0.0, set()
        while lane and lane not in seen:
            seen.add(lane)
            length += lanes.get(lane, (0.0, 0.0))[0]
            lane = onward.get(lane, "")
        return length

    crossings = {
        light: {index: max(map(through, firsts)) for index, firsts in own.items()}
        for light, own in vias.items()
    }
    walkways = {
        light: {
            index: max(lanes.get(target, (0.0, 0.0))[0] for _, target in pairs)
            for index, pairs in own.items()
            # A crossing's link leads from a walking area onto the crossing.
            if any(target.rpartition("_")[0] in walked for _, target in pairs)
        }
        for light, own in links.items()
    }
    return NetLanes(links, lanes, crossings, walkways)


@dataclass(frozen=True)
class Layout:
    """The lanes one signal controls, in link-index order.

    ``movements[p]`` lists the (incoming, outgoing) lane index pairs that green ``p`` serves.
    """

    junction: str
    incoming: tuple[str, ...]
    outgoing: tuple[str, ...]
    in_capacity: np.ndarray
    out_capacity: np.ndarray
    in_speed_limit: np.ndarray
    movements: tuple[tuple[tuple[int, int], ...], ...]

    @functools.cached_property
    def links(self) -> tuple[np.ndarray, np.ndarray]:
        """Per green, how many of its (incoming, outgoing) pairs start on each incoming lane
        and end on each outgoing lane (greens x lanes): per-green sums over movements are
        then one matrix product per decision, not a loop over lanes."""
        into = np.zeros((len(self.movements), len(self.incoming)))
        out = np.zeros((len(self.movements), len(self.outgoing)))
        for green, pairs in enumerate(self.movements):
            for i, o in pairs:
                into[green, i] += 1.0
                out[green, o] += 1.0
        return into, out

    @functools.cached_property
    def served(self) -> tuple[np.ndarray, np.ndarray]:
        """Per green, which incoming and which outgoing lanes it serves (0/1, greens x lanes)."""
        into, out = self.links
        return np.minimum(into, 1.0), np.minimum(out, 1.0)

    @functools.cached_property
    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every (green, incoming lane, outgoing lane) movement as three flat index arrays,
        so per-movement figures are a gather and per-green sums one ``bincount``."""
        flat = np.array(
            [(green, i, o) for green, pairs in enumerate(self.movements) for i, o in pairs],
            dtype=np.intp,
        ).reshape(-1, 3)
        return flat[:, 0], flat[:, 1], flat[:, 2]

    @functools.cached_property
    def exits(self) -> tuple[np.ndarray, np.ndarray]:
        """Every distinct (incoming lane, outgoing lane) movement, whichever greens serve it,
        as two flat index arrays."""
        _, into, out = self.pairs
        distinct = sorted({(i, o) for i, o in zip(into.tolist(), out.tolist(), strict=True)})
        flat = np.array(distinct, dtype=np.intp).reshape(-1, 2)
        return flat[:, 0], flat[:, 1]

    @functools.cached_property
    def lane_exits(self) -> np.ndarray:
        """Per incoming lane: how many outgoing lanes its movements lead to (at least 1). A
        shared lane's queue is split equally among them (`JunctionState.share`): which way
        each halted vehicle turns is not observed."""
        counts = np.bincount(self.exits[0], minlength=len(self.incoming))
        return np.maximum(1, counts).astype(float)

    @functools.cached_property
    def movement_capacity(self) -> np.ndarray:
        """Per green, the capacity of the incoming lanes summed over its movements (a lane
        once per movement, as pressure counts its queue; at least 1)."""
        return np.maximum(1.0, self.links[0] @ self.in_capacity)

    @functools.cached_property
    def green_movements(self) -> np.ndarray:
        """Per green, how many (incoming, outgoing) movements it serves (at least 1)."""
        return np.maximum(1.0, self.links[0].sum(axis=1))

    @functools.cached_property
    def green_capacity(self) -> np.ndarray:
        """Per green, the capacity of the incoming lanes it serves (vehicles, at least 1)."""
        return np.maximum(1.0, self.served[0] @ self.in_capacity)

    @classmethod
    def of(cls, net: Path, phases: PhaseSet) -> Layout:
        """The layout of light ``phases.junction`` of ``net``, its greens from ``phases``."""
        found = net_lanes(net)
        indexed = found.links.get(phases.junction, {})
        pairs = {index: indexed[index] for index in sorted(indexed)}
        incoming = tuple(dict.fromkeys(i for group in pairs.values() for i, _ in group))
        outgoing = tuple(dict.fromkeys(o for group in pairs.values() for _, o in group))
        movements = []
        for green in phases.greens:
            served = {
                (incoming.index(i), outgoing.index(o))
                for index, group in pairs.items()
                if index < len(green) and green[index] in GREEN
                for i, o in group
            }
            movements.append(tuple(sorted(served)))
        length = lambda lanes: np.array([found.lanes[lane][0] for lane in lanes])  # noqa: E731
        return cls(
            junction=phases.junction,
            incoming=incoming,
            outgoing=outgoing,
            in_capacity=np.maximum(1.0, length(incoming) / VEHICLE_SPACE),
            out_capacity=np.maximum(1.0, length(outgoing) / VEHICLE_SPACE),
            in_speed_limit=np.array([found.lanes[lane][1] for lane in incoming]),
            movements=tuple(movements),
        )
