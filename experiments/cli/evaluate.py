"""``stopline evaluate SCENARIO --controller NAME``: one strategy on evaluation seeds."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from stopline import agents, scenarios
from stopline.agents import AgentError
from stopline.envs import EnvConfig
from stopline.experiments.analysis.cautions import cautions
from stopline.experiments.analysis.statistics import mean_ci
from stopline.experiments.analysis.summary import compare
from stopline.experiments.cli import arguments
from stopline.experiments.cli.arguments import env_config
from stopline.experiments.cli.progress import ProgressBar
from stopline.experiments.runs.evaluate import evaluation_tasks, run_tasks, training_demand_note
from stopline.experiments.runs.tasks import plan_progress
from stopline.measures.catalogue import TABLE


def add_to(commands: Any) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="run one controller on evaluation demand seeds and print its trip metrics",
        description=(
            "Run one controller over the scenario's whole window on each evaluation demand "
            "seed and print delay (SUMO timeLoss plus the wait to enter; unfinished trips and "
            "vehicles never inserted counted), in-network delay (timeLoss alone), travel time, "
            "throughput, unfinished vehicles, teleports and blocked vehicle-hours (queued at "
            "a green whose exit lane was queued to its entry), per seed and as a mean."
        ),
    )
    arguments.add_scenario(parser)
    parser.add_argument(
        "--controller",
        required=True,
        metavar="NAME",
        help=(
            f"one of {', '.join(agents.CONTROLLERS)}, rl:PATH or plan:PATH; several, "
            "comma-separated, "
            "print a comparison with 95 %% confidence intervals"
        ),
    )
    parser.add_argument(
        "--param",
        type=arguments.key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter of the (single) controller, repeatable, e.g. --param theta=60",
    )
    arguments.add_evaluation_seeds(parser)
    arguments.add_demand_scale(parser, "multiply the scenario's demand by X")
    arguments.add_env(parser)
    arguments.add_jobs(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON list, one per seed")
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    names = list(dict.fromkeys(name.strip() for name in arguments.controller.split(",")))
    if not all(names):
        raise AgentError(
            f"--controller {arguments.controller!r}: an empty name; list controllers like "
            "fixed,max-pressure"
        )
    params = dict(arguments.param)
    if params and len(names) > 1:
        raise AgentError("--param sets the parameters of one controller; name just one")
    for name in names:  # bad names and parameters: one line before anything runs
        agents.check(name, **params)
    config = env_config(arguments)
    scenario = arguments.scenario
    loaded = scenarios.load(scenario, demand_scale=arguments.demand_scale)  # bad: one line
    for name in names:  # a plan optimised once (into the cache), before parallel runs
        if not name.startswith("rl:"):
            controller = agents.make(name, **params)
            controller.prepare(loaded, EnvConfig.from_mapping(config), plan_progress)
    tasks = evaluation_tasks(
        names,
        scenario,
        arguments.seeds,
        params=params,
        demand_scale=arguments.demand_scale,
        config=config,
    )
    rows: list[dict[str, Any]] = []
    failures: list[str] = []
    with ProgressBar("runs") as progress:
        outcomes = list(run_tasks(tasks, arguments.jobs, progress))
    for task, outcome in outcomes:
        if outcome["status"] == "done":
            rows.append(
                {
                    "controller": task.controller,
                    "seed": task.key.seed,
                    **outcome["result"]["metrics"],
                }
            )
        else:
            failures.append(f"{task.controller} on seed {task.key.seed}: {outcome['error']}")
    finished = [name for name in names if any(row["controller"] == name for row in rows)]
    if arguments.json:
        print(json.dumps(rows, indent=2))
    elif len(finished) == 1 and len(names) == 1:
        _print_seeds(names[0], arguments, rows)
    elif finished:
        _print_summary(finished, arguments, rows)
    # A gridlocked strategy says so, as under `run`'s and `compare`'s table (to stderr
    # under --json, whose stdout is the data).
    for line in _gridlocks(finished, arguments, rows):
        print(f"caution: {line}", file=sys.stderr if arguments.json else sys.stdout)
    note = training_demand_note(arguments.seeds)
    if note:
        print(note, file=sys.stderr)
    for line in failures:
        print(f"stopline: run failed: {line}", file=sys.stderr)
    return 1 if failures else 0


def _gridlocks(
    names: list[str], arguments: argparse.Namespace, rows: list[dict[str, Any]]
) -> list[str]:
    """The cautions (`analysis.cautions`) of the runs' comparison: gridlocked strategies."""
    if not names:
        return []
    stored = [
        {
            **row,
            "scenario": arguments.scenario,
            "demand_scale": arguments.demand_scale,
            "status": "done",
        }
        for row in rows
    ]
    return cautions(compare(stored, names[0]), {})


def _line(first: str, cells: Iterable[str], widths: Sequence[int]) -> str:
    return f"{first:>6}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True))


def _print_seeds(name: str, arguments: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    """Each seed's row of the catalogue's table metrics, then their means and CI."""
    widths = [max(14, len(metric.title) + 2) for metric in TABLE]
    print(f"{name} on {arguments.scenario}, demand scale {arguments.demand_scale:g}")
    print(_line("seed", (metric.title for metric in TABLE), widths))
    for row in rows:
        print(_line(str(row["seed"]), (m.format(row[m.name]) for m in TABLE), widths))
    summaries = [mean_ci([float(row[m.name]) for row in rows]) for m in TABLE]
    print(_line("mean", (m.format(c[0]) for m, c in zip(TABLE, summaries, strict=True)), widths))
    if len(rows) > 1:
        halves = (m.format(c[1]) for m, c in zip(TABLE, summaries, strict=True))
        print(_line("±95%", halves, widths))


def _print_summary(
    names: list[str], arguments: argparse.Namespace, rows: list[dict[str, Any]]
) -> None:
    """Each controller's means with CI, one column per table metric of the catalogue."""
    seeds = ",".join(str(seed) for seed in arguments.seeds)
    # One seed has no interval: the means alone, and the header says so (not "± nan").
    what = "means with 95 % confidence intervals" if len(arguments.seeds) > 1 else "one seed"
    print(f"{arguments.scenario}, demand scale {arguments.demand_scale:g}, seeds {seeds}: {what}")
    width = max(12, *(len(name) + 2 for name in names))
    widths = [max(18, len(metric.title) + 2) for metric in TABLE]
    titles = (f"{m.title:>{w}}" for m, w in zip(TABLE, widths, strict=True))
    print(f"{'controller':<{width}}" + "".join(titles))
    for name in names:
        mine = [row for row in rows if row["controller"] == name]
        cells = []
        for metric, cell_width in zip(TABLE, widths, strict=True):
            mean, half = mean_ci([float(row[metric.name]) for row in mine])
            interval = "" if math.isnan(half) else f" ± {metric.format(half)}"
            cells.append(f"{metric.format(mean) + interval:>{cell_width}}")
        print(f"{name:<{width}}" + "".join(cells))
