"""``webster``: a fixed-time plan from the scenario's own demand, by Webster's method."""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from stopline.envs import EnvConfig, phase_sets, timing_for
from stopline.envs.config import MIN_GREEN_FLOOR
from stopline.envs.pedestrians import pedestrian_min_greens
from stopline.measures.hcm import LOST_TIME_PER_PHASE, SATURATION_FLOW
from stopline.measures.movements import lane_flows
from stopline.scenarios import Scenario
from stopline.scenarios.flows import peak_hour_movement_flows
from stopline.scenarios.xmlfiles import signal_links

from .controller import NativeController
from .programmes import Plan, write_programmes

# The cycle's bounds: with the HCM's saturation flow and lost time (`measures.hcm`), the
# defaults of every fixed-time design (`Webster`, `plans.design.Settings`). A fixed-time
# green is never shown shorter than `MIN_GREEN_FLOOR`, the shortest green any strategy
# gets, whatever the split says.
MIN_CYCLE = 40.0  # s
MAX_CYCLE = 120.0  # s


@dataclass(frozen=True)
class WebsterTiming:
    """Webster's cycle and green splits for one junction."""

    cycle: float
    greens: tuple[float, ...]
    flow_ratios: tuple[float, ...]
    lost_time: float
    oversaturated: bool

    @property
    def total_flow_ratio(self) -> float:
        return sum(self.flow_ratios)


def webster_timing(
    flow_ratios: Sequence[float],
    lost_time: float,
    *,
    min_cycle: float = MIN_CYCLE,
    max_cycle: float = MAX_CYCLE,
    min_green: float = MIN_GREEN_FLOOR,
) -> WebsterTiming:
    """Webster's optimum cycle C0 = (1.5 L + 5) / (1 - Y), clamped, and greens split by y.

    ``flow_ratios`` are the critical flow ratios y (flow / saturation flow) of the phases,
    ``lost_time`` the total lost time L of a cycle. Y >= 1 (over-saturated) gets the
    longest cycle. Effective green C - L is shared in proportion to y, each at least
    ``min_green``.
    """
    total = sum(flow_ratios)
    oversaturated = total >= 1.0
    optimum = math.inf if oversaturated else (1.5 * lost_time + 5.0) / (1.0 - total)
    cycle = min(max_cycle, max(min_cycle, optimum))
    effective = cycle - lost_time
    shares = (
        [ratio / total for ratio in flow_ratios]
        if total > 0
        else [1.0 / len(flow_ratios)] * len(flow_ratios)
    )
    greens = tuple(max(min_green, effective * share) for share in shares)
    return WebsterTiming(cycle, greens, tuple(flow_ratios), lost_time, oversaturated)


def junction_timing(
    ratios: Sequence[float], lost_time_per_phase: float, min_cycle: float, max_cycle: float
) -> WebsterTiming:
    """Webster's timing of one junction: ``lost_time_per_phase`` lost in each of its phases,
    no green shown shorter than `MIN_GREEN_FLOOR`."""
    return webster_timing(
        ratios,
        lost_time_per_phase * len(ratios),
        min_cycle=min_cycle,
        max_cycle=max_cycle,
        min_green=MIN_GREEN_FLOOR,
    )


def critical_flow_ratios(
    greens: Sequence[str],
    links: Mapping[int, tuple[str, str, str]],
    flows: Mapping[tuple[str, str], float],
    saturation_flow: float,
) -> tuple[float, ...]:
    """Per green: the highest lane flow / saturation flow among lanes it gives priority.

    A movement's flow is shared equally by the lanes that serve it. Lanes with priority
    green in every phase (free turns) need no time and are left out; a phase with only
    permitted ('g') movements is judged by those; a green whose priority lanes all had
    priority in the green before it continues that green, and needs no time of its own.
    """
    lane_links: dict[str, list[int]] = defaultdict(list)
    for index, (_, _, lane) in links.items():
        lane_links[lane].append(index)
    lane_flow = lane_flows(links.values(), flows)
    always = {
        lane
        for lane, indices in lane_links.items()
        if all(any(green[i] in "Gs" for i in indices) for green in greens)
    }

    def priority(green: str) -> set[str]:
        return {
            lane
            for lane, indices in lane_links.items()
            if lane not in always and any(green[i] == "G" for i in indices)
        }

    ratios = []
    for index, green in enumerate(greens):
        lanes = priority(green)
        if lanes and lanes <= priority(greens[index - 1]):
            # A continuation (netconvert's pedestrian clearance: the same vehicle greens,
            # the crossings red): its lanes' flow is timed in the green before it.
            ratios.append(0.0)
            continue
        if not lanes:
            lanes = {
                lane
                for lane, indices in lane_links.items()
                if lane not in always and any(green[i] in "Gg" for i in indices)
            }
        ratios.append(
            max((lane_flow.get(lane, 0.0) / saturation_flow for lane in lanes), default=0.0)
        )
    return tuple(ratios)


class Webster(NativeController):
    """A fixed-time plan from the route demand by Webster's method, installed in SUMO.

    Peak-hour flows (passenger-car units) per lane give each green's critical flow ratio
    y; the cycle is C0 = (1.5 L + 5) / (1 - Y) clamped to [min_cycle, max_cycle] (an
    unclamped light-demand cycle of 20 s is a known trap); greens share C - L by y.
    Over-saturated junctions (Y >= 1) get max_cycle and a warning.

    Parameters:
        saturation_flow: PCU per hour of green per lane (default 1800).
        lost_time_per_phase: seconds lost per phase, start-up plus clearance (default 4).
        min_cycle, max_cycle: cycle bounds in seconds (default 40, 120).
    """

    name = "webster"

    def __init__(
        self,
        saturation_flow: float = SATURATION_FLOW,
        lost_time_per_phase: float = LOST_TIME_PER_PHASE,
        min_cycle: float = MIN_CYCLE,
        max_cycle: float = MAX_CYCLE,
    ) -> None:
        self.saturation_flow = saturation_flow
        self.lost_time_per_phase = lost_time_per_phase
        self.min_cycle = min_cycle
        self.max_cycle = max_cycle
        self.timings: dict[str, WebsterTiming] = {}

    def install(self, scenario: Scenario, folder: Path, config: EnvConfig) -> list[str]:
        flows = peak_hour_movement_flows(scenario)
        links = signal_links(scenario.net_file)
        plans = []
        for junction, phases in phase_sets(scenario, config.phases).items():
            if not phases.controllable:
                continue
            ratios = critical_flow_ratios(
                phases.greens, links.get(junction, {}), flows, self.saturation_flow
            )
            timing = timing_for(phases, config)
            webster = junction_timing(
                ratios, self.lost_time_per_phase, self.min_cycle, self.max_cycle
            )
            if webster.oversaturated:
                warnings.warn(
                    f"junction {junction} is over-saturated "
                    f"(Y = {webster.total_flow_ratio:.2f} >= 1); using the {self.max_cycle:g} s "
                    "maximum cycle",
                    stacklevel=2,
                )
            self.timings[junction] = webster
            count = len(phases.greens)
            # Shown green = effective green + the part of the lost time not shown as
            # yellow or all-red, so the installed cycle is Webster's cycle.
            shown = [
                green
                + self.lost_time_per_phase
                - timing.yellow
                - timing.all_red_between(index, (index + 1) % count)
                for index, green in enumerate(webster.greens)
            ]
            # Whole seconds, as a timing sheet gives them (SUMO steps in seconds too); a
            # green that shows a crossing lasts its pedestrians' walk and clearance.
            walkers = pedestrian_min_greens(phases)
            durations = tuple(
                float(round(max(MIN_GREEN_FLOOR, need or 0.0, green)))
                for green, need in zip(shown, walkers, strict=True)
            )
            plans.append(Plan(phases, durations=durations, timing=timing))
        path = write_programmes(
            folder / "webster.add.xml", plans, kind="static", program_id="stopline-webster"
        )
        return ["--additional-files", str(path)]
