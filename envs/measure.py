"""What is measured at each decision: lane readings per junction and network totals.

Everything is read once per decision interval, and only what the chosen observation and
reward read (`READINGS`). Over libsumo each value is one direct call (cheaper than
subscription results, which libsumo converts into one dictionary per lane); over TraCI,
where every call is a socket round trip, lanes are subscribed and read in one message.
Network totals come from SUMO's running statistics.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import traci.constants as tc

from .layout import Layout
from .signal import Signal

# The lane table's rows: what is read per lane, SUMO's variable and its libsumo getter.
_VARIABLES = (
    ("vehicles", tc.LAST_STEP_VEHICLE_NUMBER, "getLastStepVehicleNumber"),
    ("halting", tc.LAST_STEP_VEHICLE_HALTING_NUMBER, "getLastStepHaltingNumber"),
    ("waiting", tc.VAR_WAITING_TIME, "getWaitingTime"),
    ("speed", tc.LAST_STEP_MEAN_SPEED, "getLastStepMeanSpeed"),
)
_ROW = {name: row for row, (name, _, _) in enumerate(_VARIABLES)}
# The per-lane readings of a `JunctionState`: on its incoming lanes, and (``out_``) on its
# outgoing lanes. Observations and rewards name those they read.
READINGS = frozenset({*_ROW, "out_vehicles", "out_halting"})
# The share of an exit lane's storage that makes it full (`JunctionState.open_exits`), for
# the strategies' spillback rule and the `movable` observation. Not tuned: between the
# shares tried on training seeds (0.7 and 1.0 for max-pressure on `helsinki` at 1.5x, with
# an earlier form of the rule: 107.0 and 99.9 s against 96.0).
EXIT_FULL = 0.85
# Network totals sum these on the controlled incoming lanes: read whatever else is chosen.
_ALWAYS = frozenset({"halting", "waiting"})


def _lane_getter(api: Any, name: str) -> Any:
    """libsumo's flat SWIG function for ``lane.<name>`` where there is one: the same call
    without libsumo's Python wrapper around it (one Python frame per lane and reading,
    every decision); else the domain's own method."""
    flat = getattr(getattr(api, "_libsumo", None), f"lane_{name}", None)
    return flat if flat is not None else getattr(api.lane, name)


def checked_readings(names: Iterable[str]) -> frozenset[str]:
    """``names`` as a set, each one of `READINGS`."""
    chosen = frozenset(names)
    if unknown := chosen - READINGS:
        raise ValueError(f"unknown lane readings {sorted(unknown)}; choose from {sorted(READINGS)}")
    return chosen


class JunctionState(NamedTuple):
    """One junction at one decision: its signal and what is on its lanes (per-lane arrays).

    Readings the environment's observation and reward do not read are NaN. (A named tuple:
    immutable, and built several times faster than a frozen dataclass, every decision.)
    """

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

    @classmethod
    def blank(cls, layout: Layout, num_phases: int) -> JunctionState:
        """An empty junction on its first green: what an environment sizes its spaces by."""
        inbound, outbound = np.zeros(len(layout.incoming)), np.zeros(len(layout.outgoing))
        return cls(layout, 0, num_phases, 0.0, False, False, *[inbound] * 4, *[outbound] * 2)

    def pressure(self, exit_full: float | None = None) -> np.ndarray:
        """Per green: sum over its movements of (queue in - queue out), Varaiya's pressure.

        With ``exit_full`` a movement whose exit has no room (`open_movements`) adds no
        positive pressure: its queue cannot move, however long it is.
        """
        _, into, out = self.layout.pairs
        weights = self.halting[into] - self.out_halting[out]
        if exit_full is not None:
            blocked = ~self.open_movements(exit_full)
            weights[blocked] = np.minimum(weights[blocked], 0.0)
        return self.per_green(weights)

    def open_exits(self, exit_full: float) -> np.ndarray:
        """Per outgoing lane: whether it has room, i.e. fewer vehicles stand on it than
        ``exit_full`` of its storage, and at least one fewer than it holds (a short lane
        inside a junction cluster takes one or two).

        Standing (halted) vehicles, not all vehicles: a moving one makes room. Counting
        every vehicle called a one-car lane full whenever a car crossed it, which zeroed
        the pressure of a city cluster's through movements: max-pressure on `helsinki` at
        1.5x, training seeds 1-10, was 10.6 ± 9.2 s worse than the classic rule, paired;
        counting standing ones, 0.5 ± 0.8.
        """
        storage = self.layout.out_capacity
        limit = np.minimum(exit_full * storage, storage - 1.0)
        return self.out_halting < np.maximum(limit, 1.0)

    def open_movements(self, exit_full: float) -> np.ndarray:
        """Per movement (`Layout.pairs` order): whether its exit has room (`open_exits`)."""
        return self.open_exits(exit_full)[self.layout.pairs[2]]

    def movable_share(self, exit_full: float | None = None) -> np.ndarray:
        """Per incoming lane: the share of its exits with room (all of them without
        ``exit_full``): the part of its queue some green could move."""
        if exit_full is None:
            return np.ones(len(self.layout.incoming))
        into, out = self.layout.exits
        room = np.bincount(into, self.open_exits(exit_full)[out], len(self.layout.incoming))
        return room / self.layout.lane_exits

    def share(self, readings: np.ndarray, exit_full: float | None = None) -> np.ndarray:
        """Per movement (`Layout.pairs` order): its share of a per-lane reading of the
        incoming lanes (a lane's reading split equally among its exits, `Layout.lane_exits`);
        with ``exit_full``, nothing for a movement whose exit is full: that part of the
        queue cannot move."""
        _, into, _ = self.layout.pairs
        shares = readings[into] / self.layout.lane_exits[into]
        return shares if exit_full is None else shares * self.open_movements(exit_full)

    def per_green(self, values: np.ndarray, movements: np.ndarray | None = None) -> np.ndarray:
        """Per green: the sum of per-movement ``values`` over its movements (those where
        ``movements`` is true, if given)."""
        green = self.layout.pairs[0]
        weights = values if movements is None else values * movements
        return np.bincount(green, weights, minlength=self.num_phases)


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
    """Reads the controlled lanes and the network totals, once per decision.

    ``reads`` names the `READINGS` wanted (the others stay NaN); ``subscribe`` reads
    through one subscription (for TraCI) instead of direct calls.
    """

    def __init__(
        self,
        api: Any,
        layouts: Sequence[Layout],
        reads: Iterable[str] = READINGS,
        *,
        subscribe: bool = False,
    ) -> None:
        self.api = api
        wanted = checked_readings(reads) | _ALWAYS
        lanes = list(
            dict.fromkeys(lane for lay in layouts for lane in (*lay.incoming, *lay.outgoing))
        )
        position = {lane: index for index, lane in enumerate(lanes)}
        incoming = list(dict.fromkeys(lane for lay in layouts for lane in lay.incoming))
        outgoing = list(dict.fromkeys(lane for lay in layouts for lane in lay.outgoing))
        # Per table row: the lanes read into it (incoming, outgoing or both), in table order.
        self._plan: list[tuple[int, list[str], np.ndarray, Any]] = []
        for row, (name, variable, getter) in enumerate(_VARIABLES):
            read = [
                *(incoming if name in wanted else ()),
                *(outgoing if f"out_{name}" in wanted else ()),
            ]
            read = list(dict.fromkeys(read))
            if read:
                where = np.array([position[lane] for lane in read], dtype=np.intp)
                source = variable if subscribe else _lane_getter(api, getter)
                self._plan.append((row, read, where, source))
        self._subscribe = subscribe
        if subscribe:
            for lane in lanes:
                variables = [source for _, read, _, source in self._plan if lane in read]
                if variables:  # an empty subscription would mean "unsubscribe" to SUMO
                    api.lane.subscribe(lane, variables)
        self._table = np.full((len(_VARIABLES), len(lanes)), np.nan)
        # Each junction's incoming then outgoing lanes, junction after junction: one gather
        # per decision orders the table so that every junction's columns are two slices.
        order: list[int] = []
        self._slices: dict[str, tuple[slice, slice]] = {}
        for lay in layouts:
            start = len(order)
            order += [position[lane] for lane in lay.incoming]
            middle = len(order)
            order += [position[lane] for lane in lay.outgoing]
            self._slices[lay.junction] = (slice(start, middle), slice(middle, len(order)))
        self._order = np.array(order, dtype=np.intp)
        self._incoming = np.array([position[lane] for lane in incoming], dtype=np.intp)

    def read(self, now: float) -> tuple[np.ndarray, NetworkTotals]:
        """The lane table gathered junction by junction (rows as in `_VARIABLES`, for
        `junction_state`) and the network totals at time ``now``."""
        table = self._table
        if self._subscribe:
            results = self.api.lane.getAllSubscriptionResults()
            for row, lanes, where, variable in self._plan:
                table[row, where] = [results[lane][variable] for lane in lanes]
        else:
            for row, lanes, where, getter in self._plan:
                table[row, where] = np.fromiter(map(getter, lanes), float, len(lanes))
        stats = self.api.simulation.getParameter
        halting, waiting = _ROW["halting"], _ROW["waiting"]
        totals = NetworkTotals(
            time=now,
            running=int(stats("", "stats.vehicles.running")),
            inserted=int(stats("", "stats.vehicles.inserted")),
            backlog=int(stats("", "stats.vehicles.waiting")),
            teleports=int(stats("", "stats.teleports.total")),
            halting=int(table[halting, self._incoming].sum()),
            waiting_time=float(table[waiting, self._incoming].sum()),
        )
        return table[:, self._order], totals  # a copy: the table is refilled next time

    def junction_state(
        self, layout: Layout, signal: Signal, now: float, rows: Sequence[np.ndarray]
    ) -> JunctionState:
        """One junction's state, cut from the decision's gathered lane table (`read`; its
        rows unpacked once per decision, as `list(table)`, so each cut is a plain slice)."""
        inbound, outbound = self._slices[layout.junction]
        vehicles, halting, waiting, speed = rows
        return JunctionState(
            layout,
            signal.phase,
            signal.num_phases,
            signal.green_time(now),
            signal.min_green_passed(now),
            signal.in_transition,
            vehicles[inbound],
            halting[inbound],
            waiting[inbound],
            speed[inbound],
            vehicles[outbound],
            halting[outbound],
        )
