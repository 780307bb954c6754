"""A strategy distilled into a readable plan: the time-of-day fixed plan (and, separately,
actuated parameters) that reproduces what the strategy's signals did.

The input is what the signals did in recorded runs of the strategy on training demand
(`stopline.measures.signal_activity`: per junction and 15 minutes, the realised cycles
and each phase's green share, mean, min and max green, and the reference phase's start
times). Per period and junction:

- each phase's *green* is its realised green per cycle (its green seconds over the
  period's cycles; cycles that skipped it count as zero), in whole seconds within min and
  max green; the *cycle* is these greens and their intergreens. A fixed plan serves every
  phase every cycle, so where the strategy skipped phases the cycle is longer than the
  realised one rather than the busy greens shorter;
- a green the strategy skipped in nearly every cycle (`DROP_SKIPPED`) is left out where
  its movements have green (protected or permitted) in a green that stays;
- consecutive periods whose cycles and greens come out the same are one period (no
  programme switch between them);
- the *offset* is the circular mean of the reference phase's starts, modulo the cycle,
  taken back to the first phase's start.

15-minute records count towards a period by their overlap with it. The actuated version
keeps the same phase order and initial greens, with each green's minDur and maxDur the
shortest and longest realised (within min and max green).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stopline.agents.programmes import Plan
from stopline.envs import PhaseSet, Timing
from stopline.envs.phases import green_links

from ..errors import AgentError
from ..webster import critical_flow_ratios
from .design import JunctionPlan, Settings, green_bounds, intergreens, saturation, whole_seconds
from .isolated import DesignInputs
from .periods import TimePeriod
from .timing_plan import TimingPlan

Activity = Mapping[str, Any]  # one junction's record in one run (signal_activity)
# A green skipped in at least this share of a period's cycles is left out of the plan, if
# its movements have green in another green: a fixed plan need not serve what the
# strategy did not.
DROP_SKIPPED = 0.9


@dataclass(frozen=True)
class Realised:
    """What one junction's signals did over one period, summed over the runs."""

    cycles: float  # weighted count of cycles begun (starts of the reference phase)
    green_seconds: tuple[float, ...]  # per phase
    shortest: tuple[float | None, ...]  # per phase, over the records
    longest: tuple[float | None, ...]
    skipped: tuple[float, ...]  # per phase, weighted count of cycles it was skipped in
    starts: tuple[float, ...]  # the reference phase's starts in the period
    reference: int

    def only(self, keep: Sequence[int]) -> Realised:
        """The same, for the phases ``keep`` (indices, in order) alone."""
        return dataclasses.replace(
            self,
            green_seconds=tuple(self.green_seconds[i] for i in keep),
            shortest=tuple(self.shortest[i] for i in keep),
            longest=tuple(self.longest[i] for i in keep),
            skipped=tuple(self.skipped[i] for i in keep),
            reference=keep.index(self.reference),
        )


def _overlap(interval: Mapping[str, Any], start: float, end: float) -> float:
    """The share of a 15-minute record inside [start, end)."""
    inside = min(end, interval["end"]) - max(start, interval["begin"])
    return max(0.0, inside) / (interval["end"] - interval["begin"])


def realised(activities: Sequence[Activity], start: float, end: float) -> Realised:
    """One junction's realised cycles, greens and starts in [start, end), over runs."""
    count = len(activities[0]["phases"])
    cycles = 0.0
    reference = activities[0]["reference"]
    greens = [0.0] * count
    skipped = [0.0] * count
    low: list[float | None] = [None] * count
    high: list[float | None] = [None] * count
    for activity in activities:
        for interval in activity["intervals"]:
            weight = _overlap(interval, start, end)
            if weight == 0:
                continue
            # Every cycle begun counts: the last one of the window is cut short, its
            # greens are shown all the same.
            cycles += weight * interval["phases"][reference]["greens"]
            length = interval["end"] - interval["begin"]
            for index, phase in enumerate(interval["phases"]):
                greens[index] += weight * phase["share"] * length
                skipped[index] += weight * phase["skipped"]
                if phase["min"] is not None:
                    low[index] = min(phase["min"], low[index] or math.inf)
                    high[index] = max(phase["max"], high[index] or 0.0)
    starts = tuple(t for a in activities for t in a["starts"] if start <= t < end)
    return Realised(
        cycles,
        tuple(greens),
        tuple(low),
        tuple(high),
        tuple(skipped),
        starts,
        reference,
    )


def served(phases: PhaseSet, seen: Realised) -> list[int]:
    """The greens a fixed plan keeps: all but those the strategy skipped in at least
    `DROP_SKIPPED` of the cycles whose movements all have green (protected or permitted)
    in a kept green; the first green (where plans switch) and the reference always stay."""
    keep = list(range(len(phases.greens)))
    for index in sorted(keep, key=lambda i: -seen.skipped[i]):
        if index in (0, seen.reference) or seen.cycles < 1:
            continue
        if seen.skipped[index] < DROP_SKIPPED * seen.cycles:
            continue
        others = set().union(*(green_links(phases.greens[i]) for i in keep if i != index))
        if green_links(phases.greens[index]) <= others:
            keep.remove(index)
    return keep


def subset(phases: PhaseSet, timing: Timing, keep: Sequence[int]) -> tuple[PhaseSet, Timing]:
    """The phase set and timing of the greens ``keep`` only, in their order."""
    new = {old: index for index, old in enumerate(keep)}

    def pick(values: tuple[float, ...] | None) -> tuple[float, ...] | None:
        return None if values is None else tuple(values[i] for i in keep)

    kept = dataclasses.replace(
        phases,
        greens=tuple(phases.greens[i] for i in keep),
        durations=tuple(phases.durations[i] for i in keep),
        min_durations=pick(phases.min_durations),
        max_durations=pick(phases.max_durations),
        clearances={
            (new[a], new[b]): seconds
            for (a, b), seconds in phases.clearances.items()
            if a in new and b in new
        },
    )
    timed = Timing(
        yellow=timing.yellow,
        all_red=timing.all_red,
        min_green=tuple(timing.min_green_of(i) for i in keep),
        max_green=timing.max_green,
        clearances={
            (new[a], new[b]): timing.all_red_between(a, b) for a in keep for b in keep if a != b
        },
    )
    return kept, timed


def _circular_mean(times: Sequence[float], cycle: float) -> float:
    """The mean position of ``times`` on a circle of ``cycle`` seconds (0 if none)."""
    if not times:
        return 0.0
    x = sum(math.cos(2 * math.pi * t / cycle) for t in times)
    y = sum(math.sin(2 * math.pi * t / cycle) for t in times)
    return (math.atan2(y, x) / (2 * math.pi) * cycle) % cycle


def junction_plan(
    phases: PhaseSet,
    timing: Timing,
    seen: Realised,
    flows: Mapping[tuple[str, str], float],
    links: Mapping[int, tuple[str, str, str]],
    group: int,
    settings: Settings,
) -> JunctionPlan:
    """The fixed plan closest to what one junction's signals did in one period (greens it
    almost never served dropped, `served`); ``flows`` give the sheet's y and x."""
    keep = served(phases, seen)
    phases, timing = subset(phases, timing, keep)
    seen = seen.only(keep)
    ratios = critical_flow_ratios(phases.greens, links, flows, settings.saturation_flow)
    between = intergreens(phases, timing)
    lows, highs = green_bounds(timing, len(between))
    if seen.cycles >= 1:  # each phase's realised green per cycle, skips counted as 0
        targets = [green / seen.cycles for green in seen.green_seconds]
    else:  # no cycle completed (one green held throughout): shares of the longest cycle
        shown = sum(seen.green_seconds) or 1.0
        room = settings.max_cycle - sum(between)
        targets = [room * green / shown for green in seen.green_seconds]
    # A fixed plan serves every phase every cycle: phases the strategy often skipped get at
    # least their min green, so the cycle grows rather than the busy greens shrinking.
    total = round(sum(min(h, max(lo, t)) for t, lo, h in zip(targets, lows, highs, strict=True)))
    greens = whole_seconds(targets, total, lows, highs)
    assert greens is not None  # total lies within the bounds' sums
    cycle = sum(greens) + sum(between)
    lead = sum(greens[i] + between[i] for i in range(seen.reference))
    offset = (_circular_mean(seen.starts, cycle) - lead) % cycle
    return JunctionPlan(
        Plan(phases, greens, timing),
        cycle,
        float(round(offset) % round(cycle)),
        group,
        tuple(ratios),
        saturation(ratios, greens, cycle),
    )


def distil(
    inputs: DesignInputs,
    runs: Sequence[Mapping[str, Activity]],
    settings: Settings | None = None,
) -> TimingPlan:
    """The time-of-day plan reproducing ``runs`` (each: junction -> what its signals did),
    for the periods, phase sets and timings of ``inputs``."""
    settings = settings or Settings()
    for name, phases in inputs.sets.items():
        for run in runs:
            if name not in run or tuple(run[name]["phases"]) != phases.greens:
                raise AgentError(
                    f"junction {name}: the recorded runs did not show the "
                    f"{len(phases.greens)} greens of its phase set; a strategy that runs the "
                    "junction's own programme (fixed) is a fixed plan already"
                )
    periods: list[TimePeriod] = []
    plans: list[dict[str, JunctionPlan]] = []
    flows: list[dict[tuple[str, str], float]] = []
    for index, period in enumerate(inputs.periods):
        start = inputs.begin if index == 0 else period.start
        window = (start, _period_end(inputs.periods, index, runs))
        these = _period_plans(inputs, runs, window, inputs.flows[index], settings)
        if plans and all(_same_timing(plans[-1][n], these[n]) for n in these):
            # The same cycles and greens as the period before: one period, no switch (its
            # offsets read over both, its y and x those of the busier flows).
            merged = {k: max(flows[-1].get(k, 0.0), v) for k, v in inputs.flows[index].items()}
            flows[-1] = {**flows[-1], **merged}
            first = inputs.begin if len(periods) == 1 else periods[-1].start
            periods[-1] = TimePeriod(periods[-1].start, period.end)
            plans[-1] = _period_plans(inputs, runs, (first, window[1]), flows[-1], settings)
            continue
        periods.append(period)
        plans.append(these)
        flows.append(dict(inputs.flows[index]))
    return TimingPlan(tuple(periods), tuple(plans), inputs.begin)


def _same_timing(a: JunctionPlan, b: JunctionPlan) -> bool:
    return a.plan.phases.greens == b.plan.phases.greens and a.greens == b.greens


def _period_plans(
    inputs: DesignInputs,
    runs: Sequence[Mapping[str, Activity]],
    window: tuple[float, float],
    flows: Mapping[tuple[str, str], float],
    settings: Settings,
) -> dict[str, JunctionPlan]:
    """Every junction's plan closest to what it did in ``window``."""
    return {
        name: junction_plan(
            phases,
            inputs.timings[name],
            realised([run[name] for run in runs], *window),
            flows,
            inputs.links.get(name, {}),
            group,
            settings,
        )
        for group, (name, phases) in enumerate(sorted(inputs.sets.items()))
    }


def _period_end(
    periods: Sequence[TimePeriod], index: int, runs: Sequence[Mapping[str, Activity]]
) -> float:
    """Where a period's records end: the next period's start, or the last record's end."""
    return periods[index + 1].start if index + 1 < len(periods) else _records_end(runs)


def _records_end(runs: Sequence[Mapping[str, Activity]]) -> float:
    """Where the runs' last 15-minute record ends."""
    return max(
        interval["end"]
        for run in runs
        for activity in run.values()
        for interval in activity["intervals"]
    )


def actuated_bounds(
    plan: JunctionPlan, seen: Realised
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Each green's minDur and maxDur for an actuated version of ``plan``: the shortest
    and longest green the strategy showed, within the plan's min and max green."""
    lows, highs = green_bounds(plan.plan.timing, len(plan.greens))
    low = tuple(
        min(max(lo, shortest if shortest is not None else lo), green)
        for lo, shortest, green in zip(lows, seen.shortest, plan.greens, strict=True)
    )
    high = tuple(
        max(min(hi, longest if longest is not None else green), green)
        for hi, longest, green in zip(highs, seen.longest, plan.greens, strict=True)
    )
    return low, high


def actuated_plans(
    inputs: DesignInputs,
    runs: Sequence[Mapping[str, Activity]],
    settings: Settings | None = None,
) -> list[Plan]:
    """One actuated plan per junction for the whole window: the distilled greens as
    initial durations, the realised shortest and longest as minDur and maxDur."""
    settings = settings or Settings()
    end = _records_end(runs)
    plans = []
    for group, (name, phases) in enumerate(sorted(inputs.sets.items())):
        seen = realised([run[name] for run in runs], inputs.begin, end)
        fixed = junction_plan(phases, inputs.timings[name], seen, {}, {}, group, settings)
        kept = [phases.greens.index(state) for state in fixed.plan.phases.greens]
        low, high = actuated_bounds(fixed, seen.only(kept))
        plans.append(Plan(fixed.plan.phases, fixed.greens, fixed.plan.timing, low, high))
    return plans
