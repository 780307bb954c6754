"""A time-of-day plan before coordination: periods, groups, cycles and splits, offsets 0."""

from __future__ import annotations

from stopline.envs import EnvConfig, phase_sets, timing_for
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


def isolated_plan(
    scenario: Scenario, config: EnvConfig, periods: str = "auto", settings: Settings | None = None
) -> TimingPlan:
    """Per period, each junction's plan from that period's flows of the training demand,
    with its group's common cycle and every offset 0."""
    settings = settings or Settings()
    chosen = plan_periods(scenario, periods)
    crossings = training_crossings(scenario)
    links = signal_links(scenario.net_file)
    sets = {
        name: phases
        for name, phases in phase_sets(scenario, config.phases).items()
        if phases.controllable
    }
    timings = {name: timing_for(phases, config) for name, phases in sets.items()}
    positions = network_geometry(scenario.net_file).signals
    coordinated = groups({name: positions[name] for name in sets})
    plans = []
    for index, period in enumerate(chosen):
        # Time not covered by any period runs the plan before it: its flows count too.
        end = chosen[index + 1].start if index + 1 < len(chosen) else scenario.end
        start = scenario.begin if index == 0 else period.start
        flows = window_flows(crossings, start, end)
        junctions = {
            name: Junction(
                phases,
                timings[name],
                critical_flow_ratios(
                    phases.greens, links.get(name, {}), flows, settings.saturation_flow
                ),
            )
            for name, phases in sets.items()
        }
        plans.append(design_period(junctions, coordinated, settings))
    return TimingPlan(chosen, tuple(plans), scenario.begin)
