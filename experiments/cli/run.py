"""``stopline run SPEC.toml``: run an experiment, storing every run; rerun to resume."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from stopline.experiments.cli import arguments
from stopline.experiments.cli.progress import ProgressBar
from stopline.experiments.reports.report import write_report
from stopline.experiments.runs.backends import make_backend
from stopline.experiments.runs.runner import run_spec
from stopline.experiments.runs.spec import load_spec
from stopline.experiments.runs.store import DATABASE


def add_to(commands: Any) -> None:
    parser = commands.add_parser(
        "run",
        help="run an experiment spec (TOML), storing every run in results.db",
        description=(
            "Run every (scenario, demand scale, controller, seed) of a spec in local worker "
            "processes or as Ray tasks, storing each finished run in OUT/results.db. "
            "Rerunning resumes: finished runs are skipped; a folder holding another "
            "experiment's runs is refused. Prints the comparison and writes report.html, "
            "summary.md and the CSV exports."
        ),
    )
    parser.add_argument("spec", type=Path, metavar="SPEC.toml", help="the experiment spec")
    arguments.add_out(
        parser, "results folder (default: the spec's out, else results/NAME beside the spec)"
    )
    parser.add_argument(
        "--jobs",
        type=arguments.bounded("jobs"),
        default=2,
        metavar="N",
        help="runs at a time: local worker processes, or the CPUs of a local Ray (default 2)",
    )
    arguments.add_backend(parser, "local worker processes", "Ray tasks")
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    spec = load_spec(arguments.spec)
    backend = make_backend(
        arguments.backend, jobs=arguments.jobs, ray_address=arguments.ray_address
    )
    with ProgressBar(spec.name) as progress:
        folder = run_spec(spec, out=arguments.out, backend=backend, progress=progress)
    print(summarise(folder, spec.reference))
    return 0


def summarise(folder: Path, reference: str) -> str:
    """Write the report files for a results folder; return the table and where they are."""
    report = write_report(folder, reference)
    return f"{report.table}\n\nresults: {folder / DATABASE}\nreport:  {report.page}"
