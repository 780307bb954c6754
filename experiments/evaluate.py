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

from .metrics import TripMetrics, output_options, trip_metrics


@dataclass(frozen=True)
class SeedResult:
    """One controller on one demand seed."""

    seed: int
    metrics: TripMetrics

    def as_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, **self.metrics.as_dict()}


def evaluate(
    controller: Controller,
    scenario_name: str,
    seeds: Sequence[int] = EVALUATION_SEEDS,
    *,
    demand_scale: float = 1.0,
    config: Mapping[str, Any] | None = None,
) -> list[SeedResult]:
    """Run ``controller`` on each demand seed; SUMO's seed is the demand seed too."""
    results = []
    for seed in seeds:
        scenario = scenarios.load(scenario_name, demand_scale=demand_scale, seed=seed)
        with tempfile.TemporaryDirectory(prefix="stopline-eval-") as scratch:
            folder = Path(scratch)
            run_episode(
                controller,
                scenario,
                sumo_seed=seed,
                folder=folder,
                config=config,
                sumo_options=output_options(folder),
            )
            results.append(SeedResult(seed, trip_metrics(folder)))
    return results
