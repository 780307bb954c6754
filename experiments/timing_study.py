"""The study behind Stopline's timing defaults, on training demand seeds only.

``python -m stopline.experiments.timing_study`` runs the Python strategies (max-pressure,
SOTL, greedy) under each candidate min-green rule, and every strategy on each phase set,
over the built-ins, ``helsinki`` and any ``.sumocfg`` given, on training seeds 1 and 2; it
prints the mean headline delay per scenario, strategy and candidate. The README's "Timing
defaults" section quotes its output. Each run is a process of its own, as everywhere.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from stopline.envs import PHASE_SETS, timing

from .backends import fresh_process_context
from .store import RunKey
from .tasks import Task, execute


@dataclass(frozen=True)
class MinGreenRule:
    """Min green per green: ``share`` of its programme seconds within [floor, cap]."""

    share: float
    floor: float
    cap: float

    @property
    def label(self) -> str:
        if self.share == 0:
            return f"{self.floor:g} s"
        return f"{self.share:g} x own, {self.floor:g}-{self.cap:g} s"


RULES = (
    MinGreenRule(0.0, 5.0, 5.0),  # the old single number
    MinGreenRule(0.25, 5.0, 10.0),
    MinGreenRule(0.4, 5.0, 15.0),
    MinGreenRule(0.5, 5.0, 20.0),
)
PYTHON_STRATEGIES = ("max-pressure", "sotl", "greedy")
ALL_STRATEGIES = ("actuated", "delay-based", "webster", *PYTHON_STRATEGIES)


def _serve(task: Task, rule: MinGreenRule, sender: Connection) -> None:
    timing.MIN_GREEN_SHARE, timing.MIN_GREEN_FLOOR, timing.MIN_GREEN_CAP = (
        rule.share,
        rule.floor,
        rule.cap,
    )
    sender.send(execute(task))
    sender.close()


def _run(jobs: Sequence[tuple[Task, MinGreenRule]], workers: int) -> list[dict[str, Any]]:
    """Outcomes of the jobs, each in a fresh process, ``workers`` at a time."""
    context = fresh_process_context()
    outcomes: list[dict[str, Any]] = [{} for _ in jobs]
    for start in range(0, len(jobs), workers):
        batch = []
        for index in range(start, min(start + workers, len(jobs))):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_serve, args=(*jobs[index], sender))
            process.start()
            sender.close()
            batch.append((index, receiver, process))
        for index, receiver, process in batch:
            outcomes[index] = receiver.recv()
            process.join()
    return outcomes


def _table(rows: dict[tuple[str, str, str], list[float]], columns: Sequence[str]) -> str:
    lines = ["| scenario | strategy | " + " | ".join(columns) + " |"]
    lines.append("|" + " --- |" * (len(columns) + 2))
    for scenario, strategy in dict.fromkeys((s, c) for s, c, _ in rows):
        cells = [
            f"{statistics.fmean(rows[scenario, strategy, column]):.1f}"
            if rows.get((scenario, strategy, column))
            else "failed"
            for column in columns
        ]
        lines.append(f"| {scenario} | {strategy} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stopline.experiments.timing_study")
    parser.add_argument("scenarios", nargs="*", default=["single", "corridor", "grid", "helsinki"])
    parser.add_argument("--seeds", default="1,2", help="training demand seeds (default 1,2)")
    parser.add_argument("--jobs", type=int, default=2)
    arguments = parser.parse_args(argv)
    seeds = [int(seed) for seed in arguments.seeds.split(",")]
    names = [str(name) for name in arguments.scenarios]

    def task(scenario: str, controller: str, seed: int, phases: str) -> Task:
        key = RunKey(scenario, 1.0, controller, seed)
        return Task(key, controller, {}, {"phases": phases})

    chosen = next(rule for rule in RULES if rule.share == timing.MIN_GREEN_SHARE)
    jobs = [
        (task(s, c, seed, "rebuilt"), rule)
        for s, c, seed, rule in itertools.product(names, PYTHON_STRATEGIES, seeds, RULES)
    ]
    jobs += [
        (task(s, c, seed, phases), chosen)
        for s, c, seed, phases in itertools.product(names, ALL_STRATEGIES, seeds, PHASE_SETS)
        if phases == "own" or c not in PYTHON_STRATEGIES  # those ran in the rule study
    ]
    outcomes = _run(jobs, arguments.jobs)
    by_rule: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    by_set: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for (job, rule), outcome in zip(jobs, outcomes, strict=True):
        if outcome.get("status") != "done":
            print(f"failed: {job.key} {outcome.get('error')}", file=sys.stderr)
            continue
        delay = float(outcome["result"]["metrics"]["mean_delay"])
        name = job.key.scenario.rsplit("/", 1)[-1]
        if job.controller in PYTHON_STRATEGIES and job.env["phases"] == "rebuilt":
            by_rule[name, job.controller, rule.label].append(delay)
        if rule == chosen:
            by_set[name, job.controller, job.env["phases"]].append(delay)
    seeds_text = ",".join(str(seed) for seed in seeds)
    print(f"Mean headline delay (s), training seeds {seeds_text}, phase set rebuilt:\n")
    print(_table(by_rule, [rule.label for rule in RULES]))
    print(f"\nMean headline delay (s), training seeds {seeds_text}, min green {chosen.label}:\n")
    print(_table(by_set, list(PHASE_SETS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
