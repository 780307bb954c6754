"""``report.html`` (self-contained, plots embedded), ``summary.md`` and CSV exports."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from .metrics import HCM_EDITION, level_of_service
from .store import Store, load_rows
from .summary import ComparisonRow, cells, compare, headers, render, write_csv

SETTINGS = "experiment.json"  # what the runner saves beside results.db


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _delay_plot(table: Sequence[ComparisonRow]) -> str:
    groups = sorted({(row.scenario, row.demand_scale) for row in table})
    figure, axes = plt.subplots(1, len(groups), figsize=(5 * len(groups), 4), squeeze=False)
    for axis, (scenario, scale) in zip(axes[0], groups, strict=True):
        rows = [row for row in table if (row.scenario, row.demand_scale) == (scenario, scale)]
        axis.bar(
            [row.controller for row in rows],
            [row.mean_delay for row in rows],
            yerr=[0 if math.isnan(row.delay_ci) else row.delay_ci for row in rows],
            capsize=4,
            color="#4c78a8",
        )
        axis.set_title(f"{Path(scenario).name}, demand x{scale:g}")
        axis.set_ylabel("mean delay per vehicle (s)")
        axis.tick_params(axis="x", rotation=45)
    return _png(figure)


def _halting_plot(folder: Path) -> str:
    series: dict[tuple[str, float, str], list[list[float]]] = defaultdict(list)
    times: dict[tuple[str, float, str], list[float]] = {}
    store = Store(folder)
    try:
        for run in store.runs():
            if run.status == "done" and run.series.get("time"):
                key = (run.key.scenario, run.key.demand_scale, run.key.controller)
                series[key].append(run.series["halting"])
                times[key] = run.series["time"]
    finally:
        store.close()
    groups = sorted({key[:2] for key in series})
    figure, axes = plt.subplots(
        1, max(1, len(groups)), figsize=(6 * max(1, len(groups)), 4), squeeze=False
    )
    for axis, group in zip(axes[0], groups, strict=False):
        for key in sorted(k for k in series if k[:2] == group):
            runs = series[key]
            length = min(len(run) for run in runs)
            mean = [sum(run[i] for run in runs) / len(runs) for i in range(length)]
            axis.plot([t / 60 for t in times[key][:length]], mean, label=key[2])
        axis.set_title(f"{Path(group[0]).name}, demand x{group[1]:g}")
        axis.set_xlabel("time (min)")
        axis.set_ylabel("halted vehicles (mean over seeds)")
        axis.legend(fontsize=8)
        axis.grid(alpha=0.3)
    return _png(figure)


def junction_levels(folder: Path) -> list[dict[str, Any]]:
    """Per scenario, scale, controller and junction: mean control delay over seeds, and LOS."""
    delays: dict[tuple[str, float, str, str], list[float]] = defaultdict(list)
    store = Store(folder)
    try:
        for run in store.runs():
            if run.status == "done":
                for junction, values in run.junctions.items():
                    key = (run.key.scenario, run.key.demand_scale, run.key.controller, junction)
                    delays[key].append(values["control_delay"])
    finally:
        store.close()
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
    """Write report.html, summary.md and comparison.csv for a results folder."""
    settings_path = folder / SETTINGS
    settings = json.loads(settings_path.read_text()) if settings_path.is_file() else {}
    reference = reference or settings.get("reference", "fixed")
    rows = load_rows(folder)
    table = compare(rows, reference)
    markdown = render(table, reference)
    (folder / "summary.md").write_text(f"# {settings.get('name', folder.name)}\n\n{markdown}\n")
    write_csv(table, folder / "comparison.csv")
    failed = [row for row in rows if row["status"] == "failed"]
    images = [("Delay by controller (95 % CI)", _delay_plot(table))] if table else []
    images.append(("Halted vehicles over time", _halting_plot(folder)))
    for curve in sorted((folder / "models").glob("*/learning_curve.png")):
        images.append(
            (f"Learning curve: {curve.parent.name}", base64.b64encode(curve.read_bytes()).decode())
        )
    body = [
        f"<h1>{html.escape(str(settings.get('name', folder.name)))}</h1>",
        f"<p>Mean delay is SUMO's timeLoss per vehicle, trips unfinished at the window's end "
        f"counted; differences are paired against <b>{html.escape(reference)}</b> on the same "
        "demand seeds, with 95 % confidence intervals (Student's t).</p>",
        _html_table(table, reference),
    ]
    levels = junction_levels(folder)
    if levels:
        with (folder / "junctions.csv").open("w", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(levels[0]))
            writer.writeheader()
            writer.writerows(levels)
        body.append(
            f"<h2>Level of service by junction ({HCM_EDITION}, signalised)</h2><p>Average "
            "control delay of vehicles on each junction's approaches (SUMO time loss on the "
            "approach edges per vehicle), mean over seeds; LOS A &le; 10, B &le; 20, "
            "C &le; 35, D &le; 55, E &le; 80, F &gt; 80 s/veh.</p>" + _levels_table(levels)
        )
    if failed:
        body.append(f"<p>{len(failed)} run(s) failed; see results.db (status, error).</p>")
    for title, data in images:
        name = html.escape(title)
        source = f"data:image/png;base64,{data}"
        body.append(f"<h2>{name}</h2><img alt='{name}' src='{source}'>")
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


def _html_table(table: Sequence[ComparisonRow], reference: str) -> str:
    head = "".join(f"<th>{html.escape(title)}</th>" for title in headers(reference))
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells(row, reference))
        + "</tr>"
        for row in table
    )
    return f"<table><tr>{head}</tr>{body}</table>"
