"""``stopline bench``: how fast the environments run compared with SUMO alone.

The raw ``sumo`` binary and the environment run the same files over the same window with
the same SUMO seed; each is timed from start (process or libsumo load) to the window's end,
several times, and the medians are compared.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stopline.envs import Session, SignalEnv, SignalParallelEnv
from stopline.envs.spaces import ADVANCE
from stopline.scenarios import Scenario

BENCH_SEED = 42


@dataclass(frozen=True)
class Timing:
    """Median wall time of one way of running the scenario, and its decisions."""

    label: str
    wall: float
    decisions: int
    simulated: float

    @property
    def steps_per_second(self) -> float:
        return self.decisions / self.wall if self.decisions else float("nan")

    @property
    def realtime_factor(self) -> float:
        return self.simulated / self.wall


def _raw(scenario: Scenario) -> int:
    command = Session(scenario, seed=BENCH_SEED).command
    subprocess.run(command, check=True, capture_output=True)
    return 0


def _env_run(scenario: Scenario, config: dict[str, Any], action: int = 0) -> Callable[[], int]:
    """One full episode of the environment users would drive for this scenario, every
    junction given ``action`` at every decision."""
    if len(scenario.junctions) == 1:
        single = SignalEnv(scenario, **config)

        def run_single() -> int:
            single.reset(seed=BENCH_SEED)
            steps, truncated = 0, False
            while not truncated:
                truncated = single.step(action)[3]
                steps += 1
            single.close()
            return steps

        return run_single
    many = SignalParallelEnv(scenario, **config)

    def run_many() -> int:
        many.reset(seed=BENCH_SEED)
        steps = 0
        while many.agents:
            many.step(dict.fromkeys(many.agents, action))
            steps += 1
        many.close()
        return steps

    return run_many


def bench(
    scenario: Scenario,
    *,
    repeats: int = 3,
    config: Mapping[str, Any] | None = None,
    progress: Callable[[int, int, int], None] | None = None,
) -> list[Timing]:
    """Time the raw binary, the env (``config`` its settings) in observe-only mode on the
    same traffic, and the env in control (every junction asked to advance to its next green
    at every decision, so signals switch as often as min green allows); ``progress`` is told
    (done, 0, total) after each run.

    The runs alternate within each repeat, so a busy spell on the machine hits all alike.
    The env in control changes the traffic, and so SUMO's own work: its ratio to the raw
    binary includes that.
    """
    settings = dict(config or {})
    runs: dict[str, Callable[[], int]] = {
        "raw sumo binary": lambda: _raw(scenario),
        "env, observe-only": _env_run(scenario, {**settings, "observe_only": True}),
        "env, in control": _env_run(scenario, {**settings, "action_mode": "cycle"}, ADVANCE),
    }
    walls: dict[str, list[float]] = {label: [] for label in runs}
    decisions = dict.fromkeys(runs, 0)
    for repeat in range(repeats):
        for index, (label, run) in enumerate(runs.items()):
            start = time.perf_counter()
            decisions[label] = run()
            walls[label].append(time.perf_counter() - start)
            if progress:
                progress(repeat * len(runs) + index + 1, 0, repeats * len(runs))
    return [
        Timing(label, statistics.median(walls[label]), decisions[label], scenario.duration)
        for label in runs
    ]


def report(scenario: Scenario, rows: list[Timing], repeats: int, delta_time: float) -> str:
    """The table ``stopline bench`` prints."""
    junctions = len(scenario.junctions)
    lines = [
        f"bench {scenario.name}: {junctions} junction{'s' if junctions != 1 else ''}, "
        f"window {scenario.begin:g}-{scenario.end:g} s, decisions every {delta_time:g} s, "
        f"median of {repeats} runs",
        f"{'':<26}{'wall s':>9}{'env steps/s':>14}{'sim s / wall s':>17}",
    ]
    for row in rows:
        steps = f"{row.steps_per_second:,.0f}" if row.decisions else "-"
        lines.append(f"{row.label:<26}{row.wall:>9.3f}{steps:>14}{row.realtime_factor:>17,.0f}")
    raw = rows[0].wall
    for row in rows[1:]:
        lines.append(f"{row.label} / raw sumo: {row.wall / raw:.2f}x wall time")
    return "\n".join(lines)
