"""One measured run: a controller over a scenario's whole window, SUMO's outputs read back.

`measure` runs the simulation in the calling process. libsumo keeps state from one
simulation to the next in a process, so Stopline calls it only in a process of its own
(`stopline.experiments.evaluate`, the backends); do the same.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stopline import scenarios
from stopline.agents import Controller, run_episode
from stopline.envs.trips import TripMetrics, trip_metrics
from stopline.scenarios.xmlfiles import approach_edges

from .metrics import interval_series, junction_metrics, output_options


@dataclass(frozen=True)
class SeedResult:
    """One controller on one demand seed."""

    seed: int
    metrics: TripMetrics
    series: dict[str, Any]
    junctions: dict[str, dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, **self.metrics.as_dict()}

    def as_result(self) -> dict[str, Any]:
        """What a worker sends back and the store keeps."""
        return {
            "metrics": self.metrics.as_dict(),
            "series": self.series,
            "junctions": self.junctions,
        }

    @classmethod
    def from_result(cls, seed: int, result: Mapping[str, Any]) -> SeedResult:
        return cls(seed, TripMetrics(**result["metrics"]), result["series"], result["junctions"])


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
