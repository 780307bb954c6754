"""A time-of-day timing plan: per period, every junction's cycle, greens and offset; and
the SUMO additional file that runs it (one ``tlLogic`` per junction and period, and a WAUT
per junction that switches them by time of day).

Switching safely and in step. A WAUT switches at a "good switching point" (SUMO's ``GSP``
procedure): every programme's GSP is the start of its first green, so the old programme
hands over exactly when it starts that green and the new one starts the same green: no
green is cut and no yellow skipped. With ``synchron`` SUMO then holds that first green
until the new programme is at its own offset (a dwell transition), so coordination holds
from the next cycle. Each junction switches at the cycle nearest the period boundary whose
dwell keeps that green within its max green; if no cycle within a few does, it switches
without the dwell (still safe; that junction's offset then differs for that period, and
the timing sheet says so).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..programmes import add_logic, write_additional
from .design import JunctionPlan
from .periods import TimePeriod

PROGRAM_PREFIX = "stopline-"
# How many of the old programme's cycles either side of a period boundary a switch may
# move to, looking for a dwell within max green.
SWITCH_SEARCH = 4


@dataclass(frozen=True)
class Switch:
    """When one junction changes programme, and whether it arrives at its offset."""

    junction: str
    period: int
    time: float  # the first second of the new programme
    dwell: float  # seconds added to the first green to reach the offset (synchron)
    synchron: bool


@dataclass(frozen=True)
class TimingPlan:
    """Per period (in time order), every junction's plan."""

    periods: tuple[TimePeriod, ...]
    plans: tuple[dict[str, JunctionPlan], ...]
    begin: float

    @property
    def junctions(self) -> tuple[str, ...]:
        return tuple(sorted(self.plans[0]))

    def program_id(self, period: int) -> str:
        return f"{PROGRAM_PREFIX}{self.periods[period].slug}"

    def with_offsets(self, offsets: Sequence[dict[str, float]]) -> TimingPlan:
        """The same plan with these offsets (per period, per junction; s)."""
        return TimingPlan(
            self.periods,
            tuple(
                {
                    name: _offset(plan, offsets[index].get(name, plan.offset))
                    for name, plan in period.items()
                }
                for index, period in enumerate(self.plans)
            ),
            self.begin,
        )

    def switches(self, name: str) -> list[Switch]:
        """One junction's programme changes, in time order: all with a dwell to the new
        offset where every one of them can keep it within max green, else none (SUMO's
        ``synchron`` is one setting per junction)."""
        for synchron in (True, False):
            found = []
            # Where the running programme's first green starts: its offset, or wherever
            # a switch without dwell left it.
            anchor = self.plans[0][name].offset
            earliest = self.begin + 1  # a switch waits for the last one to be in step
            for index in range(1, len(self.periods)):
                old, new = self.plans[index - 1][name], self.plans[index][name]
                # SUMO keeps a programme it has not yet run at its offset only once a cycle
                # has passed (a dwell asked earlier lands off the offset; measured, 1.28).
                earliest = max(earliest, self.begin + new.cycle)
                boundary = self.periods[index].start
                switch = _switch(
                    name, index, old, new, anchor, boundary, earliest, synchron=synchron
                )
                if switch is None:
                    break
                anchor = new.offset if synchron else switch.time % new.cycle
                # Its first cycle in step starts after the dwelt first green and a cycle.
                earliest = switch.time + switch.dwell + new.cycle
                found.append(switch)
            else:
                return found
        raise AssertionError("a switch without dwell is always possible")


def _offset(plan: JunctionPlan, offset: float) -> JunctionPlan:
    return replace(plan, offset=float(round(offset) % round(plan.cycle)))


def _switch(
    name: str,
    period: int,
    old: JunctionPlan,
    new: JunctionPlan,
    anchor: float,
    boundary: float,
    earliest: float,
    *,
    synchron: bool,
) -> Switch | None:
    """The switch nearest ``boundary``, not before ``earliest``, at a start of the old
    programme's first green; with ``synchron``, only one whose dwell keeps the first green
    within max green (None if no cycle within `SWITCH_SEARCH` does)."""
    first = boundary - (boundary - anchor) % old.cycle  # a first-green start at or before
    candidates = sorted(
        (
            time
            for k in range(-SWITCH_SEARCH, SWITCH_SEARCH + 1)
            if (time := first + k * old.cycle) >= earliest
        ),
        key=lambda time: (abs(time - boundary), time),
    )
    if not synchron:
        later = [time for time in candidates if time >= boundary] or candidates
        time = min(later) if later else earliest + (anchor - earliest) % old.cycle
        return Switch(name, period, time, 0.0, False)
    longest = new.plan.timing.max_green_of(0)
    for time in candidates:
        dwell = (new.offset - time) % new.cycle
        if new.greens[0] + dwell <= longest:
            return Switch(name, period, time, dwell, True)
    return None


# A WAUT asks for its switch this many seconds before the handover it plans: SUMO hands
# over at the next good switching point after the time asked.
WAUT_LEAD = 1.0


def waut_time(handover: float) -> float:
    """The ``wautSwitch`` time for a switch planned to hand over at ``handover``."""
    return handover - WAUT_LEAD


def write_sumo(plan: TimingPlan, path: Path, *, waut: bool = True) -> Path:
    """The SUMO additional file: the tlLogics, then (``waut``) a WAUT per junction."""
    root = ET.Element("additional")
    for name in plan.junctions:
        for index, period in enumerate(plan.plans):
            junction = period[name]
            add_logic(
                root,
                name,
                junction.plan.sumo_phases(),
                kind="static",
                program_id=plan.program_id(index),
                offset=junction.offset,
                parameters={"GSP": "0"},
            )
    if not waut:
        return write_additional(root, path)
    by_junction = {name: plan.switches(name) for name in plan.junctions}
    for name in plan.junctions:
        switching = ET.SubElement(
            root, "WAUT", id=f"{PROGRAM_PREFIX}{name}", refTime="0", startProg=plan.program_id(0)
        )
        for switch in by_junction[name]:
            ET.SubElement(
                switching,
                "wautSwitch",
                time=f"{waut_time(switch.time):g}",
                to=plan.program_id(switch.period),
            )
    for name in plan.junctions:
        synchron = all(switch.synchron for switch in by_junction[name])
        ET.SubElement(
            root,
            "wautJunction",
            wautID=f"{PROGRAM_PREFIX}{name}",
            junctionID=name,
            procedure="GSP",
            synchron="true" if synchron else "false",
        )
    return write_additional(root, path)
