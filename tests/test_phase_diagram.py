"""The sheet's phase diagram (`stopline.experiments.reports.phase_diagram`): arrows point
where each approach's turns go (right-hand traffic)."""

from __future__ import annotations

import base64

import pytest

from stopline import scenarios
from stopline.envs.phases import phase_sets
from stopline.experiments.reports.phase_diagram import movement_arrow, phase_diagram
from stopline.measures.movements import lane_groups


@pytest.mark.parametrize(
    ("bound", "turn", "enters", "leaves"),
    [
        ("NB", "T", "south", "north"),
        ("NB", "L", "south", "west"),
        ("EB", "T", "west", "east"),
        ("EB", "L", "west", "north"),
        ("EB", "R", "west", "south"),
        ("SB", "L", "north", "east"),
        ("WB", "L", "east", "south"),
        ("WB", "R", "east", "north"),
    ],
)
def test_arrows_go_where_the_turns_go(bound: str, turn: str, enters: str, leaves: str) -> None:
    def arm(point: tuple[float, float]) -> str:
        x, y = point
        if abs(y) >= abs(x):
            return "north" if y > 0 else "south"
        return "east" if x > 0 else "west"

    start, end = movement_arrow(bound, turn)
    assert (arm(start), arm(end)) == (enters, leaves)


def test_a_junction_gets_one_panel_per_phase(cache_dir: object) -> None:
    scenario = scenarios.load("single")
    greens = phase_sets(scenario, "own")["C"].greens
    picture = base64.b64decode(phase_diagram(lane_groups(scenario.net_file, ["C"])["C"], greens))
    assert picture.startswith(b"\x89PNG")
