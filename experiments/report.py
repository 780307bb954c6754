"""``report.html`` (self-contained, plots embedded), ``summary.md`` and CSV exports."""

from __future__ import annotations

import base64
import csv
import html
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stopline.scenarios.geometry import NetworkGeometry

from . import figures
from .metrics import HCM_EDITION, level_of_service
from .store import RunRecord, read_runs
from .summary import ComparisonRow, cells, compare, headers, render, write_csv

SETTINGS = "experiment.json"  # what the runner saves beside results.db
NETWORKS = "networks.json"  # each scenario's road and signal geometry, saved by the runner


def load_networks(folder: Path) -> dict[str, NetworkGeometry]:
    """The geometry the runner saved for each scenario (none for older folders)."""
    path = folder / NETWORKS
    if not path.is_file():
        return {}
    return {
        name: NetworkGeometry.from_dict(data) for name, data in json.loads(path.read_text()).items()
    }


def junction_levels(runs: Sequence[RunRecord]) -> list[dict[str, Any]]:
    """Per scenario, scale, controller and junction: mean control delay over seeds, and LOS."""
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
        }
        for (scenario, scale, controller, junction), values in sorted(delays.items())
    ]


def junction_queues(runs: Sequence[RunRecord]) -> list[dict[str, Any]]:
    """Per scenario, scale, controller, junction and minute: queue (halted vehicles on the
    junction's approaches), mean over seeds."""
    queues: dict[tuple[str, float, str, str, float], list[float]] = defaultdict(list)
    for run in runs:
        if run.status != "done":
            continue
        for junction, values in run.series.get("queues", {}).items():
            for time, queue in zip(run.series["time"], values, strict=True):
                key = (run.key.scenario, run.key.demand_scale, run.key.controller, junction, time)
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


def _write_rows(rows: Sequence[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _levels_table(levels: Sequence[dict[str, Any]]) -> str:
    head = "".join(
        f"<th>{title}</th>"
        for title in ("scenario", "scale", "controller", "junction", "control delay s", "LOS")
    )
    body = "".join(
        f"<tr><td>{html.escape(Path(row['scenario']).name)}</td><td>{row['demand_scale']:g}</td>"
        f"<td>{html.escape(row['controller'])}</td><td>{html.escape(row['junction'])}</td>"
        f"<td>{row['control_delay']:.1f}</td><td>{row['los']}</td></tr>"
        for row in levels
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def write_report(folder: Path, reference: str | None = None) -> Path:
    """Write report.html, summary.md and the CSV exports (comparison, junctions, queues)."""
    settings_path = folder / SETTINGS
    settings = json.loads(settings_path.read_text()) if settings_path.is_file() else {}
    reference = reference or settings.get("reference", "fixed")
    name = str(settings.get("name", folder.name))
    runs = read_runs(folder)
    rows = [run.as_row() for run in runs]
    table = compare(rows, reference)
    (folder / "summary.md").write_text(f"# {name}\n\n{render(table, reference)}\n")
    write_csv(table, folder / "comparison.csv")
    body = [
        f"<h1>{html.escape(name)}</h1>",
        "<p>Delay is each vehicle's SUMO timeLoss plus the time it waited to enter the network "
        "(vehicles still waiting at the window's end count the time waited; trips unfinished "
        "at the end count their time so far); the in-network delay is timeLoss alone. "
        f"Differences are paired against <b>{html.escape(reference)}</b> on the same "
        "demand seeds, with 95 % confidence intervals (Student's t). CO2 is the emissions "
        "device's total over all trips.</p>",
        _html_table(table, reference),
    ]
    failed = sum(row["status"] == "failed" for row in rows)
    if failed:
        body.append(f"<p>{failed} run(s) failed; see results.db (status, error).</p>")
    if table:
        body.append(_image("Delay by controller (95 % CI)", figures.delay_by_controller(table)))
    by_scale = figures.delay_by_scale(table)
    if by_scale:
        body.append(_image("Delay against demand scale (95 % CI)", by_scale))
    levels = junction_levels(runs)
    if levels:
        _write_rows(levels, folder / "junctions.csv")
        body.append(
            f"<h2>Level of service by junction ({HCM_EDITION}, signalised)</h2><p>Average "
            "control delay of vehicles on each junction's approaches (SUMO time loss on the "
            "approach edges per vehicle), mean over seeds; LOS A &le; 10, B &le; 20, "
            "C &le; 35, D &le; 55, E &le; 80, F &gt; 80 s/veh. Also in junctions.csv.</p>"
            + _levels_table(levels)
        )
        for title, data in figures.los_maps(levels, load_networks(folder)):
            body.append(_image(f"Level of service map: {title}", data))
    body.append(_image("Halted vehicles over time", figures.halting_over_time(runs)))
    queues = junction_queues(runs)
    if queues:
        _write_rows(queues, folder / "queues.csv")
        body.append(
            "<h2>Queues by junction</h2><p>Vehicles halted on each junction's approaches, "
            "averaged over every minute and over seeds (also in queues.csv).</p>"
        )
        for title, data in figures.queue_heatmaps(queues):
            body.append(_image(f"Queues by junction over time: {title}", data))
    for curve in sorted((folder / "models").glob("*/learning_curve.png")):
        data = base64.b64encode(curve.read_bytes()).decode()
        body.append(_image(f"Learning curve: {curve.parent.name}", data))
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Stopline report</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
        "table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
        "img{max-width:100%}</style></head><body>" + "\n".join(body) + "</body></html>"
    )
    output = folder / "report.html"
    output.write_text(page)
    return output


def _image(title: str, data: str) -> str:
    name = html.escape(title)
    return f"<h2>{name}</h2><img alt='{name}' src='data:image/png;base64,{data}'>"


def _html_table(table: Sequence[ComparisonRow], reference: str) -> str:
    head = "".join(f"<th>{html.escape(title)}</th>" for title in headers(reference))
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells(row, reference))
        + "</tr>"
        for row in table
    )
    return f"<table><tr>{head}</tr>{body}</table>"
