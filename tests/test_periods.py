"""Time-of-day periods: as given (checked against the window) and found in the demand."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from stopline import scenarios
from stopline.agents import AgentError
from stopline.agents.plans import auto_periods, parse_periods, plan_periods


def test_given_periods_are_sorted_and_labelled() -> None:
    periods = parse_periods("00:30-01:00, 00:00-00:30", 0, 3600)
    assert [p.label for p in periods] == ["00:00-00:30", "00:30-01:00"]
    assert (periods[1].start, periods[1].end) == (1800.0, 3600.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("00:00-02:00", "period 00:00-02:00 is outside the scenario's window 00:00-01:00"),
        ("00:00-00:40,00:30-01:00", "periods 00:00-00:40 and 00:30-01:00 overlap"),
        ("00:40-00:10", "period 00:40-00:10 ends before it starts"),
        ("7am-9am", "'7am' is not a time of day HH:MM"),
        ("00:00", "'00:00' is not a period HH:MM-HH:MM"),
        ("00:61-01:00", "'00:61' is not a time of day HH:MM"),
    ],
)
def test_bad_periods_are_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(AgentError, match=f"^--periods: {message}"):
        parse_periods(text, 0, 3600)


def _poisson_departures(levels: Sequence[tuple[float, float, float]], seed: int) -> list[float]:
    """Departures at rate (vehicles per second) in each [start, end)."""
    draw = random.Random(seed)
    times = []
    for start, end, rate in levels:
        time = start + draw.expovariate(rate)
        while time < end:
            times.append(time)
            time += draw.expovariate(rate)
    return times


def test_auto_finds_the_shoulder_peak_shoulder_profile() -> None:
    profile = [(0, 1200, 0.3), (1200, 2400, 0.6), (2400, 3600, 0.3)]
    periods = auto_periods(_poisson_departures(profile, 1), 0, 3600)
    assert [p.label for p in periods] == ["00:00-00:20", "00:20-00:40", "00:40-01:00"]


def test_auto_keeps_steady_demand_in_one_period() -> None:
    periods = auto_periods(_poisson_departures([(0, 3600, 0.5)], 2), 0, 3600)
    assert [p.label for p in periods] == ["00:00-01:00"]


@pytest.mark.slow
def test_builtin_profile_gives_three_or_more_periods(cache_dir: object) -> None:
    for name in ("corridor", "grid"):
        periods = plan_periods(scenarios.load(name), "auto")
        assert len(periods) >= 3, name
        assert periods[0].start == 0 and periods[-1].end == 3600
