"""What is measured at each decision: lane readings per junction and network totals.

Everything is read once per decision interval: lane values through one subscription
(`getAllSubscriptionResults`), network totals through SUMO's running statistics. Nothing
else in a step queries SUMO for the same values.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import traci.constants as tc

from .signal import GREEN, Signal

VEHICLE_SPACE = 7.5  # metres of lane one queued car takes, gap included
_LANE_VARIABLES = (
    tc.LAST_STEP_VEHICLE_NUMBER,
    tc.LAST_STEP_VEHICLE_HALTING_NUMBER,
    tc.VAR_WAITING_TIME,
    tc.LAST_STEP_MEAN_SPEED,
)


@dataclass(frozen=True)
class Layout:
    """The lanes one signal controls, read from SUMO once per simulation.

    ``movements[p]`` lists the (incoming, outgoing) lane index pairs that green ``p`` serves.
    """

    junction: str
    incoming: tuple[str, ...]
    outgoing: tuple[str, ...]
    in_capacity: np.ndarray
    out_capacity: np.ndarray
    in_speed_limit: np.ndarray
    movements: tuple[tuple[tuple[int, int], ...], ...]

    @classmethod
    def read(cls, api: Any, signal: Signal) -> Layout:
        links = api.trafficlight.getControlledLinks(signal.junction)
        pairs = [(link[0][0], link[0][1]) if link else None for link in links]
        incoming = tuple(dict.fromkeys(pair[0] for pair in pairs if pair))
        outgoing = tuple(dict.fromkeys(pair[1] for pair in pairs if pair))
        movements = []
        for green in signal.greens:
            served = {
                (incoming.index(pair[0]), outgoing.index(pair[1]))
                for pair, light in zip(pairs, green, strict=False)
                if pair and light in GREEN
            }
            movements.append(tuple(sorted(served)))
        lengths = lambda lanes: np.array([api.lane.getLength(lane) for lane in lanes])  # noqa: E731
        return cls(
            junction=signal.junction,
            incoming=incoming,
            outgoing=outgoing,
            in_capacity=np.maximum(1.0, lengths(incoming) / VEHICLE_SPACE),
            out_capacity=np.maximum(1.0, lengths(outgoing) / VEHICLE_SPACE),
            in_speed_limit=np.array([api.lane.getMaxSpeed(lane) for lane in incoming]),
            movements=tuple(movements),
        )


@dataclass(frozen=True)
class JunctionState:
    """One junction at one decision: its signal and what is on its lanes (per-lane arrays)."""

    layout: Layout
    phase: int
    num_phases: int
    green_time: float
    min_green_passed: bool
    in_transition: bool
    vehicles: np.ndarray
    halting: np.ndarray
    waiting: np.ndarray
    speed: np.ndarray
    out_vehicles: np.ndarray
    out_halting: np.ndarray

    def pressure(self) -> np.ndarray:
        """Per green: sum over its movements of (queue in - queue out), Varaiya's pressure."""
        return np.array(
            [
                sum(self.halting[i] - self.out_halting[o] for i, o in served)
                for served in self.layout.movements
            ],
            dtype=float,
        )


@dataclass(frozen=True)
class NetworkTotals:
    """Network-wide counts at a decision; the cumulative ones count from the start."""

    time: float
    running: int
    inserted: int
    backlog: int
    teleports: int
    halting: int  # on the controlled incoming lanes, now
    waiting_time: float  # of the vehicles halted there, seconds

    @property
    def arrived(self) -> int:
        return self.inserted - self.running


class Meter:
    """Reads every controlled lane and the network totals, once per decision."""

    def __init__(self, api: Any, layouts: Sequence[Layout]) -> None:
        self.api = api
        lanes = [lane for lay in layouts for lane in (*lay.incoming, *lay.outgoing)]
        self._lanes = list(dict.fromkeys(lanes))
        position = {lane: index for index, lane in enumerate(self._lanes)}
        # Each junction's incoming then outgoing lanes, junction after junction: one gather
        # per decision orders the table so that every junction's rows are two plain slices.
        order: list[int] = []
        self._slices: dict[str, tuple[slice, slice]] = {}
        for lay in layouts:
            start = len(order)
            order += [position[lane] for lane in lay.incoming]
            middle = len(order)
            order += [position[lane] for lane in lay.outgoing]
            self._slices[lay.junction] = (slice(start, middle), slice(middle, len(order)))
        self._order = np.array(order, dtype=np.intp)
        self._incoming = np.unique(
            np.array([position[lane] for lay in layouts for lane in lay.incoming], dtype=np.intp)
        )
        self._row = operator.itemgetter(*_LANE_VARIABLES)
        for lane in self._lanes:
            api.lane.subscribe(lane, _LANE_VARIABLES)

    def lanes(self) -> np.ndarray:
        """One row per controlled lane: vehicles, halting, waiting seconds, mean speed (each
        lane once; `junction_rows` orders it by junction)."""
        results = self.api.lane.getAllSubscriptionResults()
        row = self._row  # one C-level lookup of the four values per lane, not four in Python
        table = np.array([row(results[lane]) for lane in self._lanes], dtype=float)
        return table.reshape(len(self._lanes), len(_LANE_VARIABLES))

    def junction_rows(self, table: np.ndarray) -> np.ndarray:
        """The lane table gathered junction by junction (see `junction_state`)."""
        return table[self._order]

    def totals(self, now: float, table: np.ndarray) -> NetworkTotals:
        """Network counts from SUMO's running statistics at time ``now``, and the halted
        vehicles and their waiting seconds on every controlled incoming lane (``table``)."""
        stats = self.api.simulation.getParameter
        incoming = table[self._incoming]
        return NetworkTotals(
            time=now,
            running=int(stats("", "stats.vehicles.running")),
            inserted=int(stats("", "stats.vehicles.inserted")),
            backlog=int(stats("", "stats.vehicles.waiting")),
            teleports=int(stats("", "stats.teleports.total")),
            halting=int(incoming[:, 1].sum()),
            waiting_time=float(incoming[:, 2].sum()),
        )

    def junction_state(
        self, layout: Layout, signal: Signal, now: float, rows: np.ndarray
    ) -> JunctionState:
        """One junction's state, cut from the interval's `junction_rows`."""
        inbound_rows, outbound_rows = self._slices[layout.junction]
        inbound, outbound = rows[inbound_rows], rows[outbound_rows]
        return JunctionState(
            layout=layout,
            phase=signal.phase,
            num_phases=signal.num_phases,
            green_time=signal.green_time(now),
            min_green_passed=signal.min_green_passed(now),
            in_transition=signal.in_transition,
            vehicles=inbound[:, 0],
            halting=inbound[:, 1],
            waiting=inbound[:, 2],
            speed=inbound[:, 3],
            out_vehicles=outbound[:, 0],
            out_halting=outbound[:, 1],
        )
