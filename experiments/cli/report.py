"""``stopline report DIR``: write a results folder's report again (e.g. another reference)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from stopline.experiments.reports.report import write_report
from stopline.experiments.runs.store import SUMMARY


def add_to(commands: Any) -> None:
    parser = commands.add_parser(
        "report",
        help="write report.html, summary.md and the CSV exports for a results folder",
        description=(
            "Write the report of a results folder made by stopline run or compare: "
            "report.html, summary.md, comparison.csv, junctions.csv and queues.csv."
        ),
    )
    parser.add_argument("folder", type=Path, metavar="DIR", help="a results folder")
    parser.add_argument(
        "--reference",
        default=None,
        metavar="CONTROLLER",
        help="the strategy others are paired against (default: the experiment's reference)",
    )
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    report = write_report(arguments.folder, arguments.reference)
    print(f"report:  {report.page}\nsummary: {arguments.folder / SUMMARY}")
    return 0
