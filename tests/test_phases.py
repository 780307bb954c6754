"""Phase sets and the timings derived from them, against programmes worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from stopline import scenarios
from stopline.envs import EnvConfig, timing_for
from stopline.envs.phases import Phase, decision_set, phase_sets, rebuilt_programmes
from stopline.envs.phases import _translate as translate

# A city programme: lead-in 2 s, through 30 s, 4 s yellow, protected left 6 s, 5 s yellow,
# all-red 2 s, then the cross street the same way. Links: 0-1 through, 2 left, 3-4 cross, 5
# cross left.
CITY = [
    Phase("GGrrrr", 2),
    Phase("GGgrrr", 30),
    Phase("yyGrrr", 4),
    Phase("rrGrrr", 6),
    Phase("rryrrr", 5),
    Phase("rrrrrr", 2),
    Phase("rrrGGr", 2),
    Phase("rrrGGg", 25),
    Phase("rrryyG", 4),
    Phase("rrrrrG", 6),
    Phase("rrrrry", 5),
    Phase("rrrrrr", 2),
]


def test_own_set_folds_transitional_greens_and_keeps_protected_lefts() -> None:
    phases = decision_set("J", CITY)
    # The 2 s lead-ins serve nothing the long greens do not: part of the transition.
    assert phases.greens == ("GGgrrr", "rrGrrr", "rrrGGg", "rrrrrG")
    assert phases.durations == (32.0, 6.0, 27.0, 6.0)  # each lead-in counts with its green
    assert phases.yellow == 5.0 and phases.all_red == 2.0
    # All-red only where the programme shows it: after the lefts, not before them.
    assert phases.clearances == {(0, 1): 0.0, (1, 2): 2.0, (2, 3): 0.0, (3, 0): 2.0}
    assert phases.controllable and phases.min_durations is None


def test_a_short_green_that_alone_serves_a_movement_stays_a_decision() -> None:
    phases = decision_set(
        "J", [Phase("GGr", 30), Phase("yyr", 3), Phase("rrG", 3), Phase("rry", 3)]
    )
    assert phases.greens == ("GGr", "rrG")


def test_one_green_is_nothing_to_decide() -> None:
    assert not decision_set("J", [Phase("GGG", 90)]).controllable


def test_timing_derived_from_the_programme() -> None:
    phases = decision_set("J", CITY)
    timing = timing_for(phases, EnvConfig())
    # At least the junction's clearance: 5 s yellow + 2 s all-red.
    assert timing.min_green == 7.0
    assert timing.yellow == 5.0
    assert timing.all_red_between(1, 2) == 2.0 and timing.all_red_between(0, 1) == 0.0
    # A pair the programme never shows in sequence gets its all-red where a movement starts.
    assert timing.all_red_between(0, 2) == 2.0 and timing.all_red_between(2, 1) == 2.0
    configured = timing_for(phases, EnvConfig(min_green=8, yellow_time=3, all_red=1))
    assert configured.min_green == 8 and configured.yellow == 3
    assert configured.all_red_between(0, 1) == 1.0


def test_translation_follows_connections_not_indices() -> None:
    own = {("a", "x", "0", "0"): 0, ("a", "y", "0", "0"): 1, ("b", "x", "0", "0"): 2}
    rebuilt = {("a", "x", "0", "0"): 2, ("a", "y", "0", "0"): 0, ("b", "x", "0", "0"): 1}
    phases = [Phase("GrG", 30, 5, 50), Phase("yry", 3)]
    assert [p.state for p in translate(phases, own, rebuilt) or []] == ["GGr", "yyr"]
    assert translate(phases, {**own, ("c", "x", "0", "0"): 3}, rebuilt) is None  # unmatched


def test_rebuilt_set_is_sumos_own_programme(town: Path, tmp_path: Path) -> None:
    scenario = scenarios.load(town / "town.sumocfg")
    rebuilt = phase_sets(scenario, "rebuilt")
    programmes = rebuilt_programmes(scenario.net_file)
    assert set(programmes) == set(scenario.junctions)
    for junction, phases in rebuilt.items():
        assert phases.source == "rebuilt"
        assert phases.min_durations is not None  # SUMO's actuated minDur/maxDur
        assert set(phases.greens) <= {phase.state for phase in programmes[junction]}


@pytest.mark.parametrize("kind", ["own", "rebuilt"])
def test_every_town_light_has_a_set(kind: str, town: Path) -> None:
    scenario = scenarios.load(town / "town.sumocfg")
    assert set(phase_sets(scenario, kind)) == set(scenario.junctions)
