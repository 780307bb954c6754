"""``stopline distil DIR --controller NAME``: a strategy distilled into readable plans."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from stopline.agents.plans.store import COORDINATED
from stopline.experiments.cli import arguments
from stopline.experiments.reports.timing_sheet import TIMING_CSV, TIMING_HTML
from stopline.experiments.runs.store import check_folder
from stopline.scenarios import naming


def add_to(commands: Any) -> None:
    parser = commands.add_parser(
        "distil",
        help="distil a strategy (a learned policy too) into a fixed and an actuated plan",
        description=(
            "Run a strategy of a results folder again on training demand seeds, record what "
            "its signals did, and fit the time-of-day fixed plan (and, separately, SUMO "
            "actuated programmes) that reproduce its realised cycles and splits; write them "
            "as plan.add.xml (with a timing sheet, timing.csv and timing.html) and "
            "actuated.add.xml, run both on the folder's evaluation seeds and report what "
            "deploying them instead of the strategy costs in delay, paired seed by seed."
        ),
    )
    parser.add_argument("folder", type=Path, metavar="DIR", help="a results folder")
    parser.add_argument(
        "--controller", required=True, metavar="NAME", help="the strategy to distil"
    )
    parser.add_argument(
        "--scenario",
        default=None,
        metavar="NAME",
        help="which scenario, where the folder holds several",
    )
    arguments.add_out(parser, "where the plans are written (default DIR/distilled-NAME)")
    arguments.add_jobs(parser)
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    from stopline.experiments.studies.distil import ACTUATED, RESULT, distil_strategy

    out = check_folder(
        arguments.out or arguments.folder / f"distilled-{naming.slug(arguments.controller)}"
    )
    costs, baseline = distil_strategy(
        arguments.folder,
        arguments.controller,
        out,
        scenario=arguments.scenario,
        jobs=arguments.jobs,
    )
    own = sum(baseline.values()) / len(baseline)
    print(f"delay per vehicle on evaluation seeds {', '.join(map(str, sorted(baseline)))}:")
    print(f"  {arguments.controller:<22} {own:6.1f} s")
    for cost in costs:
        share = 100 * cost.difference / own if own else 0.0
        print(
            f"  {cost.name:<22} {cost.mean:6.1f} s   {cost.difference:+.1f} ± "
            f"{cost.difference_ci:.1f} s paired ({share:+.0f} %), better on "
            f"{cost.better} of {len(cost.delays)} seeds"
        )
    print(f"written to {out}: {COORDINATED}, {ACTUATED}, {TIMING_CSV}, {TIMING_HTML}, {RESULT}")
    return 0
