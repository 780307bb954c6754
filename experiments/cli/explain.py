"""``stopline explain DIR``: what every strategy of an experiment actually did."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from stopline.experiments.runs.store import MOVEMENTS_CSV, SIGNALS_CSV


def add_to(commands: Any) -> None:
    parser = commands.add_parser(
        "explain",
        help="what each strategy's signals did, HCM lane groups, and policy cards",
        description=(
            "Explain a results folder made by stopline run or compare: per junction and "
            "15 minutes, the realised cycle, green shares and lengths, switches per hour, "
            "skipped phases and queues, read from SUMO's record of every run; per lane group "
            "the HCM control delay, LOS, v/c and 95th-percentile queue; for each learned "
            "policy a card with the inputs that move its decisions. Writes explain.html, "
            "signals.csv and movements.csv into the folder."
        ),
    )
    parser.add_argument("folder", type=Path, metavar="DIR", help="a results folder")
    parser.add_argument(
        "--controller",
        action="append",
        default=[],
        metavar="NAME",
        help="explain this strategy only (repeat for several; default: all)",
    )
    parser.add_argument(
        "--junction",
        action="append",
        default=[],
        metavar="ID",
        help="explain this junction only (repeat for several; default: all)",
    )
    parser.add_argument(
        "--no-cards",
        action="store_true",
        help="leave out the policy cards (each replays the policy over one run)",
    )
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    from stopline.experiments.analysis.explain import explain

    page = explain(
        arguments.folder,
        controllers=arguments.controller,
        junctions=arguments.junction,
        cards=not arguments.no_cards,
    )
    folder = arguments.folder
    print(
        f"explained: {page}\nsignals:   {folder / SIGNALS_CSV}\nmovements: {folder / MOVEMENTS_CSV}"
    )
    return 0
