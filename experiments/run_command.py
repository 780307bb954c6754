"""``stopline run SPEC.toml``: run an experiment, storing every run; rerun to resume."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import arguments
from .runner import run_spec
from .spec import load_spec
from .store import load_rows
from .summary import compare, render, write_csv


def add_to(commands: Any) -> None:
    parser = commands.add_parser(
        "run",
        help="run an experiment spec (TOML), storing every run in results.db",
        description=(
            "Run every (scenario, demand scale, controller, seed) of a spec in worker "
            "processes, storing each finished run in OUT/results.db. Rerunning resumes: "
            "finished runs are skipped. Prints the comparison and writes summary.md and "
            "comparison.csv."
        ),
    )
    parser.add_argument("spec", type=Path, metavar="SPEC.toml")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR")
    parser.add_argument(
        "--jobs", type=arguments.positive_int, default=2, metavar="N", help="worker processes"
    )
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    from tqdm import tqdm

    spec = load_spec(arguments.spec)
    bar = tqdm(desc=spec.name, unit="run", mininterval=1)

    def progress(done: int, failed: int, total: int) -> None:
        bar.total = total
        bar.set_postfix(done=done, failed=failed, refresh=False)
        bar.update(done + failed - bar.n)

    folder = run_spec(spec, out=arguments.out, jobs=arguments.jobs, progress=progress)
    bar.close()
    print(summarise(folder, spec.reference))
    return 0


def summarise(folder: Path, reference: str) -> str:
    """Write summary.md and comparison.csv for a results folder; return the table."""
    table = compare(load_rows(folder), reference)
    text = render(table, reference)
    (folder / "summary.md").write_text(f"# Comparison\n\n{text}\n")
    write_csv(table, folder / "comparison.csv")
    return f"{text}\n\nresults: {folder / 'results.db'}\nsummary: {folder / 'summary.md'}"
