"""The study behind Stopline's timing defaults, on training demand seeds only.

``python -m stopline.experiments.studies.timing_study`` runs the Python strategies (max-pressure,
SOTL, greedy) under each candidate min-green rule, every strategy on each phase set, and
delay-based under each candidate max green, over the built-ins, ``helsinki`` and any
``.sumocfg`` given, on training seeds 1 and 2; it prints the mean headline delay per
scenario, strategy and candidate. The README's "Timing
defaults" section quotes its output. Each run is a process of its own, as everywhere.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from stopline.envs import PHASE_SETS, EnvConfig
from stopline.experiments.runs.backends import LocalBackend
from stopline.experiments.runs.store import RunKey
from stopline.experiments.runs.tasks import Task

# Candidate min-green rules by label: `EnvConfig.min_green_rule`'s names.
RULES: dict[str, str] = {
    "5 s": "flat",
    "yellow + all-red, >= 5 s": "clearance",
    "40 % of own, 5-15 s": "share",
}
PYTHON_STRATEGIES = ("max-pressure", "sotl", "greedy")
# delay-based's max green: SUMO's maxDur on rebuilt sets (50 s), a cap, or the default
# (None: per green, the seconds the programme gives it, at least 10 s).
DELAY_BASED_MAX_GREENS: dict[str, float | None] = {
    "50 s (SUMO's usual)": 50.0,
    "30 s": 30.0,
    "programme's green, >= 10 s": None,
}
ALL_STRATEGIES = ("actuated", "delay-based", "webster", *PYTHON_STRATEGIES)


def _run(jobs: Sequence[Task], workers: int) -> list[dict[str, Any]]:
    """Outcomes of the jobs in their order, each run in a process of its own."""
    outcomes = dict(
        (id(task), outcome) for task, outcome in LocalBackend(workers).results(list(jobs))
    )
    return [outcomes[id(task)] for task in jobs]


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
    parser = argparse.ArgumentParser(prog="python -m stopline.experiments.studies.timing_study")
    parser.add_argument("scenarios", nargs="*", default=["single", "corridor", "grid", "helsinki"])
    parser.add_argument("--seeds", default="1,2", help="training demand seeds (default 1,2)")
    parser.add_argument("--jobs", type=int, default=2)
    arguments = parser.parse_args(argv)
    seeds = [int(seed) for seed in arguments.seeds.split(",")]
    names = [str(name) for name in arguments.scenarios]

    chosen = next(label for label, rule in RULES.items() if rule == EnvConfig.min_green_rule)

    def task(
        scenario: str,
        controller: str,
        seed: int,
        phases: str,
        rule: str = chosen,
        **params: float | None,
    ) -> Task:
        key = RunKey(scenario, 1.0, controller, seed)
        return Task(
            key, controller, dict(params), {"phases": phases, "min_green_rule": RULES[rule]}
        )

    jobs = [
        (task(s, c, seed, "rebuilt", rule), rule)
        for s, c, seed, rule in itertools.product(names, PYTHON_STRATEGIES, seeds, RULES)
    ]
    jobs += [
        (task(s, c, seed, phases), chosen)
        for s, c, seed, phases in itertools.product(names, ALL_STRATEGIES, seeds, PHASE_SETS)
        if phases == "own" or c not in PYTHON_STRATEGIES  # those ran in the rule study
    ]
    caps = [
        (task(s, "delay-based", seed, "rebuilt", max_green=cap), chosen)
        for s, seed, cap in itertools.product(names, seeds, DELAY_BASED_MAX_GREENS.values())
    ]
    outcomes = _run([job for job, _ in [*jobs, *caps]], arguments.jobs)
    by_cap: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    labels = {cap: label for label, cap in DELAY_BASED_MAX_GREENS.items()}
    for (job, _), outcome in zip(caps, outcomes[len(jobs) :], strict=True):
        if outcome.get("status") == "done":
            name = job.key.scenario.rsplit("/", 1)[-1]
            delay = float(outcome["result"]["metrics"]["mean_delay"])
            by_cap[name, "delay-based", labels[job.params["max_green"]]].append(delay)
    by_rule: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    by_set: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for (job, rule), outcome in zip(jobs, outcomes[: len(jobs)], strict=True):
        if outcome.get("status") != "done":
            print(f"failed: {job.key} {outcome.get('error')}", file=sys.stderr)
            continue
        delay = float(outcome["result"]["metrics"]["mean_delay"])
        name = job.key.scenario.rsplit("/", 1)[-1]
        if job.controller in PYTHON_STRATEGIES and job.env["phases"] == "rebuilt":
            by_rule[name, job.controller, rule].append(delay)
        if rule == chosen:
            by_set[name, job.controller, job.env["phases"]].append(delay)
    seeds_text = ",".join(str(seed) for seed in seeds)
    print(f"Mean headline delay (s), training seeds {seeds_text}, phase set rebuilt:\n")
    print(_table(by_rule, list(RULES)))
    print(f"\nMean headline delay (s), training seeds {seeds_text}, min green {chosen}:\n")
    print(_table(by_set, list(PHASE_SETS)))
    print(f"\nMean headline delay (s), training seeds {seeds_text}, delay-based's max green:\n")
    print(_table(by_cap, list(DELAY_BASED_MAX_GREENS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
