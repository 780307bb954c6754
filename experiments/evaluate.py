"""Evaluating one controller on a scenario over evaluation demand seeds."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stopline import scenarios
from stopline.agents import Controller, run_episode
from stopline.scenarios import EVALUATION_SEEDS
from stopline.scenarios.xmlfiles import approach_edges

from .metrics import (
    TripMetrics,
    interval_series,
    junction_metrics,
    output_options,
    trip_metrics,
)


@dataclass(frozen=True)
class SeedResult:
    """One controller on one demand seed."""

    seed: int
    metrics: TripMetrics
    series: dict[str, Any]
    junctions: dict[str, dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, **self.metrics.as_dict()}


def measure(
    controller: Controller,
    scenario_name: str,
    seed: int,
    *,
    demand_scale: float = 1.0,
    config: Mapping[str, Any] | None = None,
) -> SeedResult:
    """One run over the whole window on demand seed ``seed`` (SUMO's seed too), measured."""
    scenario = scenarios.load(scenario_name, demand_scale=demand_scale, seed=seed)
    with tempfile.TemporaryDirectory(prefix="stopline-run-") as scratch:
        folder = Path(scratch)
        run_episode(
            controller,
            scenario,
            sumo_seed=seed,
            folder=folder,
            config=config,
            sumo_options=output_options(folder),
        )
        approaches = {
            junction: edges
            for junction, edges in approach_edges(scenario.net_file).items()
            if junction in scenario.junctions
        }
        return SeedResult(
            seed,
            trip_metrics(folder),
            interval_series(folder, approaches),
            junction_metrics(folder, approaches),
        )


def evaluate(
    controller: Controller,
    scenario_name: str,
    seeds: Sequence[int] = EVALUATION_SEEDS,
    *,
    demand_scale: float = 1.0,
    config: Mapping[str, Any] | None = None,
) -> list[SeedResult]:
    """Run ``controller`` on each demand seed; SUMO's seed is the demand seed too."""
    return [
        measure(controller, scenario_name, seed, demand_scale=demand_scale, config=config)
        for seed in seeds
    ]
