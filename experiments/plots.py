"""Plots with matplotlib (no display needed)."""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt


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
