"""Designing one period's plans: whole-second splits, groups, common and half cycles,
degrees of saturation, against hand-worked figures."""

from __future__ import annotations

import pytest

from stopline.agents.plans.design import (
    Junction,
    Settings,
    design_period,
    groups,
    split,
    whole_seconds,
)
from stopline.envs import PhaseSet, Timing

PHASES = PhaseSet(junction="J", greens=("GGrr", "rrGG"), durations=(30.0, 30.0), yellow=3.0)
TIMING = Timing(yellow=3.0, all_red=0.0, min_green=5.0, max_green=60.0)


def test_whole_seconds_add_up_within_bounds() -> None:
    # Rounded 10 + 20 + 30 = 60: the second left over goes to the largest remainder (0.4,
    # a tie broken towards the earlier phase).
    assert whole_seconds([10.4, 20.4, 30.2], 61, [5, 5, 5], [60, 60, 60]) == (11.0, 20.0, 30.0)
    assert whole_seconds([50.0, 10.0], 80, [5, 5], [60, 60]) == (60.0, 20.0)  # spill
    assert whole_seconds([50.0, 10.0], 130, [5, 5], [60, 60]) is None  # cannot fill


def test_split_by_hand() -> None:
    # C = 60, L = 2 x 4 s; effective green 52 s shared 3:1 -> 39 and 13 s; shown green =
    # effective + 4 s lost - 3 s yellow -> 40 and 14 s (40 + 3 + 14 + 3 = 60).
    # x = y C / g: 0.3 x 60 / 39 = 0.4615 = 0.1 x 60 / 13.
    result = split(PHASES, TIMING, (0.3, 0.1), 60.0, Settings())
    assert result is not None
    greens, saturation = result
    assert greens == (40.0, 14.0)
    assert saturation == pytest.approx((0.4615, 0.4615), abs=1e-4)


def test_groups_chain_nearby_signals() -> None:
    positions = {"A": (0.0, 0.0), "B": (500.0, 0.0), "C": (1000.0, 0.0), "D": (5000.0, 0.0)}
    assert groups(positions) == [["A", "B", "C"], ["D"]]


def test_a_group_shares_the_longest_cycle_and_minor_junctions_run_half() -> None:
    # Webster: C0 = (1.5 x 8 + 5) / (1 - Y): Y 0.6 -> 42.5 (44 even), Y 0.8 -> 85 (86),
    # Y 0.1 -> 18.9, clamped to 40: within half of 86, so it runs 43.
    junctions = {
        name: Junction(PHASES, TIMING, ratios)
        for name, ratios in {"A": (0.3, 0.3), "B": (0.4, 0.4), "C": (0.05, 0.05)}.items()
    }
    plans = design_period(junctions, [["A", "B", "C"]], Settings())
    assert {name: plan.cycle for name, plan in plans.items()} == {"A": 86, "B": 86, "C": 43}
    for plan in plans.values():
        assert plan.plan.cycle == plan.cycle  # greens and intergreens fill the cycle
        assert all(5 <= green <= 60 for green in plan.greens)
    alone = design_period(junctions, [["A"], ["B"], ["C"]], Settings())
    assert {name: plan.cycle for name, plan in alone.items()} == {"A": 44, "B": 86, "C": 40}
