"""The report's figures, as base64 PNGs ready to embed (matplotlib, no display needed)."""

from __future__ import annotations

import base64
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.collections import LineCollection
from matplotlib.patches import Patch

from stopline.scenarios.geometry import NetworkGeometry

from .metrics import HCM_EDITION, LOS_THRESHOLDS, SERIES_PERIOD
from .store import RunRecord
from .summary import ComparisonRow

LOS_COLOURS = {
    "A": "#1a9850",
    "B": "#91cf60",
    "C": "#d9ef8b",
    "D": "#fee08b",
    "E": "#fc8d59",
    "F": "#d73027",
}


def png(figure: Any, room_below: float = 0.0) -> str:
    """The figure as a base64 PNG (and closed); ``room_below`` keeps a share free for a
    figure legend."""
    buffer = io.BytesIO()
    figure.tight_layout(rect=(0, room_below, 1, 1))
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _title(scenario: str, scale: float) -> str:
    return f"{Path(scenario).name}, demand x{scale:g}"


def _ci(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def delay_by_controller(table: Sequence[ComparisonRow]) -> str:
    """Bars of mean delay per controller with 95 % CI, one panel per scenario and scale."""
    groups = sorted({(row.scenario, row.demand_scale) for row in table})
    figure, axes = plt.subplots(1, len(groups), figsize=(5 * len(groups), 4), squeeze=False)
    for axis, (scenario, scale) in zip(axes[0], groups, strict=True):
        rows = [row for row in table if (row.scenario, row.demand_scale) == (scenario, scale)]
        axis.bar(
            [row.controller for row in rows],
            [row.mean_delay for row in rows],
            yerr=[_ci(row.delay_ci) for row in rows],
            capsize=4,
            color="#4c78a8",
        )
        axis.set_title(_title(scenario, scale))
        axis.set_ylabel("mean delay per vehicle (s)")
        axis.tick_params(axis="x", rotation=45)
    return png(figure)


def delay_by_scale(table: Sequence[ComparisonRow]) -> str | None:
    """Mean delay (95 % CI) against demand scale per controller; None if no scale varies."""
    scales: dict[str, set[float]] = defaultdict(set)
    for row in table:
        scales[row.scenario].add(row.demand_scale)
    varied = sorted(scenario for scenario, values in scales.items() if len(values) > 1)
    if not varied:
        return None
    figure, axes = plt.subplots(1, len(varied), figsize=(5.5 * len(varied), 4), squeeze=False)
    for axis, scenario in zip(axes[0], varied, strict=True):
        rows = [row for row in table if row.scenario == scenario]
        for controller in sorted({row.controller for row in rows}):
            mine = sorted(
                (row for row in rows if row.controller == controller),
                key=lambda row: row.demand_scale,
            )
            axis.errorbar(
                [row.demand_scale for row in mine],
                [row.mean_delay for row in mine],
                yerr=[_ci(row.delay_ci) for row in mine],
                marker="o",
                capsize=3,
                label=controller,
            )
        axis.set_title(Path(scenario).name)
        axis.set_xlabel("demand scale (x the scenario's demand)")
        axis.set_ylabel("mean delay per vehicle (s)")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    return png(figure)


def halting_over_time(runs: Iterable[RunRecord]) -> str:
    """Halted vehicles per minute, mean over seeds, a line per controller."""
    series: dict[tuple[str, float, str], list[list[float]]] = defaultdict(list)
    times: dict[tuple[str, float, str], list[float]] = {}
    for run in runs:
        if run.status == "done" and run.series.get("time"):
            key = (run.key.scenario, run.key.demand_scale, run.key.controller)
            series[key].append(run.series["halting"])
            times[key] = run.series["time"]
    groups = sorted({key[:2] for key in series})
    columns = max(1, len(groups))
    figure, axes = plt.subplots(1, columns, figsize=(6 * columns, 4), squeeze=False)
    for axis, group in zip(axes[0], groups, strict=False):
        for key in sorted(k for k in series if k[:2] == group):
            runs_here = series[key]
            length = min(len(run) for run in runs_here)
            mean = [sum(run[i] for run in runs_here) / len(runs_here) for i in range(length)]
            axis.plot([t / 60 for t in times[key][:length]], mean, label=key[2])
        axis.set_title(_title(*group))
        axis.set_xlabel("time (min)")
        axis.set_ylabel("halted vehicles (mean over seeds)")
        axis.legend(fontsize=8)
        axis.grid(alpha=0.3)
    return png(figure)


def _by_scenario_and_scale(
    rows: Sequence[dict[str, Any]],
) -> dict[tuple[str, float], list[dict[str, Any]]]:
    groups: dict[tuple[str, float], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["scenario"], row["demand_scale"]].append(row)
    return dict(sorted(groups.items()))


def queue_heatmaps(queues: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """Per scenario and scale, each junction's queue minute by minute (mean over seeds), a
    panel per controller on one colour scale: (title, base64 PNG) pairs."""
    maps = []
    for (scenario, scale), rows in _by_scenario_and_scale(queues).items():
        controllers = sorted({row["controller"] for row in rows})
        junctions = sorted({row["junction"] for row in rows})
        times = sorted({row["time_s"] for row in rows})
        top = max(row["queue_veh"] for row in rows) or 1.0
        height = 0.8 + 0.22 * len(junctions)
        figure, axes = plt.subplots(
            len(controllers), 1, figsize=(10, height * len(controllers)), squeeze=False
        )
        for axis, controller in zip(axes[:, 0], controllers, strict=True):
            grid = [[0.0] * len(times) for _ in junctions]
            for row in rows:
                if row["controller"] == controller:
                    grid[junctions.index(row["junction"])][times.index(row["time_s"])] = row[
                        "queue_veh"
                    ]
            image = axis.imshow(
                grid,
                aspect="auto",
                cmap="Reds",
                vmin=0,
                vmax=top,
                extent=(
                    times[0] / 60,
                    (times[-1] + SERIES_PERIOD) / 60,
                    len(junctions) - 0.5,
                    -0.5,
                ),
                interpolation="nearest",
            )
            axis.set_yticks(range(len(junctions)), junctions, fontsize=7)
            axis.set_title(controller, fontsize=9)
            figure.colorbar(image, ax=axis, label="halted vehicles", pad=0.01)
        axes[-1, 0].set_xlabel("time (min)")
        maps.append((_title(scenario, scale), png(figure)))
    return maps


def los_maps(
    levels: Sequence[dict[str, Any]], networks: dict[str, NetworkGeometry]
) -> list[tuple[str, str]]:
    """Per scenario and scale, the network with each junction coloured by its LOS, one panel
    per controller: (title, base64 PNG) pairs. Scenarios without geometry are skipped."""
    maps = []
    for (scenario, scale), rows in _by_scenario_and_scale(levels).items():
        geometry = networks.get(scenario)
        if geometry is None:
            continue
        controllers = sorted({row["controller"] for row in rows})
        columns = min(3, len(controllers))
        lines = math.ceil(len(controllers) / columns)
        # Panels as wide as they need to be for the network's shape, plus a title line.
        height = min(4.5, max(1.2, 4.5 * _aspect(geometry))) + 0.4
        figure, axes = plt.subplots(
            lines, columns, figsize=(4.5 * columns, height * lines + 0.6), squeeze=False
        )
        for axis in axes.flat:
            axis.set_axis_off()
        for axis, controller in zip(axes.flat, controllers, strict=False):
            grades = {r["junction"]: r["los"] for r in rows if r["controller"] == controller}
            _draw_map(axis, geometry, grades)
            axis.set_title(controller)
        limits = ", ".join(f"{grade} ≤ {limit:g} s" for grade, limit in LOS_THRESHOLDS)
        figure.legend(
            handles=[Patch(color=colour, label=grade) for grade, colour in LOS_COLOURS.items()],
            loc="lower center",
            ncol=6,
            title=f"{HCM_EDITION} signalised LOS by control delay ({limits}, F above)",
            fontsize=8,
            title_fontsize=8,
        )
        maps.append((_title(scenario, scale), png(figure, room_below=0.6 / (height * lines + 0.6))))
    return maps


def _aspect(geometry: NetworkGeometry) -> float:
    xs = [x for road in geometry.roads for x, _ in road]
    ys = [y for road in geometry.roads for _, y in road]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    return height / width if width > 0 else 1.0


def _draw_map(axis: Any, geometry: NetworkGeometry, grades: dict[str, str]) -> None:
    axis.add_collection(LineCollection(geometry.roads, colors="#999999", linewidths=1))
    names = [name for name in sorted(geometry.signals) if name in grades]
    xs = [geometry.signals[name][0] for name in names]
    ys = [geometry.signals[name][1] for name in names]
    axis.scatter(
        xs, ys, s=220, c=[LOS_COLOURS[grades[n]] for n in names], edgecolors="black", zorder=3
    )
    for name, x, y in zip(names, xs, ys, strict=True):
        axis.annotate(grades[name], (x, y), ha="center", va="center", fontsize=8, zorder=4)
    axis.autoscale()
    axis.set_aspect("equal")
