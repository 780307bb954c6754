"""Rewards: small named functions of one junction's state before and after an interval.

Register your own with `register_reward`; the function gets the `JunctionState` at the
previous decision and now, and returns a float (higher is better). ``reads`` names the lane
readings it uses (`READINGS`; all unless said): only those are read from SUMO.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from .errors import ConfigError
from .measure import READINGS, JunctionState, checked_readings

RewardFunction = Callable[[JunctionState, JunctionState], float]


@dataclass(frozen=True)
class Reward:
    """A registered reward: its function and one-line description."""

    name: str
    function: RewardFunction
    doc: str
    reads: frozenset[str] = READINGS


REWARDS: dict[str, Reward] = {}


def register_reward(
    name: str, *, reads: Iterable[str] = READINGS
) -> Callable[[RewardFunction], RewardFunction]:
    """Decorator: make ``function`` selectable as ``reward=name``."""

    def add(function: RewardFunction) -> RewardFunction:
        doc = (function.__doc__ or name).strip().splitlines()[0]
        REWARDS[name] = Reward(name, function, doc, checked_readings(reads))
        return function

    return add


def reward(name: str) -> Reward:
    """The registered reward called ``name``."""
    if name not in REWARDS:
        raise ConfigError(f"unknown reward {name!r}; registered: {', '.join(sorted(REWARDS))}")
    return REWARDS[name]


@register_reward("diff-waiting-time", reads={"waiting"})
def diff_waiting_time(before: JunctionState, after: JunctionState) -> float:
    """Drop in total waiting time on incoming lanes over the interval, in 100 s units."""
    return float(before.waiting.sum() - after.waiting.sum()) / 100.0


@register_reward("queue", reads={"halting"})
def queue(before: JunctionState, after: JunctionState) -> float:
    """Minus the vehicles halted on incoming lanes now."""
    return -float(after.halting.sum())


@register_reward("pressure", reads={"vehicles", "out_vehicles"})
def pressure(before: JunctionState, after: JunctionState) -> float:
    """Minus the absolute difference between vehicles on incoming and outgoing lanes."""
    return -abs(float(after.vehicles.sum() - after.out_vehicles.sum()))


@register_reward("delay", reads={"vehicles", "speed"})
def delay(before: JunctionState, after: JunctionState) -> float:
    """Minus the delay rate on incoming lanes: vehicles times lost share of the speed limit."""
    lost = 1.0 - np.minimum(1.0, after.speed / after.layout.in_speed_limit)
    return -float((after.vehicles * lost).sum())
