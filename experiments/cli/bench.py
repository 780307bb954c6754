"""``stopline bench SCENARIO``: environment speed against the raw SUMO binary."""

from __future__ import annotations

import argparse
from typing import Any

from stopline.envs import EnvConfig
from stopline.experiments.cli import arguments
from stopline.experiments.cli.arguments import env_config, load_from
from stopline.experiments.cli.progress import ProgressBar
from stopline.experiments.studies import bench


def add_to(commands: Any) -> None:
    parser = commands.add_parser(
        "bench",
        help="time the environment against the raw sumo binary",
        description=(
            "Run the scenario's whole window with the raw sumo binary and with the environment "
            "in observe-only mode (same files, window and SUMO seed), several times each, and "
            "print wall time, env steps/s, simulated seconds per wall second and the env/raw "
            "ratio (medians)."
        ),
    )
    arguments.add_scenario_loading(parser)
    parser.add_argument(
        "--repeats",
        type=arguments.positive_int,
        default=3,
        metavar="N",
        help="runs of each (default 3)",
    )
    arguments.add_env(parser)
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    scenario = load_from(arguments)
    config = env_config(arguments)
    delta_time = EnvConfig.from_mapping(config).delta_time
    with ProgressBar("bench", unit="simulation") as progress:
        rows = bench.bench(scenario, repeats=arguments.repeats, config=config, progress=progress)
    print(bench.report(scenario, rows, arguments.repeats, delta_time))
    return 0
