"""Plots with matplotlib (no display needed)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from stopline.scenarios.counts import Fit


def learning_curve(folder: Path, output: Path) -> Path:
    """Episode return and mean halted vehicles against training steps, from monitor CSVs."""
    figure, (returns_axes, halting_axes) = plt.subplots(1, 2, figsize=(11, 4))
    for monitor in sorted(folder.glob("monitor-*.monitor.csv")):
        with monitor.open() as stream:
            next(stream)  # SB3's JSON header line
            rows = list(csv.DictReader(stream))
        if not rows:  # no episode ended yet
            continue
        steps, total = [], 0
        for row in rows:
            total += int(row["l"])
            steps.append(total)
        label = monitor.stem.removesuffix(".monitor")
        returns = np.array([float(row["r"]) for row in rows])
        # A shared policy logs one return per junction and episode: the points scatter
        # widely, so a running mean over a twentieth of them shows the trend.
        window = max(1, len(returns) // 20)
        (points,) = returns_axes.plot(steps, returns, ".", alpha=0.25)
        trend = np.convolve(returns, np.ones(window) / window, mode="valid")
        returns_axes.plot(steps[window - 1 :], trend, color=points.get_color(), label=label)
        if "mean_halting" in rows[0]:
            halting = [float(row["mean_halting"]) for row in rows]
            halting_axes.plot(steps, halting, marker=".", label=label)
    returns_axes.set_ylabel("episode return (reward units)")
    halting_axes.set_ylabel("halted vehicles, mean per decision")
    for axes in (returns_axes, halting_axes):
        axes.set_xlabel("decisions (per worker; all junctions of a shared policy)")
        axes.grid(alpha=0.3)
        if axes.get_legend_handles_labels()[0]:
            axes.legend()
    figure.suptitle(f"Learning curve: {folder.name}")
    figure.tight_layout()
    figure.savefig(output, dpi=120)
    plt.close(figure)
    return output


def counts_fit(fits: Sequence[Fit], output: Path) -> Path:
    """Counted against simulated hourly flows, one point per count, with the y = x line and
    the band where GEH < 5."""
    counted = np.array([fit.hourly[0] for fit in fits])
    simulated = np.array([fit.hourly[1] for fit in fits])
    top = max(10.0, float(max(counted.max(), simulated.max())) * 1.05)
    line = np.linspace(0, top, 200)
    # GEH = 5 where (m - c)^2 = 12.5 (m + c): m = c + 6.25 +- sqrt(25 c + 39.0625).
    spread = np.sqrt(25 * line + 39.0625)
    figure, axes = plt.subplots(figsize=(6, 6))
    axes.fill_between(
        line, line + 6.25 - spread, line + 6.25 + spread, color="#d8ecd8", label="GEH < 5"
    )
    axes.plot(line, line, color="#555", linewidth=1, label="simulated = counted")
    good = np.array([fit.geh < 5 for fit in fits])
    axes.plot(counted[good], simulated[good], ".", color="#1f4e9c", label="count, GEH < 5")
    axes.plot(counted[~good], simulated[~good], "x", color="#d62728", label="count, GEH >= 5")
    axes.set_xlim(0, top)
    axes.set_ylim(0, top)
    axes.set_xlabel("counted (veh/h)")
    axes.set_ylabel("simulated (veh/h)")
    axes.set_title(f"{int(good.sum())} of {len(fits)} counts with GEH < 5")
    axes.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(output, dpi=120)
    plt.close(figure)
    return output
