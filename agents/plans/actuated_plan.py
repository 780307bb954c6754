"""``coordinated-actuated``: the coordinated plan with its side greens actuated, decided by
Stopline every second (SUMO's own coordinated mode let the main green gap out when it
came back early: README, "What a street controller needs")."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stopline.envs import EnvConfig, JunctionState, phase_sets, timing_for
from stopline.scenarios import Scenario

from ..controller import Decisions
from .controllers import Coordinated
from .store import RECORD


@dataclass(frozen=True)
class Window:
    """One green of a junction's cycle: its phase-set index and where the plan has it,
    seconds into the cycle (the main green starts at 0, at the offset)."""

    green: int
    start: float
    end: float


@dataclass(frozen=True)
class Cycle:
    """One junction's timing in one period of the plan."""

    begin: float
    end: float
    length: float
    offset: float
    windows: tuple[Window, ...]  # the main (coordinated) green first

    def time_in_cycle(self, now: float) -> float:
        return (now - self.offset) % self.length


def cycles_of(
    record: Sequence[Mapping[str, Any]], greens: Mapping[str, Sequence[str]]
) -> dict[str, list[Cycle]]:
    """Per junction, its cycle in every period of a plan record (`store.record`); the
    plan's phases matched to the phase set's greens by their signal states. The main
    (coordinated) green is the plan's longest: the arterial's, on which the green wave
    rides; the cycle is counted from its start."""
    found: dict[str, list[Cycle]] = {}
    for row in record:
        own = list(greens.get(row["junction"], ()))
        if not all(phase["state"] in own for phase in row["phases"]):
            continue  # a plan of other greens: left to run as the signal model has it
        windows, at = [], 0.0
        for phase in row["phases"]:
            windows.append(Window(own.index(phase["state"]), at, at + phase["green"]))
            at += phase["green"] + phase["yellow"] + phase["all_red"]
        main = max(range(len(windows)), key=lambda i: windows[i].end - windows[i].start)
        shift = windows[main].start
        rotated = tuple(
            Window(w.green, (w.start - shift) % at, (w.start - shift) % at + w.end - w.start)
            for w in (*windows[main:], *windows[:main])
        )
        # The programme's own length: a double-cycled junction runs half the common cycle.
        found.setdefault(row["junction"], []).append(
            Cycle(row["start"], row["end"], at, row["offset"] + shift, rotated)
        )
    return found


def decide(
    cycle: Cycle,
    state: JunctionState,
    now: float,
    min_greens: Sequence[float],
) -> int | None:
    """The green a junction should show now (None: keep), as a coordinated-actuated
    controller runs it: the main green holds while vehicles are on its lanes up to its
    planned end (its force-off), ends early once none is (after min green) and a side
    green is called, and rests in green while no side green is called; a side green is
    served when vehicles call it and there is still room for its min green before its
    planned end, and ends once no vehicle is left on its lanes (after min green) or at its
    planned end; time a side green leaves unused goes to the next called side green, or
    back to the main green."""
    if state.in_transition:
        return None
    tic = cycle.time_in_cycle(now)
    main, *sides = cycle.windows
    current = next((i for i, w in enumerate(cycle.windows) if w.green == state.phase), None)
    if current is None:  # a green the plan does not use: back to the main road
        return main.green
    # Vehicles on each green's lanes call it and hold it: moving ones too, since a
    # discharging queue's halted count drops to none while the platoon is still crossing
    # (ending on halted vehicles cost 127 s against 75 on random:1 x1.5, training seeds 1-2).
    calls = state.per_green(state.share(state.vehicles))

    def next_called(after: int) -> int:
        for window in sides[after:]:
            if calls[window.green] > 0 and tic + min_greens[window.green] <= window.end:
                return window.green
        return main.green

    if current == 0:
        # An empty main road yields early, arterial or not: holding it to its force-off
        # cost 49.7 s against 45.3 on helsinki (training seeds 1-2), 28.4 against 28.3 on
        # corridor, 30.7 against 28.1 on grid; the wave's platoons call it back.
        gapped = state.min_green_passed and calls[main.green] <= 0
        if tic < main.end and not gapped:  # the main green holds to its force-off
            return None
        choice = next_called(0)
        return None if choice == main.green else choice
    window = cycle.windows[current]
    if not state.min_green_passed:
        return None
    forced_off = tic >= window.end or tic < main.end  # its end passed, or the cycle's
    return next_called(current) if forced_off or calls[window.green] <= 0 else None


class CoordinatedActuated(Coordinated):
    """``coordinated-actuated``: the ``coordinated`` plan (the same cycles, splits and
    offsets, from the cache) run by Stopline every second with its side greens actuated:
    a side green nobody calls is skipped, one with no vehicle left on its lanes ends
    after its min green, and the time they leave goes to the main road, whose green holds
    to its planned end (its force-off) while vehicles are on its lanes, so the green wave
    holds. Periods switch at their boundaries. Parameters as ``coordinated``'s."""

    name = "coordinated-actuated"
    native = False

    def environment(self) -> Mapping[str, Any]:
        return {"delta_time": 1.0}  # force-offs and gap-outs to the second

    def install(self, scenario: Scenario, folder: Path, config: EnvConfig) -> list[str]:
        """Read the plan and each junction's min greens (at the start of a run: a Python
        controller installs nothing in SUMO)."""
        plan = json.loads((self._folder(scenario, config) / RECORD).read_text())
        sets = phase_sets(scenario, config.phases)
        self._cycles = cycles_of(plan["coordinated"], {j: s.greens for j, s in sets.items()})
        self._min_greens = {
            junction: [timing_for(found, config).min_green_of(i) for i in range(len(found.greens))]
            for junction, found in sets.items()
        }
        return []

    def act(self, now: float, states: Mapping[str, JunctionState]) -> Decisions:
        decisions: Decisions = {}
        for junction, state in states.items():
            cycle = next(
                (c for c in reversed(self._cycles.get(junction, [])) if c.begin <= now), None
            )
            if cycle is None:
                cycle = next(iter(self._cycles.get(junction, [])), None)
            if cycle is not None:
                decisions[junction] = decide(cycle, state, now, self._min_greens[junction])
        return decisions
