"""Plots with matplotlib (no display needed)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from stopline.agents import AgentError
from stopline.agents.models import checkpoint_steps, read_config, seed_list
from stopline.envs import EnvConfig
from stopline.scenarios.counts import Fit


def learning_curve(folder: Path, output: Path) -> Path:
    """Episode return and mean halted vehicles against training steps, from monitor CSVs;
    with a validation record in the model's config, a panel below: each candidate's delay
    on the validation seeds (the clone first) beside the teacher's."""
    config = _config(folder)
    validation = config.get("validation")
    # 11 inches wide at 120 dpi fill the report's page column, so the text shows at its
    # size; the validation panel goes below, across both.
    layout = "AB;CC" if validation else "AB"  # A returns, B halting, C validation
    figure, panels = plt.subplot_mosaic(layout, figsize=(11, 4 * len(layout.split(";"))))
    returns_axes, halting_axes = panels["A"], panels["B"]
    every_return: list[float] = []
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
        every_return += returns.tolist()
        # A shared policy logs one return per junction and episode: the points scatter
        # widely, so a running mean over a twentieth of them shows the trend.
        window = max(1, len(returns) // 20)
        (points,) = returns_axes.plot(steps, returns, ".", alpha=0.25)
        trend = np.convolve(returns, np.ones(window) / window, mode="valid")
        returns_axes.plot(steps[window - 1 :], trend, color=points.get_color(), label=label)
        if "mean_halting" in rows[0]:
            halting = [float(row["mean_halting"]) for row in rows]
            halting_axes.plot(steps, halting, marker=".", label=label)
    # What the return sums, and which way is better: the number alone says nothing.
    reward = config.get("env_config", {}).get("reward", EnvConfig.reward)
    returns_axes.set_title(f"what PPO maximises: reward {reward!r} summed per episode", fontsize=10)
    returns_axes.set_ylabel("episode return (higher is better)")
    if len(every_return) >= 50:  # a few junctions' worst episodes would flatten the rest
        low, high = np.percentile(every_return, [2, 100])
        margin = 0.05 * (high - low) or 1.0
        returns_axes.set_ylim(low - margin, high + margin)
        returns_axes.set_xlabel("decisions; the lowest 2 % of returns off the scale")
    halting_axes.set_title("what it costs drivers: vehicles halted", fontsize=10)
    halting_axes.set_ylabel("halted vehicles, mean per decision (lower is better)")
    for axes in (returns_axes, halting_axes):
        if not axes.get_xlabel():
            axes.set_xlabel("decisions (per worker; all junctions of a shared policy)")
        axes.grid(alpha=0.3)
        if axes.get_legend_handles_labels()[0]:
            axes.legend()
    if validation:
        _validation_panel(panels["C"], validation, int(config.get("timesteps") or 0))
    figure.suptitle(f"Learning curve: {folder.name}")
    figure.tight_layout()
    figure.savefig(output, dpi=120)
    plt.close(figure)
    return output


def _config(folder: Path) -> dict[str, Any]:
    """What trained the model in ``folder`` (empty if it cannot be read)."""
    try:
        return read_config(folder)
    except AgentError:
        return {}


def _validation_panel(axes: Any, validation: dict[str, Any], budget: int) -> None:
    """Each validated candidate's delay by the decisions it had trained (the clone at 0,
    the last model at the end), the kept one starred, the teacher's as a line."""
    delays = validation["delays"]
    named = [name for name in delays if name != "last"]
    steps = [checkpoint_steps(Path(f"{name}.zip")) for name in named]
    if "last" in delays:  # trained at least its budget (rollouts are whole), after them all
        named.append("last")
        steps.append(max([budget, *steps]))
    axes.plot(steps, [delays[name] for name in named], marker="o", label="policy")
    kept = named.index(validation["kept"])
    axes.plot(steps[kept], delays[validation["kept"]], "*", markersize=14, label="kept")
    if validation.get("teacher_delay") is not None:
        axes.axhline(
            validation["teacher_delay"], linestyle="--", color="#555",
            label=f"teacher {validation['teacher']}",
        )  # fmt: skip
    axes.set_xlabel("training decisions (0: the clone)")
    axes.set_ylabel(f"mean delay, validation seeds {seed_list(validation['seeds'])} (s)")
    axes.grid(alpha=0.3)
    axes.legend()


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
