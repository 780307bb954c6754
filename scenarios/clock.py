"""Simulation time as time of day: SUMO's time 0 is midnight."""

from __future__ import annotations

import re

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def clock(seconds: float, *, with_seconds: bool = False) -> str:
    """Simulation seconds as HH:MM, or HH:MM:SS (SUMO's time 0 is midnight)."""
    if with_seconds:
        whole = round(seconds)
        return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def span(start: float, end: float) -> str:
    """A stretch of the day as HH:MM-HH:MM."""
    return f"{clock(start)}-{clock(end)}"


def seconds_of(text: str) -> float | None:
    """``HH:MM`` as seconds after midnight; None if it is not a time of day."""
    match = _CLOCK.match(text.strip())
    if not match or int(match[2]) >= 60:
        return None
    return int(match[1]) * 3600.0 + int(match[2]) * 60.0
