"""The metric catalogue (`stopline.measures.catalogue`): a new metric is one entry, and it
shows in `evaluate`, ``comparison.csv`` and the report with nothing else edited."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stopline.measures.catalogue import BY_NAME, METRICS, TABLE

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("scenarios", "envs", "measures", "agents", "experiments")
# A throwaway metric, written as a newcomer would add it: one entry in METRICS.
ENTRY = """    Metric(
        "max_delay", "worst delay", "s", 1, "lower", "the longest headline delay of the run",
        lambda trips: max(trips.headline(), default=0.0), table=True,
    ),
"""


def test_every_metric_has_its_words_and_a_unique_name() -> None:
    assert len(BY_NAME) == len(METRICS)
    assert all(metric.label and metric.description for metric in METRICS)
    assert TABLE[0].name == "mean_delay"  # the headline leads every table
    assert BY_NAME["blocked"].format(7200.0) == "2.0"  # vehicle-seconds shown in hours


def _with_new_metric(tmp_path: Path) -> dict[str, str]:
    """An environment in which Stopline runs from a copy whose catalogue has `ENTRY`
    added (on PYTHONPATH, so the worker processes import the copy too)."""
    site = tmp_path / "site" / "stopline"
    site.mkdir(parents=True)
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, site / folder, ignore=shutil.ignore_patterns("__pycache__"))
    catalogue = site / "measures" / "catalogue.py"
    text = catalogue.read_text()
    end = ")  # fmt: skip"
    assert text.count(end) == 1
    catalogue.write_text(text.replace(end, ENTRY + end))
    return {**os.environ, "PYTHONPATH": str(site.parent)}


@pytest.mark.slow
def test_a_new_metric_is_one_catalogue_entry(cache_dir: Path, tmp_path: Path) -> None:
    environment = _with_new_metric(tmp_path)
    stopline = [sys.executable, "-c", "import sys; from stopline.experiments.cli import main; "
                "sys.exit(main(sys.argv[1:]))"]  # fmt: skip

    def run(*arguments: str) -> str:
        done = subprocess.run(
            [*stopline, *arguments],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=environment,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    table = run("evaluate", "single", "--controller", "fixed", "--seeds", "101")
    assert "worst delay s" in table.splitlines()[1]
    (row,) = json.loads(run("evaluate", "single", "--controller", "fixed", "--seeds", "101",
                            "--json"))  # fmt: skip
    assert row["max_delay"] >= row["p95_delay"] > 0

    spec = tmp_path / "spec.toml"
    spec.write_text(
        'name = "one"\nseeds = [101]\n[[scenarios]]\nname = "single"\n'
        '[[controllers]]\nname = "fixed"\n'
    )
    out = tmp_path / "out"
    run("run", str(spec), "--out", str(out))
    with (out / "comparison.csv").open() as file:
        (stored,) = csv.DictReader(file)
    assert float(stored["max_delay"]) == pytest.approx(row["max_delay"])
    report = (out / "report.html").read_text()
    assert "worst delay s" in report and "the longest headline delay of the run" in report
