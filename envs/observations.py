"""Observations: small named functions of one junction's state, chosen by name.

Register your own with `register_observation`; the function gets a `JunctionState` and
returns a flat float array of fixed length for that junction, within ``[low, high]``.
``reads`` names the lane readings it uses (`READINGS`; all unless said): only those are
read from SUMO. An observation with ``greens`` set has the same width at every junction of
at most that many greens (`greens`): one policy then runs on any network.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from .config import DEFAULT_MAX_GREEN
from .errors import ConfigError
from .measure import EXIT_FULL, READINGS, JunctionState, checked_readings

ObservationFunction = Callable[[JunctionState], np.ndarray]
# What each value of an observation stands for, at one junction (a policy card names the
# inputs that move a policy's decisions by these).
NamesFunction = Callable[[JunctionState], list[str]]


@dataclass(frozen=True)
class Observation:
    """A registered observation: its function, bounds and one-line description."""

    name: str
    function: ObservationFunction
    low: float
    high: float
    doc: str
    reads: frozenset[str] = READINGS
    greens: int | None = None  # green slots of a fixed-width observation; None: per lane
    describe: NamesFunction | None = None

    def names(self, state: JunctionState) -> list[str]:
        """A short name for each value the observation gives at this junction."""
        if self.describe is not None:
            return self.describe(state)
        return [f"input {index}" for index in range(len(self.function(state)))]


OBSERVATIONS: dict[str, Observation] = {}


def register_observation(
    name: str,
    *,
    low: float = 0.0,
    high: float = 1.0,
    reads: Iterable[str] = READINGS,
    greens: int | None = None,
    names: NamesFunction | None = None,
) -> Callable[[ObservationFunction], ObservationFunction]:
    """Decorator: make ``function`` selectable as ``observation=name`` (``greens``: its
    width is fixed, for junctions of up to that many greens; ``names``: what each value
    stands for, else "input 0", "input 1"...)."""

    def add(function: ObservationFunction) -> ObservationFunction:
        doc = (function.__doc__ or name).strip().splitlines()[0]
        reading = checked_readings(reads)
        OBSERVATIONS[name] = Observation(name, function, low, high, doc, reading, greens, names)
        return function

    return add


def observation(name: str) -> Observation:
    """The registered observation called ``name``."""
    if name not in OBSERVATIONS:
        raise ConfigError(
            f"unknown observation {name!r}; registered: {', '.join(sorted(OBSERVATIONS))}"
        )
    return OBSERVATIONS[name]


def _phase_one_hot(state: JunctionState) -> np.ndarray:
    one_hot = np.zeros(state.num_phases)
    one_hot[state.phase] = 1.0
    return one_hot


def _fill(counts: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    return np.minimum(1.0, counts / capacity)


def _green_names(state: JunctionState) -> list[str]:
    return [f"green {index} shown" for index in range(state.num_phases)]


def _lane_names(what: str, state: JunctionState) -> list[str]:
    return [f"{what} {lane}" for lane in state.layout.incoming]


def _default_names(state: JunctionState) -> list[str]:
    return [
        *_green_names(state),
        "min green passed",
        *_lane_names("vehicles", state),
        *_lane_names("queue", state),
    ]


@register_observation("default", reads={"vehicles", "halting"}, names=_default_names)
def default(state: JunctionState) -> np.ndarray:
    """Phase one-hot, min-green-passed flag, then density and queue per incoming lane."""
    greens, lanes = state.num_phases, len(state.vehicles)
    # Filled in place (this runs every decision), in float64 like the readings: a ufunc
    # writing float32 from float64 takes a slower casting loop than one cast at the end.
    out = np.zeros(greens + 1 + 2 * lanes)
    out[state.phase] = 1.0
    out[greens] = float(state.min_green_passed)
    np.divide(state.vehicles, state.layout.in_capacity, out=out[greens + 1 : greens + 1 + lanes])
    np.divide(state.halting, state.layout.in_capacity, out=out[greens + 1 + lanes :])
    return np.minimum(out, 1.0, out=out)


@register_observation(
    "timed",
    reads={"vehicles", "halting"},
    names=lambda state: [*_default_names(state), "time in green", "in transition"],
)
def timed(state: JunctionState) -> np.ndarray:
    """`default`, then the time the current green has been shown (as a share of the default
    max green, capped at 1) and whether a transition is under way."""
    clock = (min(1.0, state.green_time / DEFAULT_MAX_GREEN), float(state.in_transition))
    return np.concatenate([default(state), clock])


@register_observation(
    "queue",
    reads={"halting"},
    names=lambda state: [*_green_names(state), *_lane_names("queue", state)],
)
def queue(state: JunctionState) -> np.ndarray:
    """Phase one-hot, then queue per incoming lane as a share of the lane's capacity."""
    return np.concatenate([_phase_one_hot(state), _fill(state.halting, state.layout.in_capacity)])


@register_observation(
    "pressure",
    low=-1.0,
    reads={"halting", "out_halting"},
    names=lambda state: [
        *_green_names(state),
        "min green passed",
        *(f"pressure of green {index}" for index in range(state.num_phases)),
    ],
)
def pressure(state: JunctionState) -> np.ndarray:
    """Phase one-hot, min-green-passed flag, then each green's pressure over its capacity."""
    return np.concatenate(
        [
            _phase_one_hot(state),
            [float(state.min_green_passed)],
            np.clip(state.pressure() / state.layout.movement_capacity, -1.0, 1.0),
        ]
    )


@register_observation(
    "movable",
    reads={"vehicles", "halting", "out_halting"},
    names=lambda state: [
        *_default_names(state),
        *(f"movable queue of green {index}" for index in range(state.num_phases)),
        *(f"open exits of green {index}" for index in range(state.num_phases)),
    ],
)
def movable(state: JunctionState) -> np.ndarray:
    """`default`, then per green the queue it can move and the share of its exits with room.

    The movable queue: halted vehicles bound for exits with room (`JunctionState.open_exits`),
    over the capacity of the lanes the junction's largest green serves: one scale for all
    its greens, so the longest movable queue is the largest value, as `greedy` ranks them.

    What the spillback-aware strategies read: a policy cloned from one of them sees why it
    holds a green back, and a policy of its own can tell a green into a full exit.
    """
    layout = state.layout
    room = state.open_movements(EXIT_FULL)  # once: it is most of this function's cost
    movable_queue = state.per_green(state.share(state.halting), room)
    exits_open = state.per_green(room) / layout.green_movements
    scaled = np.minimum(movable_queue / layout.green_capacity.max(), 1.0)
    return np.concatenate([default(state), scaled, exits_open])


# Green slots of `greens`: the built-ins and `helsinki` have at most 4 greens a junction.
GREEN_SLOTS = 8
_PER_GREEN = ("present", "shown", "queue", "vehicles", "downstream fill")


def _slot_names(state: JunctionState) -> list[str]:
    slots = [f"green {slot} {what}" for slot in range(GREEN_SLOTS) for what in _PER_GREEN]
    return [*slots, "min green passed", "time in green", "in transition"]


@register_observation(
    "greens",
    reads={"vehicles", "halting", "out_vehicles"},
    greens=GREEN_SLOTS,
    names=_slot_names,
)
def greens(state: JunctionState) -> np.ndarray:
    """Per green slot (8, the same width at every junction): present, shown now, queue and
    vehicles on the lanes it serves and fill of the lanes it feeds (shares of capacity);
    then min-green-passed, time in green and transition flags."""
    if state.num_phases > GREEN_SLOTS:
        raise ConfigError(
            f"observation 'greens' covers junctions of up to {GREEN_SLOTS} greens; junction "
            f"{state.layout.junction} has {state.num_phases}: choose another observation"
        )
    into, out = state.layout.served
    greens, capacity = state.num_phases, state.layout.green_capacity
    slots = np.zeros((GREEN_SLOTS, len(_PER_GREEN)))
    slots[:greens, 0] = 1.0
    slots[state.phase, 1] = 1.0
    slots[:greens, 2] = into @ state.halting / capacity
    slots[:greens, 3] = into @ state.vehicles / capacity
    slots[:greens, 4] = out @ state.out_vehicles / np.maximum(1.0, out @ state.layout.out_capacity)
    clock = (
        float(state.min_green_passed),
        min(1.0, state.green_time / DEFAULT_MAX_GREEN),
        float(state.in_transition),
    )
    return np.minimum(np.concatenate([slots.ravel(), clock]), 1.0)
