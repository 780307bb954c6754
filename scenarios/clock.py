"""Simulation time as time of day: SUMO's time 0 is midnight."""

from __future__ import annotations


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
