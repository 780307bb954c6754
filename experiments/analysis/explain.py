"""``stopline explain``: what every strategy of an experiment actually did, junction by
junction and 15 minutes by 15 minutes, its lane groups' HCM figures, and for each learned
policy its card. Read from the results folder (every run records SUMO's signal states
and queues, `signal_activity`, and its lane groups, `movements`), written as
``explain.html``, ``signals.csv`` and ``movements.csv`` in the folder.
"""

from __future__ import annotations

import html
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from stopline.experiments.analysis.summary import in_order
from stopline.experiments.errors import ExperimentError
from stopline.experiments.reports.html import html_page, html_table
from stopline.experiments.reports.policy_card import policy_card
from stopline.experiments.runs.store import (
    EXPLAIN,
    MOVEMENTS_CSV,
    SIGNALS_CSV,
    RunRecord,
    read_movements,
    read_runs,
    read_settings,
    spec_env,
    spec_order,
    write_atomically,
    write_rows,
)
from stopline.measures.hcm import CONTROL_DELAY_TEXT, HCM_EDITION, level_of_service
from stopline.measures.movements import WINDOW, approach_results
from stopline.scenarios.clock import span

Case = tuple[str, float, str]  # scenario, demand scale, controller


def _mean(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.fmean(present) if present else None


def signal_rows(runs: Sequence[RunRecord]) -> list[dict[str, Any]]:
    """One row per run, junction, 15 minutes and phase: what the signals did."""
    rows = []
    for run in runs:
        for junction, activity in sorted(run.signals.items()):
            for interval in activity["intervals"]:
                for phase, figures in enumerate(interval["phases"]):
                    rows.append(
                        {
                            "scenario": run.key.scenario,
                            "demand_scale": run.key.demand_scale,
                            "controller": run.key.controller,
                            "seed": run.key.seed,
                            "junction": junction,
                            "interval": span(interval["begin"], interval["end"]),
                            "cycles": interval["cycles"],
                            "cycle_mean": interval["cycle_mean"],
                            "cycle_std": interval["cycle_std"],
                            "switches_per_hour": interval["switches_per_hour"],
                            "phase": phase + 1,
                            "state": activity["phases"][phase],
                            "reference_phase": activity["reference"] == phase,
                            "green_share": figures["share"],
                            "greens": figures["greens"],
                            "green_mean": figures["mean"],
                            "green_min": figures["min"],
                            "green_max": figures["max"],
                            "skipped": figures["skipped"],
                            "queue_end_of_green": figures["queue_end"],
                        }
                    )
    return rows


def _period_order(period: str) -> tuple[bool, str]:
    return (period != WINDOW, period)  # the whole window first, then 15 minutes by 15


def movement_means(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Lane groups, then approaches, per period, averaged over the seeds of each case (LOS
    from the mean control delay)."""
    groups: dict[tuple[Any, ...], list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        case = (row["scenario"], row["demand_scale"], row["controller"])
        period = row.get("period") or WINDOW
        groups[(*case, period, row["junction"], row["approach"], row["lane_group"])].append(row)
    by_case: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for key in sorted(groups, key=lambda k: (*k[:3], _period_order(k[3]), *k[4:])):
        own = groups[key]
        scenario, scale, controller, period, junction, approach, lane_group = key
        delay = statistics.fmean(row["control_delay"] for row in own)
        by_case[(scenario, scale, controller, period)].append(
            {
                "scenario": scenario,
                "demand_scale": scale,
                "controller": controller,
                "period": period,
                "junction": junction,
                "approach": approach,
                "lane_group": lane_group,
                "lanes": own[0]["lanes"],
                "seeds": len(own),
                "volume": statistics.fmean(row["volume"] for row in own),
                "capacity": statistics.fmean(row["capacity"] for row in own),
                "v_c": _mean(row["v_c"] for row in own),
                "control_delay": delay,
                "los": level_of_service(delay) if any(r["vehicles"] for r in own) else "-",
                "queue_95": statistics.fmean(row["queue_95"] for row in own),
                "queue_95_vehicles": statistics.fmean(row["queue_95_vehicles"] for row in own),
                "vehicles": statistics.fmean(row["vehicles"] for row in own),
            }
        )
    result: list[dict[str, Any]] = []
    for (scenario, scale, controller, period), cases in by_case.items():
        result += cases
        for row in approach_results(cases):
            result.append(
                {
                    "scenario": scenario,
                    "demand_scale": scale,
                    "controller": controller,
                    "period": period,
                }
                | row
                | {
                    "lanes": None,
                    "seeds": cases[0]["seeds"],
                    "capacity": None,
                    "queue_95_vehicles": None,
                }
            )
    return result


def peak_period(rows: Sequence[Mapping[str, Any]]) -> str | None:
    """The 15-minute period with the most traffic through the lane groups of ``rows`` (one
    junction, one case): the period the HCM analyses."""
    volume: dict[str, float] = defaultdict(float)
    for row in rows:
        if row["period"] != WINDOW and row["lane_group"] != "approach":
            volume[row["period"]] += row["volume"]
    return max(volume, key=lambda period: (volume[period], period)) if volume else None


def write_movements(folder: Path) -> list[dict[str, Any]]:
    """``movements.csv``: every case's lane groups and approaches, mean over seeds."""
    rows = movement_means(read_movements(folder))
    if rows:
        write_rows(folder / MOVEMENTS_CSV, list(rows[0]), rows)
    return rows


def _number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _range(low: float | None, high: float | None) -> str:
    return "-" if low is None or high is None else f"{low:.0f}-{high:.0f}"


def _signal_table(activities: Sequence[Mapping[str, Any]]) -> str:
    """A junction's 15-minute rows (mean over seeds), one row per interval and phase."""
    first = activities[0]
    rows = []
    for index, interval in enumerate(first["intervals"]):
        these = [activity["intervals"][index] for activity in activities]
        cycle = _mean(i["cycle_mean"] for i in these)
        spread = _mean(i["cycle_std"] for i in these)
        for phase, state in enumerate(first["phases"]):
            figures = [i["phases"][phase] for i in these]
            mark = " (ref.)" if phase == first["reference"] else ""
            rows.append(
                [
                    span(interval["begin"], interval["end"]) if phase == 0 else "",
                    f"{_number(cycle)} ± {_number(spread)}" if phase == 0 else "",
                    _number(_mean(i["switches_per_hour"] for i in these), 0) if phase == 0 else "",
                    f"{phase + 1}{mark} {state}",
                    f"{100 * statistics.fmean(f['share'] for f in figures):.0f} %",
                    _number(_mean(f["mean"] for f in figures)),
                    _range(_mean(f["min"] for f in figures), _mean(f["max"] for f in figures)),
                    _number(_mean(f["skipped"] for f in figures)),
                    _number(_mean(f["queue_end"] for f in figures)),
                ]
            )
    titles = [
        "15 min",
        "cycle s (mean ± sd)",
        "switches/h",
        "phase",
        "green share",
        "mean green s",
        "min-max s",
        "cycles skipped",
        "queue at end of green m",
    ]
    return html_table(titles, rows)


def _queue_table(activities: Sequence[Mapping[str, Any]]) -> str:
    """The longest queue (m) per approach in each 15 minutes, mean over seeds."""
    first = activities[0]
    edges = sorted(first["intervals"][0]["max_queue"]) if first["intervals"] else []
    rows = [
        [
            span(interval["begin"], interval["end"]),
            *(
                _number(_mean(a["intervals"][index]["max_queue"].get(edge) for a in activities))
                for edge in edges
            ),
        ]
        for index, interval in enumerate(first["intervals"])
    ]
    return html_table(["15 min", *edges], rows)


def movement_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """A junction's lane groups and approaches (rows of `movement_means`)."""
    cells = [
        [
            row["approach"],
            row["lane_group"],
            "" if row["lanes"] is None else str(row["lanes"]),
            _number(row["volume"], 0),
            _number(row["capacity"], 0),
            "no green" if row["capacity"] == 0 else _number(row["v_c"], 2),
            _number(row["control_delay"]),
            row["los"],
            _number(row["queue_95"]),
        ]
        for row in rows
    ]
    titles = [
        "approach",
        "lane group",
        "lanes",
        "v veh/h",
        "c veh/h",
        "v/c",
        "control delay s",
        "LOS",
        "95th % queue m",
    ]
    flagged = [row["v_c"] is not None and row["v_c"] > 1 for row in rows]
    return html_table(titles, cells, flagged, css="warning")


def _card_html(card: Mapping[str, Any]) -> str:
    facts = [
        ("model", card["model"]),
        ("algorithm", card["algorithm"]),
        ("trained on", f"{card['trained_on']}, training demand seeds {card['training_seeds']}"),
        ("budget", f"{card['budget']:,} steps, seed {card['seed']}"),
        ("observation", card["observation"]),
        ("reward", card["reward"]),
        (
            "signal timings",
            ", ".join(
                f"{k} {'derived per junction' if v is None else v}" for k, v in card["env"].items()
            ),
        ),
        ("hyper-parameters", ", ".join(f"{k} {v}" for k, v in card["hyperparameters"].items())),
    ]
    recorded = card["recorded"]
    kinds = [[row["input"], f"{100 * row['changed']:.1f} %"] for row in card["by_kind"]]
    top = [[row["junction"], row["input"], f"{100 * row['changed']:.1f} %"] for row in card["top"]]
    return (
        "<h3>Policy card</h3>"
        + "<table class=provenance>"
        + "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>" for k, v in facts
        )
        + "</table>"
        + f"<p>Which inputs move its decisions: each input shuffled across the "
        f"{recorded['decisions']:,} decisions that took effect in one run "
        f"({recorded['scenario']}, seed {recorded['seed']}); the share of decisions it then "
        "takes differently.</p>"
        + html_table(["inputs of this kind, shuffled together", "decisions changed"], kinds)
        + html_table(["junction", "single input", "decisions changed"], top)
    )


def explain(
    folder: Path,
    *,
    controllers: Sequence[str] = (),
    junctions: Sequence[str] = (),
    cards: bool = True,
) -> Path:
    """Write ``explain.html``, ``signals.csv`` and ``movements.csv`` into ``folder`` for
    the chosen controllers and junctions (all if none chosen); return the page."""
    runs = [run for run in read_runs(folder) if run.status == "done"]
    if not runs:
        raise ExperimentError(f"{folder}: no finished runs to explain")
    if not any(run.signals for run in runs):
        raise ExperimentError(
            f"{folder}: its runs were stored before Stopline recorded what the signals did; "
            "run the experiment again into a new --out"
        )
    known = sorted({run.key.controller for run in runs})
    if unknown := sorted(set(controllers) - set(known)):
        raise ExperimentError(
            f"--controller {', '.join(unknown)}: not in {folder}; it holds {', '.join(known)}"
        )
    runs = [run for run in runs if not controllers or run.key.controller in controllers]
    present = {junction for run in runs for junction in run.signals}
    if unknown := sorted(set(junctions) - present):
        raise ExperimentError(
            f"--junction {', '.join(unknown)}: not a controlled junction of these runs"
        )
    chosen = set(junctions) or present
    signal_csv = [row for row in signal_rows(runs) if row["junction"] in chosen]
    write_rows(folder / SIGNALS_CSV, list(signal_csv[0]), signal_csv)
    movements: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in write_movements(folder):
        case = (row["scenario"], row["demand_scale"], row["controller"], row["junction"])
        movements[case].append(row)
    cases: dict[Case, list[RunRecord]] = defaultdict(list)
    for run in runs:
        cases[(run.key.scenario, run.key.demand_scale, run.key.controller)].append(run)
    settings = read_settings(folder)
    body = [
        f"<h1>What the signals did: {html.escape(settings.get('name', folder.name))}</h1>",
        "<p>Read from SUMO's own record of every run: the signal states at every switch "
        "(SaveTLSSwitchStates), queue lengths each second (queue output) and lane totals "
        "(laneData). A green is a run of seconds showing one green of the junction's phase "
        "set (or of its own programme, where it ran that); the cycle runs from "
        "one start of the reference phase (the one green longest) to the next; a phase with "
        "no green in a cycle was skipped in it. Figures are means over the seeds. Lane groups "
        f"follow the {HCM_EDITION} (Chapter 19): control delay is "
        f"{CONTROL_DELAY_TEXT}; v/c uses the plans' saturation flow and "
        "effective green. Rows with v/c above 1 are marked.</p>",
    ]
    order = in_order({c for _, _, c in cases}, spec_order(settings))
    ranked = {name: index for index, name in enumerate(order)}
    ordered = sorted(cases, key=lambda case: (case[0], case[1], ranked[case[2]]))
    body.append(
        "<p>Contents: "
        + ", ".join(
            f"<a href='#case-{index}'>{html.escape(c)} on {html.escape(s)} x{x:g}</a>"
            for index, (s, x, c) in enumerate(ordered)
        )
        + "</p>"
    )
    for index, (scenario, scale, controller) in enumerate(ordered):
        own = cases[(scenario, scale, controller)]
        body.append(
            f"<h2 id='case-{index}'>{html.escape(controller)} on {html.escape(scenario)} "
            f"x{scale:g} ({len(own)} seeds)</h2>"
        )
        model = own[0].controller_name
        if cards and model.startswith("rl:"):
            card = policy_card(
                model.removeprefix("rl:"),
                scenario,
                own[0].key.seed,
                demand_scale=scale,
                env=spec_env(settings),
            )
            body.append(_card_html(card))
        for junction in sorted(chosen & set(own[0].signals)):
            activities = [run.signals[junction] for run in own if junction in run.signals]
            rows = movements[(scenario, scale, controller, junction)]
            body += [
                f"<h3>{html.escape(junction)}</h3>",
                _signal_table(activities),
                "<p>Longest queue per approach (m):</p>",
                _queue_table(activities),
                f"<p>Lane groups ({HCM_EDITION}), over the window:</p>",
                movement_table([row for row in rows if row["period"] == WINDOW]),
            ]
            peak = peak_period(rows)
            if peak is not None:
                body += [
                    f"<p>Lane groups in the peak 15 minutes, {peak} (the HCM's analysis "
                    "period; volumes as hourly flow rates):</p>",
                    movement_table([row for row in rows if row["period"] == peak]),
                ]
    page = folder / EXPLAIN
    write_atomically(page, html_page(f"Stopline explain: {folder.name}", body))
    return page
