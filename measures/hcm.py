"""The Highway Capacity Manual's figures for signalised intersections (HCM 6th edition,
Chapter 19) that Stopline measures and designs with: saturation flow, lost time, the
level-of-service thresholds, and control delay.

Control delay has one definition here, `control_delay`, used for lane groups, approaches
and whole junctions alike: SUMO's time loss on the approach lanes and on the junction's
internal lanes their links lead through, per vehicle that crossed the stop line. Why this
one: it is the HCM's own quantity (deceleration, stopped, queue move-up and acceleration
delay, up to the far side of the junction), it counts each vehicle once, at the stop line
it crossed, and it can be split by lane group and summed back to the junction without
double counting. (An earlier per-junction figure divided approach-edge time loss by the
vehicles that *entered* the edges: it left out the delay inside the junction and counted
vehicles still queued at the end as served, so one junction could get two grades.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .records import LaneTotals

HCM_EDITION = "HCM 6th edition"
# Signalised LOS by average control delay (s/veh): the upper limit of each grade; F above.
LOS_THRESHOLDS = (("A", 10.0), ("B", 20.0), ("C", 35.0), ("D", 55.0), ("E", 80.0))
# Inputs of every capacity figure and fixed-time design (`agents.webster`, `plans.design`,
# `movements`).
SATURATION_FLOW = 1800.0  # PCU per hour of green per lane
# Lost time per phase t_L = l1 + l2: start-up lost time l1 and clearance lost time
# l2 = Y + AR - e, the intergreen less the part of the yellow drivers still use (e): behind
# a 3 s yellow and no all-red, 2 + 3 - 1 = 4 s. Effective green = shown green + e - l1.
START_UP_LOST = 2.0  # s
YELLOW_USED = 1.0  # s
LOST_TIME_PER_PHASE = 4.0  # s
# A permitted left turn's gap acceptance (HCM 2000, Chapter 16, Appendix C): critical
# headway and follow-up headway, s.
CRITICAL_HEADWAY = 4.5
FOLLOW_UP_HEADWAY = 2.5


# The definition in words, as the report and `explain` print it.
CONTROL_DELAY_TEXT = (
    "SUMO's time loss on the approach lanes and through the junction, per vehicle that "
    "crossed the stop line"
)


def los_limits() -> str:
    """The grades' limits as the report and its maps print them: "A ≤ 10, ..., F > 80"."""
    grades = ", ".join(f"{grade} ≤ {limit:g}" for grade, limit in LOS_THRESHOLDS)
    return f"{grades}, F > {LOS_THRESHOLDS[-1][1]:g}"


def level_of_service(delay: float) -> str:
    """Signalised level of service for an average control delay."""
    return next((grade for grade, limit in LOS_THRESHOLDS if delay <= limit), "F")


def effective_green(shown: float) -> float:
    """The effective green of ``shown`` seconds of green: g = G + e - l1, whatever yellow
    and all-red follow it (G + Y + AR - t_L, t_L growing with Y + AR)."""
    return max(0.0, shown + YELLOW_USED - START_UP_LOST)


def permitted_left_flow(opposing: float) -> float:
    """Saturation flow (veh/h per lane) of a left turn that must yield to ``opposing``
    veh/h: s_p = v_o e^(-v_o t_c / 3600) / (1 - e^(-v_o t_f / 3600)), the HCM's permitted
    left-turn saturation flow; 3600 / t_f with no opposing flow, never above the
    saturation flow. Turns on the yellow ("sneakers") are not counted."""
    if opposing <= 0:
        return min(SATURATION_FLOW, 3600 / FOLLOW_UP_HEADWAY)
    flow = (
        opposing
        * math.exp(-opposing * CRITICAL_HEADWAY / 3600)
        / (1 - math.exp(-opposing * FOLLOW_UP_HEADWAY / 3600))
    )
    return min(SATURATION_FLOW, flow)


def control_delay(
    totals: LaneTotals, approach_lanes: Iterable[str], internal_lanes: Iterable[str]
) -> tuple[float, int]:
    """Average control delay (s/veh) and the vehicles it averages over: time loss on the
    ``approach_lanes`` and the ``internal_lanes`` their links lead through, over the
    vehicles that left the approach lanes (crossed the stop line). 0 s when none did."""
    approaches = list(approach_lanes)
    crossed = sum(totals.get(lane, {}).get("left", 0.0) for lane in approaches)
    loss = sum(
        totals.get(lane, {}).get("timeLoss", 0.0)
        for lane in dict.fromkeys([*approaches, *internal_lanes])
    )
    return (loss / crossed if crossed else 0.0), int(crossed)
