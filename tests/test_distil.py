"""Distilling a strategy into a fixed time-of-day plan and actuated programmes."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from stopline import scenarios
from stopline.agents.plans.distil import Realised, distil, served
from stopline.agents.plans.isolated import DesignInputs
from stopline.agents.plans.optimise import SEEDS
from stopline.envs import EnvConfig, PhaseSet
from stopline.experiments.runs.evaluate import evaluate
from stopline.experiments.runs.store import read_runs
from stopline.experiments.studies.distil import ACTUATED, RESULT

from conftest import cli, run_sumo


def test_a_fixed_programme_distils_into_itself(cache_dir: Path) -> None:
    """single's own programme runs greens of 33, 6, 33 and 6 s from second 0: what it did
    on the training seeds gives that plan back, in every period, with offset 0."""
    scenario = scenarios.load("single")
    recorded = evaluate("fixed", "single", SEEDS)
    plan = distil(DesignInputs.read(scenario, EnvConfig()), [r.signals for r in recorded])
    for period in plan.plans:
        junction = period["C"]
        assert junction.greens == (33.0, 6.0, 33.0, 6.0)
        assert junction.cycle == 90.0
        assert junction.offset == 0.0


def test_only_greens_skipped_in_nearly_every_cycle_and_served_elsewhere_are_left_out() -> None:
    phases = PhaseSet("J", ("GGgrr", "rrGrr", "rrrGr", "rrrrG"), (30.0, 5.0, 5.0, 20.0))
    seen = Realised(
        cycles=10.0,
        green_seconds=(300.0, 0.0, 0.0, 200.0),
        shortest=(30.0, None, None, 20.0),
        longest=(30.0, None, None, 20.0),
        skipped=(0.0, 10.0, 10.0, 0.0),
        starts=(),
        reference=0,
    )
    # Green 1's movement (link 2) is permitted in green 0; green 2's link 3 has no other.
    assert served(phases, seen) == [0, 2, 3]
    rarely = Realised(**{**seen.__dict__, "skipped": (0.0, 8.0, 10.0, 0.0)})
    assert served(phases, rarely) == [0, 1, 2, 3]  # served in 2 of 10 cycles: kept


def test_distil_writes_plans_and_pairs_them_with_the_strategys_runs(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "distilled"
    status, output, error = cli(
        capsys, "distil", str(results), "--controller", "max-pressure", "--out", str(out)
    )
    assert status == 0, error
    assert "distilled fixed plan" in output and "paired" in output
    summary = json.loads((out / RESULT).read_text())
    stored = {
        run.key.seed: run.metrics["mean_delay"]
        for run in read_runs(results)
        if run.key.controller == "max-pressure"
    }
    assert {int(seed): delay for seed, delay in summary["strategy_delay"].items()} == stored
    for plan in summary["plans"]:
        paired = [plan["delay"][str(seed)] - stored[seed] for seed in sorted(stored)]
        assert plan["difference"] == pytest.approx(statistics.fmean(paired))
    rows = (out / "timing.csv").read_text().splitlines()
    assert rows[0].startswith("period,junction") and len(rows) > 2
    # Both files load and run in plain SUMO.
    scenario = scenarios.load("single", seed=101)
    for file in ("plan.add.xml", ACTUATED):
        run_sumo(scenario, tmp_path, "--additional-files", str(out / file))


def test_distil_refuses_a_strategy_the_folder_does_not_hold(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, error = cli(capsys, "distil", str(results), "--controller", "greedy")
    assert status == 2 and error.count("\n") == 1 and "--controller greedy" in error
