"""``stopline evaluate SCENARIO --controller NAME``: one strategy on evaluation seeds."""

from __future__ import annotations

import argparse
import json
import statistics
from typing import Any

from stopline import agents
from stopline.agents import UnknownControllerError
from stopline.scenarios import ScenarioError

from .evaluate import EVALUATION_SEEDS, evaluate
from .scenario_commands import _demand_scale

COLUMNS = (
    ("mean_delay", "delay s", "{:.1f}"),
    ("mean_travel_time", "travel s", "{:.1f}"),
    ("throughput", "arrived", "{:.0f}"),
    ("unfinished", "unfinished", "{:.0f}"),
    ("teleports", "teleports", "{:.0f}"),
)


def _seeds(text: str) -> list[int]:
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        seeds = []
    if not seeds or any(seed < 0 for seed in seeds):
        raise argparse.ArgumentTypeError(f"must be whole numbers >= 0 like 101,102; got {text!r}")
    return seeds


def _parameter(text: str) -> tuple[str, Any]:
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise argparse.ArgumentTypeError(f"must be KEY=VALUE, got {text!r}")
    try:
        return key.replace("-", "_"), json.loads(value)
    except json.JSONDecodeError:
        return key.replace("-", "_"), value


def add_to(commands: Any) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="run one controller on evaluation demand seeds and print its trip metrics",
        description=(
            "Run one controller over the scenario's whole window on each evaluation demand "
            "seed and print delay (SUMO timeLoss, unfinished trips counted), travel time, "
            "throughput, unfinished vehicles and teleports, per seed and as a mean."
        ),
    )
    parser.add_argument("scenario", metavar="SCENARIO", help="built-in name or .sumocfg path")
    parser.add_argument(
        "--controller",
        required=True,
        metavar="NAME",
        help=f"one of {', '.join(agents.CONTROLLERS)}, or rl:PATH",
    )
    parser.add_argument(
        "--param",
        type=_parameter,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a controller parameter (repeatable), e.g. --param theta=60",
    )
    parser.add_argument(
        "--seeds",
        type=_seeds,
        default=list(EVALUATION_SEEDS),
        metavar="S1,S2,...",
        help="evaluation demand seeds (default 101,102,103,104,105)",
    )
    parser.add_argument("--demand-scale", type=_demand_scale, default=1.0, metavar="X")
    parser.add_argument("--json", action="store_true", help="print a JSON list, one per seed")
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    try:
        controller = agents.make(arguments.controller, **dict(arguments.param))
    except UnknownControllerError as error:
        raise ScenarioError(f"--controller: {error}") from None
    results = evaluate(
        controller, arguments.scenario, arguments.seeds, demand_scale=arguments.demand_scale
    )
    rows = [result.as_dict() for result in results]
    if arguments.json:
        print(json.dumps(rows, indent=2))
        return 0
    header = f"{'seed':>6}" + "".join(f"{title:>12}" for _, title, _ in COLUMNS)
    print(f"{controller.name} on {arguments.scenario}, demand scale {arguments.demand_scale:g}")
    print(header)
    for row in rows:
        cells = "".join(f"{fmt.format(row[key]):>12}" for key, _, fmt in COLUMNS)
        print(f"{row['seed']:>6}{cells}")
    means = "".join(
        f"{fmt.format(statistics.fmean(row[key] for row in rows)):>12}" for key, _, fmt in COLUMNS
    )
    print(f"{'mean':>6}{means}")
    return 0
