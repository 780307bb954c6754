"""``stopline tune SCENARIO``: search PPO's hyper-parameters on training demand (optuna)."""

from __future__ import annotations

import argparse
import json
import shlex
from typing import Any

from stopline.experiments.cli import arguments
from stopline.experiments.cli.arguments import training_settings
from stopline.experiments.cli.progress import ProgressBar
from stopline.experiments.studies.tuning import TUNABLE


def add_to(commands: Any) -> None:
    parser = commands.add_parser(
        "tune",
        help="search PPO hyper-parameters on training demand seeds (optuna)",
        description=(
            "Train one policy per trial with hyper-parameters optuna's TPE sampler proposes, "
            "on training demand seeds 1-45, and score each by the headline mean delay on "
            "seeds 46-50 (training demand the trial never trained on; evaluation seeds "
            "101-105 are never used). Writes DIR/study.db (stop and rerun to continue), "
            "trials.csv, best.json and one model folder per trial; prints the best values "
            "and the train command that uses them."
        ),
    )
    arguments.add_scenario(parser)
    parser.add_argument(
        "--trials",
        type=arguments.positive_int,
        default=20,
        metavar="N",
        help="trials in the search, counting finished ones in --out (default 20)",
    )
    parser.add_argument(
        "--timesteps",
        type=arguments.bounded("timesteps"),
        default=20_000,
        metavar="N",
        help="training decisions per trial (default 20000)",
    )
    arguments.add_training(parser, TUNABLE)
    arguments.add_out(
        parser,
        "folder of the search: study.db, trials.csv, best.json, trial models (required)",
        required=True,
    )
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    from stopline.agents.training import TrainConfig
    from stopline.experiments.studies.tuning import TuneConfig, tune

    base = TrainConfig(scenario=arguments.scenario, **training_settings(arguments))
    config = TuneConfig(base, trials=arguments.trials)
    with ProgressBar("tune", unit="trial") as progress:
        result = tune(config, arguments.out, progress)
    ranked = sorted(
        (row for row in result.trials if row["mean_delay_s"] is not None),
        key=lambda row: row["mean_delay_s"],
    )
    print(f"trials (mean delay on validation seeds 46-50, best first), of {len(result.trials)}:")
    for row in ranked[:5]:
        print(f"  trial {row['trial']:>3}: {row['mean_delay_s']:.1f} s")
    hyper = " ".join(  # JSON values, quoted for the shell: the line can be pasted as is
        f"--hyper {shlex.quote(f'{key}={json.dumps(value)}')}"
        for key, value in result.best_hyperparameters.items()
    )
    print(f"best: {result.best_value:.1f} s with {result.best_hyperparameters}")
    print(f"train with them: stopline train {arguments.scenario} {hyper} --out DIR")
    return 0
