"""One measured run: a controller over a scenario's whole window, SUMO's outputs read back.

`measure` runs the simulation in the calling process. libsumo keeps state from one
simulation to the next in a process, so Stopline calls it only in a process of its own
(`stopline.experiments.runs.evaluate`, the backends); do the same.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stopline import scenarios
from stopline.agents import Controller, run_episode
from stopline.agents.controller import environment_of
from stopline.envs import EnvConfig
from stopline.envs.layout import net_lanes
from stopline.envs.phases import PhaseSet, controllable, phase_sets
from stopline.measures.blocking import blocked_seconds, link_lanes
from stopline.measures.catalogue import trip_metrics
from stopline.measures.movements import (
    approach_lanes,
    junction_results,
    lane_groups,
    movement_rows,
)
from stopline.measures.outputs import interval_series, output_options
from stopline.measures.records import (
    LANES,
    QUEUES,
    STATES,
    read_lane_totals,
    read_queues,
    read_states,
    record_options,
    summed,
)
from stopline.measures.signal_activity import junction_activity, shown_phases
from stopline.scenarios import Scenario
from stopline.scenarios.xmlfiles import approach_edges, signal_links


@dataclass(frozen=True)
class SeedResult:
    """One controller on one demand seed."""

    seed: int
    metrics: dict[str, float]  # by `catalogue` name
    series: dict[str, Any]
    junctions: dict[str, dict[str, Any]]
    # What each controlled junction's signals did (`signal_activity`) and its lane groups'
    # HCM figures (`movements`); empty for runs stored before Stopline recorded them.
    signals: dict[str, dict[str, Any]] = field(default_factory=dict)
    movements: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, **self.metrics}

    def as_result(self) -> dict[str, Any]:
        """What a worker sends back and the store keeps."""
        return {
            "metrics": self.metrics,
            "series": self.series,
            "junctions": self.junctions,
            "signals": self.signals,
            "movements": self.movements,
        }

    @classmethod
    def from_result(cls, seed: int, result: Mapping[str, Any]) -> SeedResult:
        return cls(
            seed,
            dict(result["metrics"]),
            result["series"],
            result["junctions"],
            result.get("signals", {}),
            result.get("movements", []),
        )


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
    env = EnvConfig.from_mapping(environment_of(controller, config))
    sets = phase_sets(scenario, env.phases)
    controlled = controllable(scenario, env.phases)
    with tempfile.TemporaryDirectory(prefix="stopline-run-") as scratch:
        folder = Path(scratch)
        run_episode(
            controller,
            scenario,
            sumo_seed=seed,
            folder=folder,
            config=config,
            sumo_options=[
                *output_options(folder),
                *record_options(folder, controlled, scenario.begin),
            ],
        )
        approaches = {
            junction: edges
            for junction, edges in approach_edges(scenario.net_file).items()
            if junction in scenario.junctions
        }
        signals, movements, junctions, blocked = _from_records(
            folder, scenario, {j: sets[j] for j in controlled}
        )
        return SeedResult(
            seed,
            {**trip_metrics(folder), "blocked": blocked},
            interval_series(folder, approaches),
            junctions,
            signals,
            movements,
        )


def _from_records(
    folder: Path, scenario: Scenario, phases: Mapping[str, PhaseSet]
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]], dict[str, dict[str, Any]], float]:
    """What each junction's signals did, its lane groups' HCM figures, every signalised
    junction's control delay and LOS (one-phase lights too) and the blocked
    vehicle-seconds (`blocking`), from the run's records in ``folder``
    (`records.record_options`); each junction read on the greens of its phase set, or of
    its own programme where it ran that (`shown_phases`)."""
    window = (scenario.begin, scenario.end)
    states = read_states(folder / STATES, window)
    links = signal_links(scenario.net_file)
    net = net_lanes(scenario.net_file)
    queues = read_queues(folder / QUEUES, link_lanes(net, phases))
    totals = read_lane_totals(folder / LANES)
    every = lane_groups(scenario.net_file, scenario.junctions)
    groups = {junction: every.get(junction, []) for junction in phases}
    own = phase_sets(scenario, "own")
    signals = {}
    for junction, chosen in phases.items():
        record = states[junction]
        greens = shown_phases(record, [chosen.greens, own[junction].greens])
        signals[junction] = junction_activity(
            record,
            greens,
            links[junction],
            approach_lanes(groups.get(junction, [])),
            queues,
            window,
        )
    blocked = blocked_seconds({junction: states[junction] for junction in phases}, queues, net)
    rows = movement_rows(groups, states, totals, queues, window)
    return signals, rows, junction_results(every, summed(totals)), blocked
