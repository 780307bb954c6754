"""The HCM's figures (`stopline.measures.hcm`): level of service, and the one control-delay
definition, for a lane group and summed over a junction, by hand."""

from __future__ import annotations

import pytest

from stopline.measures.hcm import control_delay, level_of_service
from stopline.measures.movements import LaneGroup, Link, junction_results


@pytest.mark.parametrize(
    ("delay", "grade"),
    [
        (0.0, "A"),
        (10.0, "A"),
        (10.1, "B"),
        (20.0, "B"),
        (35.0, "C"),
        (55.0, "D"),
        (80.0, "E"),
        (80.1, "F"),
    ],
)
def test_hcm_signalised_level_of_service(delay: float, grade: str) -> None:
    assert level_of_service(delay) == grade


# A run's lane totals (SUMO's laneData): two approach lanes of junction J, the internal
# lanes their links lead through, and an exit lane beyond the junction.
TOTALS = {
    "in_0": {"timeLoss": 300.0, "left": 20.0},
    "in_1": {"timeLoss": 100.0, "left": 10.0},
    ":J_0_0": {"timeLoss": 30.0, "left": 20.0},
    ":J_1_0": {"timeLoss": 20.0, "left": 10.0},
    "side_0": {"timeLoss": 90.0, "left": 6.0},
    ":J_2_0": {"timeLoss": 0.0, "left": 6.0},
    "out_0": {"timeLoss": 999.0, "left": 50.0},
}


def test_control_delay_by_hand() -> None:
    # (300 + 100 s on the approaches + 30 + 20 s inside the junction) / 30 that crossed.
    assert control_delay(TOTALS, ["in_0", "in_1"], [":J_0_0", ":J_1_0"]) == (15.0, 30)
    # An internal lane two links lead through is counted once.
    assert control_delay(TOTALS, ["in_0"], [":J_0_0", ":J_0_0"]) == (16.5, 20)
    # Nobody crossed: no delay, no vehicles (not a division by zero).
    assert control_delay(TOTALS, ["missing_0"], []) == (0.0, 0)


def _group(edge: str, turns: str, lanes: dict[str, str]) -> LaneGroup:
    links = tuple(
        Link(index, edge, lane, turns, (internal,))
        for index, (lane, internal) in enumerate(lanes.items())
    )
    return LaneGroup("J", edge, "EB", turns, tuple(lanes), links)


def test_a_junction_is_the_same_definition_over_all_its_lane_groups() -> None:
    groups = {
        "J": [
            _group("in", "T", {"in_0": ":J_0_0", "in_1": ":J_1_0"}),
            _group("side", "R", {"side_0": ":J_2_0"}),
        ]
    }
    # (450 + 90 s) over 30 + 6 vehicles: 15 s; the exit's 999 s is another junction's.
    assert junction_results(groups, TOTALS) == {
        "J": {"control_delay": 15.0, "vehicles": 36, "los": "B"}
    }
