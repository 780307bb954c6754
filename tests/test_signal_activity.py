"""What the signals did, read back from SUMO's record, against programmes known in advance."""

from __future__ import annotations

from pathlib import Path

import pytest

from stopline import agents, scenarios
from stopline.envs.phases import phase_sets, read_programmes
from stopline.experiments.runs.measured import measure


@pytest.mark.parametrize("kind", ["own", "rebuilt"])
def test_a_hand_made_programme_reads_back_as_written(
    kind: str, layouts: dict[str, Path], cache_dir: Path
) -> None:
    """The OSM town's hand-made programmes (4-5 s yellows, 2 s all-reds, 2 s transitional
    greens, a second programme) run as they are: each junction's realised cycle is its
    programme's length, and, on its own greens, each green lasts what the phase set says
    it gets per cycle, transitional greens counted with the green they belong to."""
    config = layouts["city-programmes"]
    scenario = scenarios.load(str(config))
    programmes = read_programmes([scenario.net_file, *scenario.additional_files])
    sets = phase_sets(scenario, kind)
    result = measure(agents.make("fixed"), str(config), 0, config={"phases": kind})
    assert result.signals
    for junction, activity in result.signals.items():
        [interval] = activity["intervals"]  # the window is 300 s
        assert interval["cycle_mean"] == sum(p.duration for p in programmes[junction])
        assert interval["cycle_std"] in (0.0, None)
        if kind == "own":
            realised = tuple(phase["mean"] for phase in interval["phases"])
            assert realised == sets[junction].durations
            assert all(phase["skipped"] == 0 for phase in interval["phases"])
