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
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Patch

from stopline.experiments.analysis.statistics import bin_means
from stopline.experiments.analysis.summary import ComparisonRow, in_order
from stopline.experiments.runs.store import RunRecord
from stopline.measures.hcm import HCM_EDITION, los_limits
from stopline.scenarios.geometry import NetworkGeometry

# Figures are drawn at the size they are shown: at most 13 inches at 100 dpi fits the
# report's 1,320-pixel column, so text appears at its point size at 100 % zoom.
DPI = 100
# A heat map row per junction stays readable up to this many; beyond, the junctions with
# the longest queues are shown (the CSV has them all).
HEATMAP_JUNCTIONS = 15

# The mark of a junction whose strategy gridlocked, in place of a grade.
GRIDLOCK = "X"
LOS_COLOURS = {
    "A": "#1a9850",
    "B": "#91cf60",
    "C": "#d9ef8b",
    "D": "#fee08b",
    "E": "#fc8d59",
    "F": "#d73027",
    GRIDLOCK: "#8c8c8c",
}


def delay_text(seconds: float) -> str:
    """A control delay as LOS cells show it: to a tenth, so 10.1 s (B) and 9.9 s (A) never
    both read "10 s" beside different grades."""
    return f"{seconds:.1f} s"


def shown_grade(level: dict[str, Any]) -> str:
    """A junction's LOS as the report shows it: its grade, or `GRIDLOCK` where its strategy
    gridlocked (a control delay of the vehicles that got through is no grade)."""
    return str(level["los"]) if level.get("graded", True) else GRIDLOCK


def png(figure: Any, room_below: float = 0.0) -> str:
    """The figure as a base64 PNG (and closed); ``room_below`` keeps a share free for a
    figure legend."""
    buffer = io.BytesIO()
    figure.tight_layout(rect=(0, room_below, 1, 1))
    figure.savefig(buffer, format="png", dpi=DPI)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _title(scenario: str, scale: float) -> str:
    return f"{Path(scenario).name}, demand x{scale:g}"


def _ci(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def _panels(count: int, width: float, height: float) -> tuple[Any, list[Any]]:
    """Small multiples at most two across, so each keeps legible text at the page's width;
    spare panels hidden."""
    columns = min(2, max(1, count))
    rows = math.ceil(max(1, count) / columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(width * columns, height * rows), squeeze=False
    )
    flat = list(axes.flat)
    for axis in flat[count:]:
        axis.set_axis_off()
    return figure, flat[:count]


def _clip_outlier(axis: Any, tops: Sequence[float]) -> None:
    """One strategy that gridlocks (several times the next worst) would flatten every other
    bar: cut the axis at 1.5x the next highest and write the clipped bars' values on them."""
    ordered = sorted(tops)
    if len(ordered) < 2 or ordered[-1] <= 3 * ordered[-2]:
        return
    limit = 1.5 * ordered[-2]
    axis.set_ylim(0, limit)
    for patch in axis.patches:
        if patch.get_height() > limit:
            axis.annotate(
                f"{patch.get_height():.0f} s\n(cut)",
                (patch.get_x() + patch.get_width() / 2, limit),
                xytext=(0, -4),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=7,
                color="white",
                fontweight="bold",
            )


def delay_by_controller(table: Sequence[ComparisonRow]) -> str:
    """Bars of mean delay per controller with 95 % CI, one panel per scenario and scale."""
    groups = list(dict.fromkeys((row.scenario, row.demand_scale) for row in table))
    figure, axes = _panels(len(groups), 6, 4)
    for axis, (scenario, scale) in zip(axes, groups, strict=True):
        rows = [row for row in table if (row.scenario, row.demand_scale) == (scenario, scale)]
        axis.bar(
            [row.controller for row in rows],
            [row.mean_delay for row in rows],
            yerr=[_ci(row.delay_ci) for row in rows],
            capsize=4,
            color=["#9e9e9e"] + ["#4c78a8"] * (len(rows) - 1),  # the reference first, grey
        )
        _clip_outlier(axis, [row.mean_delay + _ci(row.delay_ci) for row in rows])
        axis.set_title(_title(scenario, scale))
        axis.set_ylabel("mean delay per vehicle (s)")
        # Anchored at their right end, so long names (max-pressure) never run into the next.
        plt.setp(axis.get_xticklabels(), rotation=35, ha="right", rotation_mode="anchor")
    return png(figure)


def delay_by_scale(table: Sequence[ComparisonRow]) -> str | None:
    """Mean delay (95 % CI) against demand scale per controller; None if no scale varies."""
    scales: dict[str, set[float]] = defaultdict(set)
    for row in table:
        scales[row.scenario].add(row.demand_scale)
    varied = sorted(scenario for scenario, values in scales.items() if len(values) > 1)
    if not varied:
        return None
    figure, axes = _panels(len(varied), 6, 4)
    for axis, scenario in zip(axes, varied, strict=True):
        rows = [row for row in table if row.scenario == scenario]
        for controller in in_order((row.controller for row in rows), [r.controller for r in table]):
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


def halting_over_time(runs: Iterable[RunRecord], width: float, order: Sequence[str]) -> str:
    """Halted vehicles in ``width``-second means, mean over seeds, a line per controller (in
    ``order``), the legend below the panels."""
    series: dict[tuple[str, float, str], list[dict[float, float]]] = defaultdict(list)
    for run in runs:
        if run.status == "done" and run.series.get("time"):
            key = (run.key.scenario, run.key.demand_scale, run.key.controller)
            series[key].append(bin_means(run.series["time"], run.series["halting"], width))
    groups = sorted({key[:2] for key in series})
    figure, axes = _panels(len(groups), 6, 4)
    controllers = in_order((key[2] for key in series), order)
    for axis, group in zip(axes, groups, strict=True):
        for index, controller in enumerate(controllers):
            runs_here = series.get((*group, controller))
            if not runs_here:
                continue
            starts = sorted(set.intersection(*(set(run) for run in runs_here)))
            mean = [sum(run[t] for run in runs_here) / len(runs_here) for t in starts]
            axis.plot(
                [(t + width / 2) / 60 for t in starts],
                mean,
                marker=".",
                color=f"C{index}",
                label=controller,
            )
        axis.set_title(_title(*group))
        axis.set_xlabel("time (min)")
        axis.set_ylabel(f"halted vehicles ({width / 60:g}-min mean)")
        axis.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels() if axes else ([], [])
    return png(figure, room_below=_legend_below(figure, handles, labels))


def _legend_below(figure: Any, handles: Sequence[Any], labels: Sequence[str]) -> float:
    """A figure legend centred below the panels, in as many columns as fit the figure's
    width (six at most), the figure made taller by its rows so the panels keep their size;
    returns the share of the height it takes, for `png`. Six columns of long names ran off
    both sides of a one-panel figure."""
    width, height = figure.get_size_inches()
    if not labels:
        return 0.0
    # About 12 characters an inch at 10 pt, plus 5 for each entry's line sample and gap.
    longest = max(len(label) for label in labels)
    columns = max(1, min(6, len(labels), int(width * 12 // (longest + 5))))
    figure.legend(handles, labels, loc="lower center", ncol=columns, fontsize=10)
    extra = 0.2 + 0.25 * math.ceil(len(labels) / columns)
    figure.set_size_inches(width, height + extra)
    return extra / (height + extra)


def _by_scenario_and_scale(
    rows: Sequence[dict[str, Any]],
) -> dict[tuple[str, float], list[dict[str, Any]]]:
    groups: dict[tuple[str, float], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["scenario"], row["demand_scale"]].append(row)
    return dict(sorted(groups.items()))


def queue_heatmaps(
    queues: Sequence[dict[str, Any]], width: float, order: Sequence[str]
) -> list[tuple[str, str]]:
    """Per scenario and scale, each junction's queue in ``width``-second bins (mean over
    seeds), a panel per controller on one colour scale: (caption, base64 PNG) pairs. Large
    networks show their `HEATMAP_JUNCTIONS` junctions with the longest mean queues."""
    maps = []
    for (scenario, scale), rows in _by_scenario_and_scale(queues).items():
        controllers = in_order((row["controller"] for row in rows), order)
        load: dict[str, float] = defaultdict(float)
        for row in rows:
            load[row["junction"]] += row["queue_veh"]
        junctions = sorted(sorted(load, key=lambda j: -load[j])[:HEATMAP_JUNCTIONS])
        times = sorted({row["time_s"] for row in rows})
        labels = map_labels(load)  # numbered as on the LOS map where names are long
        ticks = [
            name if labels[name] == name else f"{labels[name]}: {_shortened(name)}"
            for name in junctions
        ]
        top = max(row["queue_veh"] for row in rows) or 1.0
        height = 0.9 + 0.28 * len(junctions)
        figure, axes = plt.subplots(
            len(controllers), 1, figsize=(12, height * len(controllers)), squeeze=False
        )
        for axis, controller in zip(axes[:, 0], controllers, strict=True):
            grid = [[0.0] * len(times) for _ in junctions]
            for row in rows:
                if row["controller"] == controller and row["junction"] in junctions:
                    column = times.index(row["time_s"])
                    grid[junctions.index(row["junction"])][column] = row["queue_veh"]
            image = axis.imshow(
                grid,
                aspect="auto",
                cmap="Reds",
                vmin=0,
                vmax=top,
                extent=(times[0] / 60, (times[-1] + width) / 60, len(junctions) - 0.5, -0.5),
                interpolation="nearest",
            )
            axis.set_yticks(range(len(junctions)), ticks, fontsize=9)
            axis.set_title(controller, fontsize=11)
            figure.colorbar(image, ax=axis, label="halted vehicles", pad=0.01)
        axes[-1, 0].set_xlabel("time (min)")
        caption = _title(scenario, scale)
        if len(load) > len(junctions):
            caption += f" ({len(junctions)} of {len(load)} junctions: the longest queues)"
        maps.append((caption, png(figure)))
    return maps


def los_maps(
    levels: Sequence[dict[str, Any]], networks: dict[str, NetworkGeometry], order: Sequence[str]
) -> list[tuple[str, str]]:
    """Per scenario and scale, the network with each junction coloured by its LOS and named,
    one panel per controller (in ``order``): (caption, base64 PNG) pairs. Scenarios without
    geometry are skipped."""
    maps = []
    for (scenario, scale), rows in _by_scenario_and_scale(levels).items():
        geometry = networks.get(scenario)
        if geometry is None:
            continue
        controllers = in_order((row["controller"] for row in rows), order)
        # A flat network (an arterial) fits three panels across; others two.
        flat = _aspect(geometry) < 0.4
        columns = min(3 if flat else 2, len(controllers))
        width = 13.0 / columns
        lines = math.ceil(len(controllers) / columns)
        # Panels as tall as the network's shape needs at that width, plus a title line.
        # Up to 8 inches: a tall city map drawn smaller forces its junctions' markers apart.
        height = min(8.0, max(1.2, width * _aspect(geometry))) + 0.7
        figure, axes = plt.subplots(
            lines, columns, figsize=(width * columns, height * lines + 0.6), squeeze=False
        )
        for axis in axes.flat:
            axis.set_axis_off()
        for axis, controller in zip(axes.flat, controllers, strict=False):
            grades = {r["junction"]: shown_grade(r) for r in rows if r["controller"] == controller}
            _draw_map(axis, geometry, grades, (width, height - 0.7))
            axis.set_title(controller, fontsize=12)
        figure.legend(
            handles=[Patch(color=colour, label=grade) for grade, colour in LOS_COLOURS.items()],
            loc="lower center",
            ncol=len(LOS_COLOURS),
            title=f"{HCM_EDITION} signalised LOS by control delay (s: {los_limits()}; "
            f"{GRIDLOCK}: the strategy gridlocked, not graded)",
            fontsize=10,
            title_fontsize=10,
        )
        maps.append((_title(scenario, scale), png(figure, room_below=0.6 / (height * lines + 0.6))))
    return maps


def map_labels(junctions: Iterable[str]) -> dict[str, str]:
    """What the LOS map writes beside each junction: its name where names are short and
    few, else its number in sorted order (the report's LOS table gives the key)."""
    names = sorted(set(junctions))
    if len(names) <= 16 and all(len(name) <= 8 for name in names):
        return {name: name for name in names}
    return {name: str(number) for number, name in enumerate(names, 1)}


def _shortened(name: str, length: int = 18) -> str:
    return name if len(name) <= length else name[: length - 1] + "…"


def _marker_points(
    geometry: NetworkGeometry, points: np.ndarray, panel: tuple[float, float]
) -> float:
    """A junction marker's diameter in points: 90 % of the distance, on the drawn map,
    between the two closest junctions, so no two markers cover each other; at most 20.5
    (a network of a few junctions) and at least 7."""
    largest = 20.5
    if len(points) < 2:
        return largest
    xs = [x for road in geometry.roads for x, _ in road]
    ys = [y for road in geometry.roads for _, y in road]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    # Points per metre: the map fills the panel's narrower way, inside 8 % margins.
    scale = min(panel[0] * 72 / span_x, panel[1] * 72 / span_y) / 1.16
    gaps = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
    np.fill_diagonal(gaps, np.inf)
    nearest = float(gaps.min()) * scale
    return max(7.0, min(largest, 0.9 * nearest))


def _aspect(geometry: NetworkGeometry) -> float:
    xs = [x for road in geometry.roads for x, _ in road]
    ys = [y for road in geometry.roads for _, y in road]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    return height / width if width > 0 else 1.0


def _draw_map(
    axis: Any, geometry: NetworkGeometry, grades: dict[str, str], panel: tuple[float, float]
) -> None:
    """The roads, and a marker per graded junction with its grade and map number, sized so
    that markers of close junctions do not cover each other (``panel``: inches)."""
    axis.add_collection(LineCollection(geometry.roads, colors="#999999", linewidths=1))
    names = [name for name in sorted(geometry.signals) if name in grades]
    xs = [geometry.signals[name][0] for name in names]
    ys = [geometry.signals[name][1] for name in names]
    diameter = _marker_points(geometry, np.array([xs, ys]).T, panel)
    axis.scatter(
        xs, ys, s=diameter**2, c=[LOS_COLOURS[grades[n]] for n in names], edgecolors="black",
        linewidths=0.8 if diameter < 12 else 1.0, zorder=3,
    )  # fmt: skip
    letters = max(5.0, min(12.0, 0.6 * diameter))
    labels = map_labels(grades)
    for name, x, y in zip(names, xs, ys, strict=True):
        axis.annotate(
            grades[name], (x, y), ha="center", va="center", fontsize=letters,
            fontweight="bold", zorder=4,
        )  # fmt: skip
        axis.annotate(
            labels[name], (x, y), xytext=(diameter / 2, -diameter / 2),
            textcoords="offset points", ha="left", va="top",
            fontsize=max(6.0, min(9.0, 0.45 * diameter)), color="#222222", zorder=5,
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none",
                  "alpha": 0.8},
        )  # fmt: skip
    axis.autoscale()
    axis.margins(0.08)
    axis.set_aspect("equal")
