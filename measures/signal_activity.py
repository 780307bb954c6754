"""What the signals did in one run, read from SUMO's own record of their states.

Every recorded state of a junction is matched to one green of the junction's phase set
(the greens every strategy chooses among; for a junction that ran its own programme, the
set of its own greens, `shown_phases`): exactly, or else the green that shares the most
of its green links (a hand-made programme's transitional green belongs to the green it
leads into or out of); a state with yellow, or with green only for links that are green in
every phase, is a transition. A *green* is then a maximal run of seconds matched to the
same phase; a *switch* ends one. The *reference phase* is the phase green the longest over
the run, and a *cycle* runs from one start of the reference phase to the next; a phase
with no green starting inside a cycle was *skipped* in it. A green still showing when the
window ends counts in the green share but not in green lengths. Queues are SUMO's queue lengths
(stop line to the back of the last halted vehicle, m) on the lanes of the junction's links.

Everything is summed per analysis interval of the window (`records.intervals`, 15 minutes),
a green or cycle counted in the interval it starts in.
"""

from __future__ import annotations

import bisect
import itertools
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stopline.envs.phases import (
    GREEN,
    TRANSITIONAL_LIMIT,
    YELLOW,
    green_links,
    is_green_state,
)

from .records import SignalRecord, intervals, worst_queue


@dataclass(frozen=True)
class Green:
    """One green: the phase (index in the phase set), when it started and ended (s)."""

    phase: int
    start: float
    end: float

    @property
    def length(self) -> float:
        return self.end - self.start


def phase_of(state: str, greens: Sequence[str], always: frozenset[int]) -> int | None:
    """The phase-set index ``state`` shows, or None for a transition."""
    if any(char in YELLOW for char in state):
        return None
    shown = green_links(state)
    if shown <= always:
        return None
    if state in greens:
        return greens.index(state)
    scores = [len(shown & green_links(g)) - len(shown - green_links(g)) for g in greens]
    best = max(range(len(greens)), key=lambda index: scores[index])
    return best if shown & green_links(greens[best]) else None


def shown_phases(record: SignalRecord, candidates: Sequence[Sequence[str]]) -> Sequence[str]:
    """The first of ``candidates`` (phase sets' greens) holding every green state the
    junction showed for `TRANSITIONAL_LIMIT` seconds or more at a stretch; the last if none
    does. A strategy choosing among the phase set shows only its greens; one running the
    junction's own programme (``fixed``) shows that programme's, which the phase set of
    the junction's own greens holds: its cycle is then read on the greens it ran."""
    held: set[str] = set()
    run = 0
    for index, state in enumerate(record.states):
        run = run + 1 if index and state == record.states[index - 1] else 1
        if run >= TRANSITIONAL_LIMIT and is_green_state(state):
            held.add(state)
    return next((c for c in candidates if held <= set(c)), candidates[-1])


def greens_of(record: SignalRecord, phases: Sequence[str]) -> list[Green]:
    """The run's greens, in order, from a junction's record."""
    if not record.times:
        return []
    always = frozenset.intersection(*(green_links(g) for g in phases))
    shown = {state: phase_of(state, phases, always) for state in set(record.states)}
    found: list[Green] = []
    current: tuple[int, float] | None = None
    for time, state in zip(record.times, record.states, strict=True):
        phase = shown[state]
        if current is not None and phase != current[0]:
            found.append(Green(current[0], current[1], time))
            current = None
        if phase is not None and current is None:
            current = (phase, time)
    if current is not None:
        found.append(Green(current[0], current[1], record.times[-1] + 1.0))
    return found


def served_lanes(state: str, links: Mapping[int, tuple[str, str, str]]) -> set[str]:
    """The incoming lanes with a green link in ``state``."""
    return {links[i][2] for i, char in enumerate(state) if char in GREEN and i in links}


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def junction_activity(
    record: SignalRecord,
    phases: Sequence[str],
    links: Mapping[int, tuple[str, str, str]],
    approaches: Mapping[str, Iterable[str]],
    queues: Mapping[str, Mapping[int, float]],
    window: tuple[float, float],
) -> dict[str, Any]:
    """One junction's activity: its phases, reference phase, the reference green's starts
    (for offsets) and one row per interval (see the module's definitions). ``approaches``
    are its approach edges and their lanes, whose longest queues are given."""
    greens = greens_of(record, phases)
    total = [sum(g.length for g in greens if g.phase == p) for p in range(len(phases))]
    reference = max(range(len(phases)), key=lambda p: total[p])
    starts = [g.start for g in greens if g.phase == reference]
    cycles = list(itertools.pairwise(starts))
    end = window[1]
    spans = intervals(window)
    starts_at = [low for low, _ in spans]
    # Each phase's green starts, in order: a cycle without one skipped the phase.
    begun = [[g.start for g in greens if g.phase == phase] for phase in range(len(phases))]
    served = [worst_queue(queues, served_lanes(state, links)) for state in phases]
    held = {edge: worst_queue(queues, lanes) for edge, lanes in sorted(approaches.items())}

    def bucket(time: float) -> int:
        return max(0, bisect.bisect_right(starts_at, time) - 1)

    rows = []
    for index, (low, high) in enumerate(spans):
        mine = [g for g in greens if bucket(g.start) == index]
        these = [(a, b) for a, b in cycles if bucket(a) == index]
        lengths = [b - a for a, b in these]
        per_phase = []
        for phase in range(len(phases)):
            own = [g for g in mine if g.phase == phase]
            # A green still showing when the window ends has no length yet.
            ended = [g for g in own if g.end < end]
            shown = sum(
                max(0.0, min(g.end, high) - max(g.start, low)) for g in greens if g.phase == phase
            )
            per_phase.append(
                {
                    "share": shown / (high - low),
                    "greens": len(own),
                    "mean": _mean([g.length for g in ended]),
                    "min": min((g.length for g in ended), default=None),
                    "max": max((g.length for g in ended), default=None),
                    "skipped": sum(
                        bisect.bisect_left(begun[phase], a) == bisect.bisect_left(begun[phase], b)
                        for a, b in these
                    ),
                    "queue_end": _mean([served[phase].get(round(g.end) - 1, 0.0) for g in ended]),
                }
            )
        rows.append(
            {
                "begin": low,
                "end": high,
                "cycles": len(lengths),
                "cycle_mean": _mean(lengths),
                "cycle_std": statistics.pstdev(lengths) if len(lengths) > 1 else None,
                "switches_per_hour": sum(1 for g in mine if g.end < end) * 3600 / (high - low),
                "phases": per_phase,
                "max_queue": {
                    edge: max((q for s, q in queue.items() if low <= s < high), default=0.0)
                    for edge, queue in held.items()
                },
            }
        )
    return {"phases": list(phases), "reference": reference, "starts": starts, "intervals": rows}
