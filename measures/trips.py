"""A run's trip records from SUMO's tripinfo and statistics outputs, read as docs/design.md
defines the trip metrics (computed from them by `catalogue`): the figures reports print
and plan optimisers minimise.

The headline delay of a vehicle is SUMO's ``timeLoss`` plus the time it waited to enter
(``departDelay``); a vehicle still waiting to enter at the window's end counts the time it
has waited (``--tripinfo-output.write-undeparted``), so a strategy that blocks an entry
cannot look good because its victims never appear. The in-network delay is ``timeLoss``
alone, over the vehicles that entered (comparable with other benchmarks). Travel time is
``duration``; waiting ``waitingTime``; stops ``waitingCount``; CO2 the emissions device's
``CO2_abs`` (SUMO's default HBEFA4 class for each vehicle class). Trips still in the
network at the end are written by SUMO (``--tripinfo-output.write-unfinished``) and counted
with their time so far. A trip is finished if SUMO gives it an arrival time, never
inserted if it gives it no departure: counts come from SUMO's records, trip by trip.
"""

from __future__ import annotations

import statistics
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path


def trip_options(folder: Path) -> list[str]:
    """SUMO options that write what `trip_metrics` reads into ``folder``."""
    return [
        "--tripinfo-output",
        str(folder / "tripinfo.xml"),
        "--tripinfo-output.write-unfinished",
        "--tripinfo-output.write-undeparted",
        "--statistic-output",
        str(folder / "statistics.xml"),
    ]


@dataclass(frozen=True)
class Trips:
    """One run's trip records as SUMO wrote them (`trip_options`): every vehicle whose
    departure time came in the window, those that entered the network, and the
    teleports SUMO counted."""

    every: tuple[ET.Element, ...]
    entered: tuple[ET.Element, ...]
    teleports: int

    @classmethod
    def read(cls, folder: Path) -> Trips:
        """Read ``tripinfo.xml`` and ``statistics.xml`` from ``folder``."""
        every = tuple(ET.parse(folder / "tripinfo.xml").getroot().iter("tripinfo"))
        teleports = ET.parse(folder / "statistics.xml").getroot().find("teleports")
        assert teleports is not None
        entered = tuple(trip for trip in every if float(trip.get("depart", "0")) >= 0)
        return cls(every, entered, int(teleports.get("total", "0")))

    def values(self, attribute: str, *, entered: bool = True) -> list[float]:
        """``attribute`` of each trip that entered (or of every trip)."""
        return [
            float(trip.get(attribute, "0")) for trip in (self.entered if entered else self.every)
        ]

    def headline(self) -> list[float]:
        """Each vehicle's headline delay: time loss plus the time it waited to enter."""
        return [
            float(trip.get("timeLoss", "0")) + float(trip.get("departDelay", "0"))
            for trip in self.every
        ]

    def arrived(self) -> int:
        """Vehicles that reached their destination."""
        return sum(1 for trip in self.entered if float(trip.get("arrival", "-1")) >= 0)

    def co2(self) -> list[float]:
        """Each entered trip's CO2 in mg (SUMO's emissions device)."""
        found = (trip.find("emissions") for trip in self.entered)
        return [float(e.get("CO2_abs", "0")) for e in found if e is not None]


def mean(numbers: list[float]) -> float:
    """The mean, 0 for no numbers (a run nobody entered)."""
    return statistics.fmean(numbers) if numbers else 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
