"""A time-of-day plan before coordination: periods, groups, cycles and splits, offsets 0."""

from __future__ import annotations

from dataclasses import dataclass

from stopline.envs import EnvConfig, PhaseSet, Timing, phase_sets, timing_for
from stopline.scenarios import Scenario
from stopline.scenarios.flows import training_crossings, training_departures, window_flows
from stopline.scenarios.geometry import network_geometry
from stopline.scenarios.xmlfiles import signal_links

from ..webster import critical_flow_ratios
from .design import Junction, Settings, design_period, groups
from .periods import TimePeriod, auto_periods, parse_periods
from .timing_plan import TimingPlan


def plan_periods(scenario: Scenario, periods: str) -> tuple[TimePeriod, ...]:
    """``auto`` (where the training demand changes) or the periods ``HH:MM-HH:MM,...``."""
    if periods == "auto":
        return auto_periods(training_departures(scenario), scenario.begin, scenario.end)
    return parse_periods(periods, scenario.begin, scenario.end)


@dataclass(frozen=True)
class DesignInputs:
    """What designing a scenario's plans reads from it, read once: the periods, each
    period's flows (training demand), the phase sets and timings, the signals' links and
    the coordination groups. `plan` then designs for any `Settings`."""

    periods: tuple[TimePeriod, ...]
    flows: tuple[dict[tuple[str, str], float], ...]
    sets: dict[str, PhaseSet]
    timings: dict[str, Timing]
    links: dict[str, dict[int, tuple[str, str, str]]]
    coordinated: list[list[str]]
    begin: float

    @classmethod
    def read(cls, scenario: Scenario, config: EnvConfig, periods: str = "auto") -> DesignInputs:
        chosen = plan_periods(scenario, periods)
        crossings = training_crossings(scenario)
        sets = {
            name: phases
            for name, phases in phase_sets(scenario, config.phases).items()
            if phases.controllable
        }
        positions = network_geometry(scenario.net_file).signals
        flows = []
        for index, period in enumerate(chosen):
            # Time not covered by any period runs the plan before it: its flows count too.
            end = chosen[index + 1].start if index + 1 < len(chosen) else scenario.end
            start = scenario.begin if index == 0 else period.start
            flows.append(window_flows(crossings, start, end))
        return cls(
            chosen,
            tuple(flows),
            sets,
            {name: timing_for(phases, config) for name, phases in sets.items()},
            signal_links(scenario.net_file),
            groups({name: positions[name] for name in sets}),
            scenario.begin,
        )

    def flows_by_start(self) -> dict[float, dict[tuple[str, str], float]]:
        """Each period's movement flows, by the period's start (as plan records have it)."""
        return {period.start: flows for period, flows in zip(self.periods, self.flows, strict=True)}

    def plan(self, settings: Settings) -> TimingPlan:
        """Per period, each junction's plan from that period's flows, with its group's
        common cycle and every offset 0."""
        plans = []
        for flows in self.flows:
            junctions = {
                name: Junction(
                    phases,
                    self.timings[name],
                    critical_flow_ratios(
                        phases.greens, self.links.get(name, {}), flows, settings.saturation_flow
                    ),
                )
                for name, phases in self.sets.items()
            }
            plans.append(design_period(junctions, self.coordinated, settings))
        return TimingPlan(self.periods, tuple(plans), self.begin)


def isolated_plan(
    scenario: Scenario, config: EnvConfig, periods: str = "auto", settings: Settings | None = None
) -> TimingPlan:
    """Per period, each junction's plan from that period's flows of the training demand,
    with its group's common cycle and every offset 0."""
    return DesignInputs.read(scenario, config, periods).plan(settings or Settings())
