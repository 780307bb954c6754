"""Cautions: a gridlocked strategy is marked on the table and left ungraded; a short-trained
policy and one that loses to its teacher are said under the comparison."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from stopline.experiments.analysis.cautions import cautions
from stopline.experiments.analysis.summary import ComparisonRow, cells, gridlock
from stopline.experiments.reports.figures import GRIDLOCK, shown_grade

STEADY = ComparisonRow(
    scenario="helsinki", demand_scale=2.0, controller="sotl", runs=5, failed=0,
    mean_delay=80.0, delay_ci=3.0,
    means={
        "mean_network_delay": 70.0, "mean_travel_time": 200.0, "throughput": 1500.0,
        "unfinished": 60.0, "backlog": 2.0, "teleports": 0.2, "blocked": 900.0,
        "co2_total": 600.0,
    },
    delay_vs_reference=-10.0, difference_ci=2.0, win_rate=1.0,
)  # fmt: skip


def _with(row: ComparisonRow = STEADY, **means: float) -> ComparisonRow:
    """``row`` with some metrics' means changed."""
    return dataclasses.replace(row, means={**row.means, **means})


def test_teleports_blocked_hours_or_vehicles_left_outside_mark_a_gridlock() -> None:
    assert gridlock(STEADY) is None
    # 1,560 vehicles: two teleports are a stuck corner, not a gridlock; twelve are.
    assert gridlock(_with(teleports=2.0)) is None
    assert gridlock(_with(teleports=12.0)) == "12 teleports per run"
    assert gridlock(_with(blocked=7200.0)) == "2.0 blocked veh-h per run"
    assert gridlock(_with(backlog=40.0, teleports=9.0)) == (
        "9 teleports, 40 vehicles never able to enter per run"
    )
    stuck = _with(teleports=30.0)
    other = dataclasses.replace(_with(stuck, blocked=3600.0), controller="fixed")
    assert cells(stuck, "fixed")[2] == "sotl\u00a0(gridlock)"
    assert cells(STEADY, "fixed")[2] == "sotl"
    assert cautions([STEADY, stuck, other], {}) == [
        "gridlock on helsinki x2: sotl (30 teleports per run); fixed (30 teleports, 1.0 "
        "blocked veh-h per run). Their delay and their junctions' control delay count only "
        "the vehicles that got through; their junctions are not graded"
    ]


def test_a_gridlocked_strategy_s_junctions_are_not_graded() -> None:
    level = {"los": "A", "control_delay": 4.0}
    assert shown_grade(level) == "A" and shown_grade({**level, "graded": False}) == GRIDLOCK


def test_a_short_or_beaten_policy_is_cautioned(tmp_path: Path) -> None:
    config = {
        "timesteps": 60_000,
        "layout": {f"J{i}": [10, 4] for i in range(35)},
        "validation": {
            "seeds": [46, 47], "kept_delay": 55.4, "teacher": "actuated", "teacher_delay": 47.1,
        },
    }  # fmt: skip
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert cautions([], {"ppo on helsinki": str(tmp_path)}) == [
        "ppo on helsinki: trained 60,000 decisions, 3 % of the 1,750,000 a network of its size "
        "gets from stopline train: a short run",
        "ppo on helsinki: the policy loses to its teacher actuated on validation seeds 46,47: "
        "55.4 s against 47.1 s (1.18x)",
    ]
    config.update(timesteps=1_750_000, validation={**config["validation"], "kept_delay": 45.0})
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert cautions([], {"ppo on helsinki": str(tmp_path)}) == []
