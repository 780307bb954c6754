"""The report's sections drawn from what every run recorded: what each strategy's signals
did (one row per strategy) and, per junction, its lane groups' HCM figures side by side.
``stopline explain`` gives the same junction by junction and 15 minutes by 15 minutes."""

from __future__ import annotations

import html
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from stopline.experiments.analysis.summary import in_order
from stopline.experiments.reports import figures
from stopline.experiments.reports.html import html_table
from stopline.experiments.runs.store import EXPLAIN, MOVEMENTS_CSV, RunRecord
from stopline.measures.hcm import CONTROL_DELAY_TEXT, HCM_EDITION
from stopline.scenarios import naming


def _summary(runs: Sequence[RunRecord]) -> list[str]:
    """One case's realised cycle, switches per hour, skipped phases and longest queue."""
    cycles, switches, skipped, slots, queues = [], [], 0, 0, []
    for run in runs:
        longest = 0.0
        for activity in run.signals.values():
            rows = activity["intervals"]
            counted = sum(row["cycles"] for row in rows)
            if counted:
                cycles.append(
                    sum(row["cycle_mean"] * row["cycles"] for row in rows if row["cycles"])
                    / counted
                )
            switches.append(statistics.fmean(row["switches_per_hour"] for row in rows))
            skipped += sum(p["skipped"] for row in rows for p in row["phases"])
            slots += sum(row["cycles"] * len(row["phases"]) for row in rows)
            longest = max([longest, *(q for row in rows for q in row["max_queue"].values())])
        queues.append(longest)
    return [
        f"{statistics.fmean(cycles):.0f}" if cycles else "-",
        f"{statistics.fmean(switches):.0f}" if switches else "-",
        f"{100 * skipped / slots:.0f} %" if slots else "-",
        f"{statistics.fmean(queues):.0f}" if queues else "-",
    ]


def signals_section(runs: Sequence[RunRecord], order: Sequence[str]) -> list[str]:
    """'What the signals did': per scenario and scale, one row per strategy."""
    cases: dict[tuple[str, float], dict[str, list[RunRecord]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for run in runs:
        if run.status == "done" and run.signals:
            cases[(run.key.scenario, run.key.demand_scale)][run.key.controller].append(run)
    if not cases:
        return []
    body = [
        "<h2>What the signals did</h2><p>From SUMO's record of the signal states and queues "
        "of every run, mean over seeds: the realised cycle (start of a junction's longest "
        "green to its next start) and switches per hour, averaged over junctions; the share "
        "of phase slots skipped (phase x cycle with no green for the phase); the longest "
        f"queue on any approach. <code>stopline explain</code> writes {EXPLAIN} with every "
        "junction, 15 minutes at a time, and each learned policy's card.</p>"
    ]
    for (scenario, scale), by_controller in sorted(cases.items()):
        rows = [[name, *_summary(by_controller[name])] for name in in_order(by_controller, order)]
        body.append(f"<h3>{html.escape(naming.slug(scenario))}, demand x{scale:g}</h3>")
        body.append(
            html_table(
                ["strategy", "cycle s", "switches/h", "phases skipped", "longest queue m"], rows
            )
        )
    return body


def movements_section(rows: Sequence[Mapping[str, Any]], order: Sequence[str]) -> list[str]:
    """Per scenario, scale and junction: each lane group's LOS, control delay and v/c under
    every strategy (rows of `explain.movement_means`)."""
    if not rows:
        return []
    body = [
        f"<h2>Movements: lane groups by junction ({HCM_EDITION})</h2><p>Per lane group "
        "(approach by travel direction, L/T/R the movements its lanes serve) and approach: "
        f"LOS and control delay ({CONTROL_DELAY_TEXT}), then v/c (capacity from the "
        "saturation flow and the "
        "effective green the strategy gave), over the window. v is the reference's volume per "
        f"hour. Mean over seeds; {MOVEMENTS_CSV} has them with the 95th-percentile queue, "
        "and for each 15-minute analysis period too.</p>"
    ]
    tables: dict[tuple[str, float, str], list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        tables[(row["scenario"], row["demand_scale"], row["junction"])].append(row)
    for (scenario, scale, junction), own in sorted(tables.items()):
        controllers = in_order({row["controller"] for row in own}, order)
        cell = {(r["approach"], r["lane_group"], r["controller"]): r for r in own}
        groups = list(dict.fromkeys((r["approach"], r["lane_group"]) for r in own))
        head = "".join(f"<th>{html.escape(name)}</th>" for name in controllers)
        lines = []
        for approach, group in groups:
            first = next(r for r in own if (r["approach"], r["lane_group"]) == (approach, group))
            reference = cell.get((approach, group, controllers[0]), first)
            tds = []
            for name in controllers:
                found = cell.get((approach, group, name))
                if found is None or found["los"] == "-":
                    tds.append("<td></td>")
                    continue
                ratio = " · no green" if found["v_c"] is None else f" · {found['v_c']:.2f}"
                tds.append(
                    f"<td class='los' style='background:{figures.LOS_COLOURS[found['los']]}'>"
                    f"{found['los']} <small>{figures.delay_text(found['control_delay'])}"
                    f"{ratio}</small></td>"
                )
            style = " style='font-weight:bold'" if group == "approach" else ""
            lines.append(
                f"<tr{style}><td class='id' title='{html.escape(approach)}'>"
                f"{html.escape(approach)}</td><td>{html.escape(group)}</td>"
                f"<td>{reference['volume']:.0f}</td>{''.join(tds)}</tr>"
            )
        body.append(
            f"<h3>{html.escape(naming.slug(scenario))}, demand x{scale:g}: "
            f"{html.escape(junction)}</h3><table><tr><th>approach</th><th>lane group</th>"
            f"<th>v veh/h</th>{head}</tr>{''.join(lines)}</table>"
        )
    return body
