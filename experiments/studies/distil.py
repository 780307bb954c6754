"""``stopline distil``: a strategy of a results folder (a learned policy or any other)
distilled into plans an engineer can read and deploy, and what deploying them instead
costs.

1. The strategy is run again on training demand seeds (`SEEDS`, as plans are optimised
   on), its signals recorded (`signal_activity`); evaluation seeds are never used to fit.
2. `stopline.agents.plans.distil` fits the time-of-day fixed plan (periods where the
   training demand changes) and an actuated version to what its signals did.
3. Both plans are run on the folder's evaluation seeds and paired, seed by seed, with the
   strategy's stored runs there: the cost of deploying the readable plan is the mean
   difference in delay per vehicle with its 95 % CI.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stopline import agents, scenarios
from stopline.agents.actuated import SumoActuated
from stopline.agents.controller import environment_of
from stopline.agents.plans.distil import actuated_plans, distil
from stopline.agents.plans.isolated import DesignInputs
from stopline.agents.plans.optimise import SEEDS
from stopline.agents.plans.store import COORDINATED, RECORD, record
from stopline.agents.plans.timing_plan import TimingPlan, write_sumo
from stopline.agents.programmes import write_programmes
from stopline.envs import EnvConfig
from stopline.experiments.analysis.statistics import mean_ci
from stopline.experiments.errors import ExperimentError
from stopline.experiments.reports.timing_sheet import (
    LANE_GROUPS_CSV,
    TIMING_CSV,
    TIMING_HTML,
    phase_pictures,
    with_movements,
    write_csv,
    write_html,
    write_lane_groups_csv,
)
from stopline.experiments.runs.evaluate import evaluate
from stopline.experiments.runs.store import (
    RunRecord,
    read_runs,
    read_settings,
    spec_env,
    write_atomically,
)

ACTUATED = "actuated.add.xml"  # the distilled actuated programmes
RESULT = "distil.json"  # the paired evaluation


@dataclass(frozen=True)
class Cost:
    """A distilled plan on the evaluation seeds, paired with the strategy's runs."""

    name: str
    delays: dict[int, float]  # by seed
    difference: float  # mean of plan - strategy, s per vehicle
    difference_ci: float
    better: int  # seeds where the plan beat the strategy

    @property
    def mean(self) -> float:
        return sum(self.delays.values()) / len(self.delays)


def _chosen_runs(
    runs: Sequence[RunRecord], folder: Path, label: str, scenario: str | None
) -> list[RunRecord]:
    """The strategy's finished runs on one scenario and scale (1 if it was run at 1)."""
    mine = [run for run in runs if run.key.controller == label and run.status == "done"]
    if not mine:
        known = ", ".join(sorted({run.key.controller for run in runs})) or "none"
        raise ExperimentError(
            f"--controller {label}: no finished runs in {folder}; it holds {known}"
        )
    names = sorted({run.key.scenario for run in mine})
    if scenario is None and len(names) > 1:
        raise ExperimentError(
            f"--scenario: {folder} holds {label} on {', '.join(names)}; choose one"
        )
    chosen = scenario or names[0]
    mine = [run for run in mine if run.key.scenario == chosen]
    if not mine:
        raise ExperimentError(f"--scenario {chosen}: {label} was not run on it in {folder}")
    scales = sorted({run.key.demand_scale for run in mine})
    scale = 1.0 if 1.0 in scales else scales[0]
    return [run for run in mine if run.key.demand_scale == scale]


def _cost(name: str, results: Sequence[Any], baseline: dict[int, float]) -> Cost:
    delays = {result.seed: result.metrics["mean_delay"] for result in results}
    differences = [delays[seed] - baseline[seed] for seed in sorted(delays)]
    difference, ci = mean_ci(differences)
    return Cost(name, delays, difference, ci, sum(d < 0 for d in differences))


def distil_strategy(
    folder: Path, label: str, out: Path, *, scenario: str | None = None, jobs: int = 1
) -> tuple[list[Cost], dict[int, float]]:
    """Distil ``label``'s runs in ``folder`` into plans in ``out``, evaluate them; return
    each plan's paired cost and the strategy's own delays by seed."""
    stored = _chosen_runs(read_runs(folder), folder, label, scenario)
    first = stored[0]
    controller = first.controller_name
    params = {key: value for key, value in first.params.items() if key != "controller"}
    env = spec_env(read_settings(folder))
    # A policy runs with the env it was trained with; its plans keep that phase set.
    config = environment_of(agents.make(controller, **params), env)
    name, scale = first.key.scenario, first.key.demand_scale
    loaded = scenarios.load(name, demand_scale=scale)
    inputs = DesignInputs.read(loaded, EnvConfig.from_mapping(config))
    print(
        f"recording {label} on {name} x{scale:g}, training seeds {', '.join(map(str, SEEDS))} ...",
        flush=True,
    )
    recorded = evaluate(
        controller, name, SEEDS, params=params, demand_scale=scale, config=config, jobs=jobs
    )
    activities = [result.signals for result in recorded]
    plan = distil(inputs, activities)
    out.mkdir(parents=True, exist_ok=True)
    # Everything is written into a scratch folder and moved in at the end: an interrupt
    # leaves the plans of an earlier distil whole.
    baseline = {run.key.seed: float(run.metrics["mean_delay"]) for run in stored}
    scratch = Path(tempfile.mkdtemp(prefix=".distil-", dir=out))
    try:
        costs = _write_and_price(
            plan, inputs, activities, scratch, stored[0], baseline, config, jobs, loaded.net_file
        )
        for file in scratch.iterdir():
            file.replace(out / file.name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return costs, baseline


def _write_and_price(
    plan: TimingPlan,
    inputs: DesignInputs,
    activities: list[dict[str, Any]],
    folder: Path,
    first: RunRecord,
    baseline: dict[int, float],
    config: dict[str, Any],
    jobs: int,
    net: Path,
) -> list[Cost]:
    """Write the plans and their sheet into ``folder``, run them on the seeds of
    ``baseline`` (the strategy's delay by seed; ``first`` one of its runs) and pair them."""
    label, name, scale = first.key.controller, first.key.scenario, first.key.demand_scale
    controller = first.controller_name
    write_sumo(plan, folder / COORDINATED)
    write_programmes(
        folder / ACTUATED,
        actuated_plans(inputs, activities),
        kind="actuated",
        program_id="stopline-distilled-actuated",
        parameters=SumoActuated().logic_parameters(),
    )
    rows = with_movements(record(plan), net, inputs.flows_by_start())
    sheet = {
        "title": f"Timing plan distilled from {label}: {name}",
        "scenario": name,
        "distilled_from": label,
        "controller": controller,
        "training_seeds": list(SEEDS),
        "periods": [period.label for period in plan.periods],
        "coordinated": rows,
    }
    write_atomically(folder / RECORD, json.dumps(sheet, indent=2) + "\n")
    write_csv(rows, folder / TIMING_CSV)
    write_lane_groups_csv(rows, folder / LANE_GROUPS_CSV)
    facts = [
        ("scenario", f"{name} x{scale:g}"),
        (
            "distilled from",
            f"{label} ({controller}), as it ran on training demand seeds "
            f"{', '.join(map(str, SEEDS))}",
        ),
        ("periods", ", ".join(sheet["periods"])),
        (
            "how",
            "per period, each phase's realised green per cycle (cycles that skipped it "
            "count 0) within min and max green; a phase skipped in 90 % of cycles whose "
            "movements have green elsewhere left out; offsets the circular mean of the "
            "longest green's starts",
        ),
    ]
    write_html(sheet, [], folder / TIMING_HTML, facts, phase_pictures(rows, net))
    seeds = sorted(baseline)
    costs = []
    for what, file in (("distilled fixed plan", COORDINATED), ("distilled actuated", ACTUATED)):
        print(f"evaluating the {what} on seeds {', '.join(map(str, seeds))} ...", flush=True)
        results = evaluate(
            f"plan:{folder / file}", name, seeds, demand_scale=scale, config=config, jobs=jobs
        )
        costs.append(_cost(what, results, baseline))
    summary = {
        "scenario": name,
        "demand_scale": scale,
        "strategy": label,
        "strategy_delay": baseline,
        "plans": [
            {
                "name": cost.name,
                "delay": cost.delays,
                "difference": cost.difference,
                "difference_ci": cost.difference_ci,
                "better_on": cost.better,
            }
            for cost in costs
        ],
    }
    write_atomically(folder / RESULT, json.dumps(summary, indent=2) + "\n")
    return costs
