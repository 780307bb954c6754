"""``coordinated-actuated`` decisions (`stopline.agents.plans.actuated_plan.decide`), worked
by hand on a two-green junction: main green 0 planned 0-30 s of a 60 s cycle, side green 1
planned 33-57 s; lanes a and b are green 0's, lane c green 1's; min green 5 s."""

from __future__ import annotations

import pytest

from stopline.agents.plans.actuated_plan import Cycle, Window, cycles_of, decide

from junction_states import two_green_state

CYCLE = Cycle(0.0, 3600.0, 60.0, 0.0, (Window(0, 0.0, 30.0), Window(1, 33.0, 57.0)))
MIN_GREENS = (5.0, 5.0)
MAIN_QUEUED, SIDE_QUEUED, BOTH, NONE = [3, 2, 0], [0, 0, 4], [3, 2, 4], [0, 0, 0]


@pytest.mark.parametrize(
    ("phase", "now", "halting", "expected"),
    [
        (0, 10.0, BOTH, None),  # the main green holds while its vehicles are there
        (0, 10.0, SIDE_QUEUED, 1),  # an empty main green ends early for a called side
        (0, 40.0, BOTH, 1),  # after its force-off, a called side green is served
        (0, 40.0, MAIN_QUEUED, None),  # nobody calls the side: rest in main
        (0, 55.0, SIDE_QUEUED, None),  # no room for its min green before 57 s
        (1, 40.0, MAIN_QUEUED, 0),  # the side queue has gone: back to main
        (1, 40.0, BOTH, None),  # the side green holds while its queue stands
        (1, 58.0, BOTH, 0),  # forced off at its planned end
        (1, 65.0, BOTH, 0),  # the cycle has come round: forced off
        (0, 100.0, SIDE_QUEUED, 1),  # the cycle repeats: 100 s is 40 s in
    ],
)
def test_decisions_by_hand(
    phase: int, now: float, halting: list[float], expected: int | None
) -> None:
    state = two_green_state(halting, [0, 0, 0], phase=phase)
    assert decide(CYCLE, state, now, MIN_GREENS) == expected


def test_no_decision_before_min_green_or_during_a_transition() -> None:
    state = two_green_state(MAIN_QUEUED, [0, 0, 0], phase=1)
    assert decide(CYCLE, state, 40.0, MIN_GREENS) == 0
    assert decide(CYCLE, state._replace(min_green_passed=False), 40.0, MIN_GREENS) is None
    assert decide(CYCLE, state._replace(in_transition=True), 40.0, MIN_GREENS) is None


def test_the_cycle_counts_from_the_longest_green() -> None:
    # A plan whose first phase is the minor one (8 s) and second the arterial's (40 s).
    row = {
        "junction": "J", "start": 0.0, "end": 3600.0, "cycle": 54.0, "offset": 10.0,
        "phases": [
            {"state": "rG", "green": 8.0, "yellow": 3.0, "all_red": 0.0},
            {"state": "Gr", "green": 40.0, "yellow": 3.0, "all_red": 0.0},
        ],
    }  # fmt: skip
    (cycle,) = cycles_of([row], {"J": ["Gr", "rG"]})["J"]
    assert cycle.windows == (Window(0, 0.0, 40.0), Window(1, 43.0, 51.0))
    assert cycle.offset == 21.0  # the arterial's green starts 11 s after the plan's offset
