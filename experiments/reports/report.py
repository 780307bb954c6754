"""``report.html`` (self-contained, plots embedded), ``summary.md`` and CSV exports.

The page is written for an engineer to hand on: a title naming the scenario and what is
compared, where the numbers come from (provenance), the reference strategy first, level of
service as a junction x strategy grid and a map, time series in 5-minute means (a fixed
plan's cycle cannot alias with them), and the learning curve of every trained policy.
"""

from __future__ import annotations

import base64
import html
import json
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stopline.agents import AgentError
from stopline.agents.hyperparameters import changed
from stopline.agents.models import CONFIG, LEARNING_CURVE, clone_drove, read_config, seed_list
from stopline.agents.plans.store import RECORD as PLAN_RECORD
from stopline.envs import default_config
from stopline.experiments.analysis.cautions import cautions
from stopline.experiments.analysis.explain import write_movements
from stopline.experiments.analysis.statistics import bin_means
from stopline.experiments.analysis.summary import (
    AGAINST_BEST_HEADERS,
    AgainstBest,
    ComparisonRow,
    against_best,
    against_best_cells,
    cells,
    compare,
    gridlock,
    headers,
    in_order,
    render,
    render_against_best,
    write_csv,
)
from stopline.experiments.errors import ExperimentError, NoFinishedRunsError
from stopline.experiments.reports import figures
from stopline.experiments.reports.explain_report import movements_section, signals_section
from stopline.experiments.reports.html import html_image, html_page, html_table
from stopline.experiments.runs.store import (
    COMPARISON_CSV,
    DATABASE,
    JUNCTIONS_CSV,
    NETWORKS,
    QUEUES_CSV,
    REPORT,
    SUMMARY,
    RunRecord,
    read_runs,
    read_settings,
    spec_order,
    write_atomically,
    write_rows,
)
from stopline.measures.catalogue import TABLE
from stopline.measures.hcm import (
    CONTROL_DELAY_TEXT,
    HCM_EDITION,
    level_of_service,
    los_limits,
)
from stopline.measures.movements import WINDOW
from stopline.scenarios import naming
from stopline.scenarios.geometry import NetworkGeometry

# Time series are shown as means over this many seconds: long enough that a fixed plan's
# cycle (up to 120 s) cannot beat against the bins, short enough to show the peak.
REPORT_BIN = 300.0


@dataclass(frozen=True)
class Report:
    """What `write_report` wrote: the page, and the comparison as a Markdown table."""

    page: Path
    table: str


def load_networks(folder: Path) -> dict[str, NetworkGeometry]:
    """The geometry the runner saved for each scenario (none for older folders)."""
    path = folder / NETWORKS
    if not path.is_file():
        return {}
    return {
        name: NetworkGeometry.from_dict(data) for name, data in json.loads(path.read_text()).items()
    }


def junction_levels(
    runs: Sequence[RunRecord], gridlocked: Collection[tuple[str, float, str]] = ()
) -> list[dict[str, Any]]:
    """Per scenario, scale, controller and junction: mean control delay over seeds, and LOS;
    ``graded`` is false for the (scenario, scale, controller) that ``gridlocked`` names,
    whose control delay counts only the vehicles that got through."""
    delays: dict[tuple[str, float, str, str], list[float]] = defaultdict(list)
    for run in runs:
        if run.status == "done":
            for junction, values in run.junctions.items():
                key = (run.key.scenario, run.key.demand_scale, run.key.controller, junction)
                delays[key].append(values["control_delay"])
    return [
        {
            "scenario": scenario,
            "demand_scale": scale,
            "controller": controller,
            "junction": junction,
            "control_delay": sum(values) / len(values),
            "los": level_of_service(sum(values) / len(values)),
            "graded": (scenario, scale, controller) not in gridlocked,
        }
        for (scenario, scale, controller, junction), values in sorted(delays.items())
    ]


def junction_queues(runs: Sequence[RunRecord], width: float = REPORT_BIN) -> list[dict[str, Any]]:
    """Per scenario, scale, controller, junction and ``width``-second bin: queue (halted
    vehicles on the junction's approaches), mean over the bin and over seeds."""
    queues: dict[tuple[str, float, str, str, float], list[float]] = defaultdict(list)
    for run in runs:
        if run.status != "done":
            continue
        for junction, values in run.series.get("queues", {}).items():
            for start, queue in bin_means(run.series["time"], values, width).items():
                key = (run.key.scenario, run.key.demand_scale, run.key.controller, junction, start)
                queues[key].append(queue)
    return [
        {
            "scenario": scenario,
            "demand_scale": scale,
            "controller": controller,
            "junction": junction,
            "time_s": time,
            "queue_veh": sum(values) / len(values),
        }
        for (scenario, scale, controller, junction, time), values in sorted(queues.items())
    ]


def _failures(folder: Path, runs: list[RunRecord], shown: int = 5) -> str:
    """Every run failed: how many, and the first ``shown`` failures, one per line."""
    lines = [f"{folder}: every run failed ({len(runs)}), nothing to compare:"]
    for run in runs[:shown]:
        key = run.key
        error = (run.error or "no error recorded").strip().splitlines()[-1]
        lines.append(
            f"  {key.controller} on {key.scenario} x{key.demand_scale:g} seed {key.seed}: {error}"
        )
    if len(runs) > shown:
        lines.append(f"  ... and {len(runs) - shown} more (all in {folder / DATABASE})")
    return "\n".join(lines)


def write_report(folder: Path, reference: str | None = None) -> Report:
    """Write report.html, summary.md and the CSV exports (comparison, junctions, queues,
    movements) for the experiment a results folder holds."""
    settings = read_settings(folder)
    runs = read_runs(folder)
    identity = settings.get("identity", {})
    order = spec_order(settings)
    strategies = list(dict.fromkeys([*order, *sorted({run.key.controller for run in runs})]))
    if runs and not any(run.status == "done" for run in runs):
        raise NoFinishedRunsError(_failures(folder, runs))
    given = reference is not None
    reference = reference or settings.get("reference", "fixed")
    if reference not in strategies:
        what = "--reference" if given else f"the reference of {folder}'s spec,"
        raise ExperimentError(
            f"{what} {reference!r}: not a strategy of {folder}; "
            f"one of {', '.join(strategies) or 'none (no runs stored)'}"
        )
    ranked = [reference, *(name for name in strategies if name != reference)]
    rows = [run.as_row() for run in runs]
    table = compare(rows, reference, order)
    markdown = render(table, reference)
    title = _title(settings, runs, ranked)
    learned = {entry["label"] for entry in identity.get("controllers", []) if entry.get("train")}
    learned |= {name for name in strategies if name.startswith("rl:")}
    best = against_best(rows, learned)
    if best:
        markdown += (
            "\n\nLearned policies against the best classical strategy (paired on the same "
            f"seeds):\n\n{render_against_best(best)}"
        )
    warned = cautions(table, settings.get("models", {}))
    if warned:
        markdown += "\n\nCautions:\n" + "".join(f"\n- {line}" for line in warned)
    write_atomically(folder / SUMMARY, f"# {title}\n\n{markdown}\n")
    write_csv(table, folder / COMPARISON_CSV)
    body = [f"<h1>{html.escape(title)}</h1>", _provenance(folder, settings, runs)]
    body += _comparison(table, reference, rows, best, warned)
    stuck = {(row.scenario, row.demand_scale, row.controller) for row in table if gridlock(row)}
    levels = junction_levels(runs, stuck)
    if levels:
        write_rows(folder / JUNCTIONS_CSV, list(levels[0]), levels)
        body += _levels(levels, load_networks(folder), ranked)
    body += signals_section(runs, ranked)
    body += movements_section(
        [row for row in write_movements(folder) if row["period"] == WINDOW], ranked
    )
    body.append(
        html_image(
            "Halted vehicles over time",
            figures.halting_over_time(runs, REPORT_BIN, ranked),
            f"Vehicles halted anywhere in the network, {REPORT_BIN / 60:g}-minute means, mean "
            "over seeds.",
        )
    )
    queues = junction_queues(runs)
    if queues:
        write_rows(folder / QUEUES_CSV, list(queues[0]), queues)
        for caption, data in figures.queue_heatmaps(queues, REPORT_BIN, ranked):
            body.append(
                html_image(
                    f"Queues by junction over time: {caption}",
                    data,
                    "Vehicles halted on each junction's approaches, "
                    f"{REPORT_BIN / 60:g}-minute means over seeds (also in {QUEUES_CSV}).",
                )
            )
    body += _learning_curves(settings)
    page = html_page(title, body)
    output = folder / REPORT
    write_atomically(output, page)
    return Report(output, markdown)


def _title(settings: dict[str, Any], runs: Sequence[RunRecord], ranked: Sequence[str]) -> str:
    """The scenarios, and the strategies against the reference (``ranked[0]``)."""
    scenario_names = sorted({naming.slug(run.key.scenario) for run in runs}) or [
        str(settings.get("name", "experiment"))
    ]
    reference, others = ranked[0], ranked[1:]
    compared = f"{', '.join(others)} against {reference}" if others else reference
    return f"Signal timing on {', '.join(scenario_names)}: {compared}"


def _provenance(folder: Path, settings: dict[str, Any], runs: Sequence[RunRecord]) -> str:
    identity = settings.get("identity", {})
    seeds = sorted({run.key.seed for run in runs})
    demand = "; ".join(
        f"{naming.slug(entry['name'])} x {', '.join(f'{s:g}' for s in entry['demand_scales'])}"
        for entry in identity.get("scenarios", [])
    )
    done = sum(run.status == "done" for run in runs)
    facts = [
        ("experiment", f"{settings.get('name', folder.name)} ({folder})"),
        ("run on", str(settings.get("started_at", "not recorded"))),
        (
            "software",
            f"Stopline {settings.get('stopline_version', '?')}, "
            f"SUMO {settings.get('sumo_version', '?')}",
        ),
        ("spec hash", str(settings.get("spec_hash", "not recorded"))),
        ("evaluation demand seeds", ", ".join(str(seed) for seed in seeds) or "none"),
        ("demand (scenario x scale)", demand or "not recorded"),
        ("signal settings", _settings_text(identity) if identity else "not recorded"),
        ("runs", f"{done} done, {len(runs) - done} failed"),
    ]
    for label, model in settings.get("models", {}).items():
        facts.append((f"RL policy {label}", _model_facts(Path(model))))
    for label, plan in settings.get("plans", {}).items():
        facts.append((f"timing plan {label}", _plan_facts(Path(plan))))
    body = "".join(
        f"<tr><th>{html.escape(key)}</th><td>{html.escape(value)}</td></tr>" for key, value in facts
    )
    return f"<h2>Provenance</h2><table class='provenance'>{body}</table>"


def _settings_text(identity: dict[str, Any]) -> str:
    chosen = identity.get("env", {})
    defaults = "the defaults (rebuilt phases; yellow, all-red and min green from each programme)"
    return json.dumps(chosen) + ", else " + defaults if chosen else defaults


def _plan_facts(folder: Path) -> str:
    """How an optimised plan was made, from its record (`stopline.agents.plans.store`)."""
    try:
        record = json.loads((folder / PLAN_RECORD).read_text())
    except (OSError, ValueError):
        return f"{folder} (its {PLAN_RECORD} is missing)"
    search = record["search"]
    seeds = ", ".join(str(seed) for seed in record["training_seeds"])
    cycles = sorted({row["cycle"] for row in record["coordinated"]})
    return (
        f"periods {', '.join(record['periods'])}; cycles {', '.join(f'{c:g}' for c in cycles)} "
        f"s; objective {search['objective']}, {search['trials']} offset trials on training "
        f"demand seeds {seeds}, optimised in {record['optimise_seconds']:.0f} s ({folder})"
    )


def _model_facts(folder: Path) -> str:
    try:
        config = read_config(folder)
    except AgentError:
        return f"{folder} (its {CONFIG} is missing)"
    wall = config.get("wall_time_s")
    trained = f"trained in {wall / 60:.1f} min" if wall is not None else "training time unknown"
    seeds = config.get("training_seeds", [])
    span = f"{min(seeds)}-{max(seeds)}" if seeds else "?"
    env = {**default_config(), **config.get("env_config", {})}
    algo = str(config.get("algo", "?"))
    tuned = changed(algo, config.get("hyperparameters", {}))
    values = ", ".join(f"{key} {json.dumps(value)}" for key, value in tuned.items())
    family = config.get("family") or []
    # What a generalist's training adds: its other networks and its range of demand.
    breadth = (
        f"trained on {config.get('scenario')} and {', '.join(family)} at once, " if family else ""
    )
    spread = float(config.get("demand_spread") or 0.0)
    scale = float(config.get("demand_scale", 1.0))
    if spread:
        breadth += f"demand scale {scale * (1 - spread):g}-{scale * (1 + spread):g}, "
    return (
        f"{algo.upper()}, {breadth}{config.get('timesteps', 0):,} decisions, {trained}, training "
        f"demand seeds {span}, observation {env['observation']}, reward {env['reward']}, "
        f"hyper-parameters {'the defaults but ' + values if values else 'the defaults'}"
        f"{_standing(config)} ({folder.name})"
    )


def _standing(config: dict[str, Any]) -> str:
    """The warm start and the kept candidate, as the model's config.json records them."""
    said = ""
    warm = config.get("warm_start")
    if warm:
        drove = clone_drove(warm)
        said += (
            f"; warm started from {warm['teacher']} ({warm['teacher_delay']:.1f} s on "
            f"validation seeds; the clone agreed with {100 * warm['agreement']:.0f} % of its "
            f"decisions{f', then drove seeds {drove} with the teacher asked' if drove else ''})"
        )
    validation = config.get("validation")
    if validation:
        said += (
            f"; kept {validation['kept']}, {validation['kept_delay']:.1f} s on validation "
            f"seeds {seed_list(validation['seeds'])}"
        )
    return said


def _comparison(
    table: Sequence[ComparisonRow],
    reference: str,
    rows: Sequence[dict[str, Any]],
    best: Sequence[AgainstBest],
    warned: Sequence[str],
) -> list[str]:
    body = [
        "<h2>Comparison</h2><p>Differences in delay are paired against <b>"
        f"{html.escape(reference)}</b> on the same demand seeds, with 95 % confidence "
        "intervals (Student's t); wins: share of seeds where the strategy had less delay. "
        "Other columns are means over seeds, counts rounded; each is said under the "
        "table.</p>",
        html_table(
            headers(reference),
            (cells(row, reference) for row in table),
            [row.controller == reference for row in table],
        ),
        _column_notes(),
    ]
    if warned:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in warned)
        body.append(f"<div class='cautions'><b>Cautions</b><ul>{items}</ul></div>")
    failed = sum(row["status"] == "failed" for row in rows)
    if failed:
        body.append(f"<p>{failed} run(s) failed; see results.db (status, error).</p>")
    body += _against_best(best)
    if table:
        body.append(
            html_image("Delay by strategy", figures.delay_by_controller(table), "Means, 95 % CI.")
        )
    by_scale = figures.delay_by_scale(table)
    if by_scale:
        body.append(html_image("Delay against demand scale", by_scale, "Means, 95 % CI."))
    return body


def _column_notes() -> str:
    """What each metric column of the comparison means and which way is better, from the
    catalogue."""
    items = "".join(
        f"<li><b>{html.escape(metric.title)}</b> ({metric.better} is better): "
        f"{html.escape(metric.description)}</li>"
        for metric in TABLE
    )
    return f"<ul class='columns'>{items}</ul>"


def _against_best(table: Sequence[AgainstBest]) -> list[str]:
    if not table:
        return []
    return [
        "<h3>Learned policies against the best classical strategy</h3><p>Per scenario and "
        "demand scale, each learned policy paired seed by seed with the classical strategy "
        "of lowest mean delay there (chosen on these seeds, so the comparison favours it); "
        "ratio: the policy's mean delay over that strategy's; wins: seeds where the policy "
        "had less delay.</p>",
        html_table(AGAINST_BEST_HEADERS, map(against_best_cells, table)),
    ]


def _levels(
    levels: Sequence[dict[str, Any]], networks: dict[str, NetworkGeometry], order: list[str]
) -> list[str]:
    body = [
        f"<h2>Level of service by junction ({HCM_EDITION}, signalised)</h2><p>Average "
        f"control delay of vehicles on each junction's approaches ({CONTROL_DELAY_TEXT}), "
        f"mean over seeds; LOS {html.escape(los_limits())} "
        f"s/veh. Also in {JUNCTIONS_CSV}.</p>"
    ]
    groups: dict[tuple[str, float], list[dict[str, Any]]] = defaultdict(list)
    for row in levels:
        groups[row["scenario"], row["demand_scale"]].append(row)
    for (scenario, scale), rows in sorted(groups.items()):
        controllers = in_order((row["controller"] for row in rows), order)
        junctions = sorted({row["junction"] for row in rows})
        labels = figures.map_labels(junctions)
        numbered = any(labels[junction] != junction for junction in junctions)
        cell = {(row["junction"], row["controller"]): row for row in rows}
        head = "<th>on map</th>" if numbered else ""
        head += "".join(f"<th>{html.escape(name)}</th>" for name in controllers)
        lines = []
        for junction in junctions:
            tds = [f"<td>{labels[junction]}</td>"] if numbered else []
            for name in controllers:
                level = cell.get((junction, name))
                if level is None:
                    tds.append("<td></td>")
                    continue
                grade = figures.shown_grade(level)
                tds.append(
                    f"<td class='los' style='background:{figures.LOS_COLOURS[grade]}'>"
                    f"{grade} <small>{figures.delay_text(level['control_delay'])}</small></td>"
                )
            name = html.escape(junction)
            lines.append(f"<tr><td class='id' title='{name}'>{name}</td>{''.join(tds)}</tr>")
        body.append(
            f"<h3>{html.escape(naming.slug(scenario))}, demand x{scale:g}</h3>"
            f"<table><tr><th>junction</th>{head}</tr>{''.join(lines)}</table>"
        )
    for caption, data in figures.los_maps(levels, networks, order):
        body.append(html_image(f"Level of service map: {caption}", data, ""))
    return body


def _learning_curves(settings: dict[str, Any]) -> list[str]:
    body = []
    for label, model in settings.get("models", {}).items():
        curve = Path(model) / LEARNING_CURVE
        if curve.is_file():
            data = base64.b64encode(curve.read_bytes()).decode()
            body.append(
                html_image(
                    f"Learning curve: {label}",
                    data,
                    "Episode return and mean halted vehicles per decision over training, on "
                    "training demand seeds.",
                )
            )
    return body
