"""The signal model: one per controlled junction; the only source of states sent to SUMO.

Built from the junction's phase set (its decision greens, in programme order) and, for every
ordered pair of greens, a generated transition: yellow for each movement that loses right
of way, then all-red where the timing asks for it. Min and max green (per green) are
enforced here, not by callers:
a request to leave a green before min green is deferred until min green has passed, and a
green held for max green is ended in favour of the next green in programme order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from .config import DEFAULT_MAX_GREEN, DEFAULT_YELLOW, MIN_GREEN_FLOOR
from .phases import GREEN, PhaseSet


@dataclass(frozen=True)
class Timing:
    """The safety timings of one signal, in seconds.

    ``min_green`` is one value for every green or one per green (in the phase set's
    order). ``all_red`` follows every yellow unless ``clearances`` names the all-red of a
    pair of greens (a, b), as a programme shows it between consecutive greens.
    """

    yellow: float = DEFAULT_YELLOW
    all_red: float = 0.0
    min_green: float | tuple[float, ...] = MIN_GREEN_FLOOR
    max_green: float = DEFAULT_MAX_GREEN
    clearances: Mapping[tuple[int, int], float] = field(default_factory=dict)

    def min_green_of(self, phase: int) -> float:
        return self.min_green if isinstance(self.min_green, int | float) else self.min_green[phase]

    def max_green_of(self, phase: int) -> float:
        return max(self.max_green, self.min_green_of(phase))

    def all_red_between(self, source: int, target: int) -> float:
        return self.clearances.get((source, target), self.all_red)


def transition(source: str, target: str) -> tuple[str, str]:
    """The yellow and the all-red states between two greens.

    A movement green in both keeps its source state; one that loses green shows yellow,
    then red; one that gains green stays red until the target green starts. A link in the
    same non-green state in both (red, or off: ``O``/``o``) keeps that state.
    """
    yellow, red = [], []
    for before, after in zip(source, target, strict=True):
        keeps = before == after or (before in GREEN and after in GREEN)
        loses = before in GREEN and not keeps
        yellow.append(before if keeps else "y" if loses else "r")
        red.append(before if keeps else "r")
    return "".join(yellow), "".join(red)


class Signal:
    """Safe control of one junction: pick greens, the model inserts transitions and timing.

    Time is SUMO's simulation time in seconds. Callers `request` a green, then `advance`
    the model to each new time; `next_event` tells when the state will next change by
    itself, so a driver can step SUMO straight there.
    """

    def __init__(self, phases: PhaseSet, timing: Timing, start: float) -> None:
        greens = phases.greens
        if not greens:
            raise ValueError(f"junction {phases.junction!r}: its programme has no green phase")
        self.junction = phases.junction
        self.greens = greens
        self.timing = timing
        self._transitions = {
            (a, b): transition(greens[a], greens[b])
            for a in range(len(greens))
            for b in range(len(greens))
            if a != b
        }
        self.allowed_states = frozenset(greens).union(*self._transitions.values())
        self.phase = 0  # the green shown, or the one being moved to during a transition
        self.green_start = start
        self.state = greens[0]
        self._stage: Literal["green", "yellow", "red"] = "green"
        self._stage_end = math.inf
        self._transition = (self.state, self.state)  # yellow and red states under way
        self._all_red = 0.0  # all-red seconds of the transition under way
        self._pending: int | None = None

    @property
    def num_phases(self) -> int:
        return len(self.greens)

    @property
    def min_green(self) -> float:
        """Min green of the green shown (or being moved to)."""
        return self.timing.min_green_of(self.phase)

    @property
    def in_transition(self) -> bool:
        return self._stage != "green"

    def green_time(self, now: float) -> float:
        """Seconds the current green has been shown (0 during a transition)."""
        return 0.0 if self.in_transition else now - self.green_start

    def min_green_passed(self, now: float) -> bool:
        return not self.in_transition and now - self.green_start >= self.min_green

    def request(self, target: int, now: float) -> None:
        """Ask for green ``target``; deferred until min green, ignored during a transition."""
        if not 0 <= target < self.num_phases:
            raise ValueError(f"junction {self.junction!r}: no green phase {target}")
        if self.in_transition:
            return
        if target == self.phase:
            self._pending = None
        elif self.min_green_passed(now):
            self._begin_transition(target, now)
        else:
            self._pending = target

    def next_event(self) -> float:
        """The time of the next change the model makes by itself."""
        if self.in_transition:
            return self._stage_end
        if self._pending is not None:
            return self.green_start + self.min_green
        return self.green_start + self.timing.max_green_of(self.phase)

    def advance(self, now: float) -> str:
        """Bring the model to time ``now`` and return the state SUMO must show from then."""
        while (event := self.next_event()) <= now:
            if self._stage == "yellow" and self._all_red > 0:
                self._stage, self._stage_end = "red", event + self._all_red
                self.state = self._transition[1]
            elif self.in_transition:
                self._show_green(event)
            else:  # min green reached with a request pending, or max green reached
                pending = self._pending
                self._begin_transition(
                    pending if pending is not None else (self.phase + 1) % self.num_phases, event
                )
        return self.state

    def follow(self, state: str, now: float) -> None:
        """Track a programme SUMO runs by itself (observe-only mode): nothing is sent."""
        if state == self.state:
            return
        self.state = state
        if state in self.greens:
            self.phase = self.greens.index(state)
            self._show_green(now)
        else:
            self._stage, self._stage_end = "yellow", math.inf

    def _begin_transition(self, target: int, now: float) -> None:
        self._pending = None
        self._transition = self._transitions[self.phase, target]
        self._all_red = self.timing.all_red_between(self.phase, target)
        self.phase = target
        if self._transition[0] == self.state:  # nobody loses green: no yellow needed
            self._show_green(now)
        else:
            self._stage, self._stage_end = "yellow", now + self.timing.yellow
            self.state = self._transition[0]

    def _show_green(self, now: float) -> None:
        self._stage, self._stage_end = "green", math.inf
        self.green_start = now
        self.state = self.greens[self.phase]
