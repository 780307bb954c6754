"""``stopline explain``: what each strategy's signals did, lane groups, policy cards."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from stopline.experiments.analysis.explain import explain
from stopline.experiments.reports.policy_card import kind
from stopline.experiments.runs.store import DATABASE, EXPLAIN, MOVEMENTS_CSV, REPORT, SIGNALS_CSV

from conftest import cli


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as stream:
        return list(csv.DictReader(stream))


def test_explain_writes_each_strategys_signals_and_movements(results: Path) -> None:
    page = explain(results, cards=False)
    assert page == results / EXPLAIN
    text = page.read_text()
    for strategy in ("fixed", "max-pressure", "ppo"):
        assert f"{strategy} on single" in text
    signals = _rows(results / SIGNALS_CSV)
    fixed = [row for row in signals if row["controller"] == "fixed" and row["seed"] == "101"]
    # single's own programme: 90 s cycle, greens 33, 6, 33, 6 s, in every 15 minutes.
    assert {row["cycle_mean"] for row in fixed} == {"90.0"}
    assert sorted({row["green_mean"] for row in fixed}) == ["33.0", "6.0"]
    assert {row["interval"] for row in fixed} == {
        "00:00-00:15",
        "00:15-00:30",
        "00:30-00:45",
        "00:45-01:00",
    }
    pressure = [row for row in signals if row["controller"] == "max-pressure"]
    assert any(int(row["skipped"]) > 0 for row in pressure)  # it skips greens nobody needs
    movements = _rows(results / MOVEMENTS_CSV)
    window = [row for row in movements if row["period"] == "window"]
    groups = [row for row in window if row["lane_group"] != "approach"]
    approaches = [row for row in window if row["lane_group"] == "approach"]
    assert len(approaches) == 4 * 3  # four approaches, three strategies
    assert {row["approach"].split()[0] for row in approaches} == {"NB", "EB", "SB", "WB"}
    for row in groups:
        assert row["los"] in set("ABCDEF")
        assert float(row["queue_95"]) >= 0
        # v/c is left blank only where the strategy never gave the group a green.
        assert float(row["v_c"]) >= 0 if row["v_c"] else float(row["capacity"]) == 0


def test_lane_groups_are_stored_per_run_in_the_results_database(results: Path) -> None:
    with sqlite3.connect(results / DATABASE) as connection:
        count = connection.execute(
            "SELECT COUNT(*) FROM movements WHERE controller = 'fixed' AND seed = 101 "
            "AND period = 'window'"
        ).fetchone()[0]
        periods = connection.execute(
            "SELECT DISTINCT period FROM movements ORDER BY period"
        ).fetchall()
        delays = connection.execute(
            "SELECT control_delay FROM movements WHERE controller = 'fixed'"
        ).fetchall()
    assert count == 12  # single: four approaches of left, through and through-right lanes
    # and the same for each 15-minute analysis period of the hour
    assert [p for (p,) in periods] == [
        "00:00-00:15",
        "00:15-00:30",
        "00:30-00:45",
        "00:45-01:00",
        "window",
    ]
    assert all(delay >= 0 for (delay,) in delays)


def test_the_report_has_the_signals_and_movement_sections(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, _ = cli(capsys, "report", str(results))
    assert status == 0
    text = (results / REPORT).read_text()
    assert "What the signals did" in text
    assert "Movements: lane groups by junction" in text


def test_a_policy_card_names_what_moves_the_policy(results: Path) -> None:
    explain(results, controllers=["ppo"])
    text = (results / EXPLAIN).read_text()
    assert "Policy card" in text
    assert "diff-waiting-time" in text  # the reward it was trained with
    assert "decisions changed" in text
    assert "fixed on single" not in text  # only the strategy asked for


def test_input_kinds_drop_the_lane_or_green_they_are_about() -> None:
    assert kind("queue W_C_0") == "queue"
    assert kind("green 2 shown") == "green shown"
    assert kind("pressure of green 1") == "pressure of green"


def test_explain_refuses_what_it_cannot_explain(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, error = cli(capsys, "explain", str(results), "--controller", "greedy")
    assert status == 2 and error.count("\n") == 1 and "--controller greedy" in error
    status, _, error = cli(capsys, "explain", str(results), "--junction", "nowhere")
    assert status == 2 and error.count("\n") == 1 and "--junction nowhere" in error
    status, _, error = cli(capsys, "explain", str(tmp_path))
    assert status == 2 and error.count("\n") == 1 and "results.db" in error
