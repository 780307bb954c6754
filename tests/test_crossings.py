"""`stopline scenarios crossings`: sidewalks, crossings and walkers added to a scenario by
SUMO's own tools, and every strategy then honouring the crossings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stopline import scenarios
from stopline.envs import EnvConfig
from stopline.envs.layout import net_lanes
from stopline.envs.pedestrians import pedestrian_min_greens
from stopline.envs.phases import phase_sets
from stopline.envs.timing import timing_for
from stopline.scenarios.xmlfiles import count_demand

from conftest import stopline


def test_crossings_are_added_with_walkers_and_honoured(tmp_path: Path, cache_dir: Path) -> None:
    out = tmp_path / "walking"
    made = stopline("scenarios", "crossings", "single", "--out", str(out), "--walkers", "360")
    assert made.returncode == 0, made.stderr
    assert "1 of 1 signalised junctions have crossings" in made.stdout
    scenario = scenarios.load(out / "single-crossings.sumocfg")
    assert net_lanes(scenario.net_file).walkways["C"]  # crossing links at the light
    walkers = count_demand(out / "single-walkers.rou.xml").get("person", 0)
    assert 300 <= walkers <= 360  # one an hour per 10 s, less walks that cannot be drawn
    # The rebuilt programme's crossing greens get walk and flashing don't-walk as min green.
    phases = phase_sets(scenario, "rebuilt")["C"]
    needs = [need for need in pedestrian_min_greens(phases) if need is not None]
    timing = timing_for(phases, EnvConfig())
    assert needs and all(
        timing.min_green_of(i) >= need
        for i, need in enumerate(pedestrian_min_greens(phases))
        if need is not None
    )
    # People walk and cars drive: a short evaluation runs, vehicles arrive.
    ran = stopline(
        "evaluate", str(out / "single-crossings.sumocfg"), "--controller", "actuated",
        "--seeds", "101", "--json",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    [row] = json.loads(ran.stdout)
    assert row["throughput"] > 0 and row["teleports"] == 0


def test_programmes_in_an_additional_file_are_refused(
    layouts: dict[str, Path], tmp_path: Path, cache_dir: Path
) -> None:
    refused = stopline(
        "scenarios", "crossings", str(layouts["city-programmes"]), "--out", str(tmp_path / "x")
    )
    assert refused.returncode == 2
    [line] = refused.stderr.strip().splitlines()
    assert "city.add.xml: holds signal programmes" in line


@pytest.mark.parametrize("walkers", ["0", "many"])
def test_bad_walkers_are_refused(walkers: str, tmp_path: Path) -> None:
    refused = stopline(
        "scenarios", "crossings", "single", "--out", str(tmp_path), "--walkers", walkers
    )
    assert refused.returncode == 2 and "--walkers" in refused.stderr
