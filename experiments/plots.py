"""Plots with matplotlib (no display needed)."""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def learning_curve(folder: Path, output: Path) -> Path:
    """Episode return against training steps, from SB3 monitor CSVs in ``folder``."""
    figure, axes = plt.subplots(figsize=(7, 4))
    for monitor in sorted(folder.glob("monitor-*.monitor.csv")):
        with monitor.open() as stream:
            next(stream)  # SB3's JSON header line
            rows = list(csv.DictReader(stream))
        steps, returns = [], []
        total = 0
        for row in rows:
            total += int(row["l"])
            steps.append(total)
            returns.append(float(row["r"]))
        axes.plot(steps, returns, marker=".", label=monitor.stem.removesuffix(".monitor"))
    axes.set_xlabel("training steps (decisions)")
    axes.set_ylabel("episode return (reward units)")
    axes.set_title(f"Learning curve: {folder.name}")
    axes.grid(alpha=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend()
    figure.tight_layout()
    figure.savefig(output, dpi=120)
    plt.close(figure)
    return output
