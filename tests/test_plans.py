"""Optimising and using timing plans on real SUMO: the search is reproducible however many
processes run it, the objectives do what they say, ``stopline plan`` writes a sheet and a
SUMO file that plain sumo loads, and ``plan:PATH`` runs what ``coordinated`` runs."""

from __future__ import annotations

import csv
import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from stopline import scenarios
from stopline.agents.plans import Search, isolated_plan, optimise
from stopline.agents.plans.arterials import arterial_bandwidth, arterials, band
from stopline.envs import EnvConfig
from stopline.scenarios import sumo_tools
from stopline.scenarios.options import QUIET

from conftest import stopline


@pytest.mark.slow
def test_search_is_the_same_however_many_processes_run_it(cache_dir: Path) -> None:
    scenario = scenarios.load("grid:2x2")
    one = optimise(scenario, EnvConfig(), Search(trials=4, jobs=1))
    two = optimise(scenario, EnvConfig(), Search(trials=4, jobs=2))
    assert one[2].values == two[2].values
    best, isolated, history = two
    assert len(history.values) == 5 * 2 + 4  # five cycle scales x two splits, then trials
    first = min(value for label, value in history.values if label.startswith("cycle"))
    assert history.best() <= first
    assert {plan.offset for period in isolated.plans for plan in period.values()} == {0.0}
    assert best.periods == isolated.periods


@pytest.mark.slow
def test_corridor_arterial_and_its_bandwidth(cache_dir: Path) -> None:
    scenario = scenarios.load("corridor")
    (arterial,) = arterials(scenario)
    forward = arterial.forward
    assert forward.signals == ("J0", "J1", "J2", "J3", "J4")
    assert arterial.backward is not None
    assert arterial.backward.signals == forward.signals[::-1]
    assert list(forward.positions) == sorted(forward.positions) and forward.positions[0] == 0
    # 250-350 m apart at 0.9 x 50 km/h: 20-28 s between signals.
    gaps = [b - a for a, b in zip(forward.times, forward.times[1:], strict=False)]
    assert all(18 < gap < 30 for gap in gaps)
    plan = isolated_plan(scenario, EnvConfig(), "00:00-01:00")
    # A one-way green wave: each signal's first green (the arterial's) starts when a
    # vehicle that left J0 at the start of its green arrives.
    wave = plan.with_offsets([dict(zip(forward.signals, forward.times, strict=True))])
    assert band(wave, 0, forward) > band(plan, 0, forward)
    assert band(wave, 0, forward) == pytest.approx(
        min(j.greens[0] for j in plan.plans[0].values()) / plan.plans[0]["J0"].cycle, abs=0.1
    )
    assert 0 <= arterial_bandwidth(wave, [arterial]) <= 2


@pytest.mark.slow
def test_plan_writes_sheet_and_sumo_file_and_plan_path_runs_it(
    tmp_path: Path, cache_dir: Path
) -> None:
    out = tmp_path / "plan"
    result = stopline(
        "plan", "single", "--demand-scale", "3", "--trials", "1", "--start", "07:00",
        "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # Over-saturated periods are written, with a warning naming junction and period, in
    # the clock time --start gives.
    assert "stopline: warning: junction C, period 07:" in result.stderr
    assert "degree of saturation" in result.stderr
    for name in ("plan.add.xml", "time-of-day.add.xml", "plan.json", "timing.csv", "timing.html"):
        assert (out / name).is_file(), name
    record = json.loads((out / "plan.json").read_text())
    with (out / "timing.csv").open() as stream:
        rows = list(csv.DictReader(stream))
    # plan.json keeps SUMO's time (00:00 is second 0); the sheet shows 07:00 for it.
    assert len({row["period"] for row in rows}) == len(record["periods"])
    assert all(row["period"].startswith("07:") for row in rows)
    assert all(period.startswith("00:") for period in record["periods"])
    assert "alt='phases of C'" in (out / "timing.html").read_text()  # its phase diagram
    # The sheet's switch times are the WAUT's, to the second.
    wauts = {float(s.get("time", "")) for s in ET.parse(out / "plan.add.xml").iter("wautSwitch")}
    assert {float(row["waut_switch"]) for row in rows if row["waut_switch"]} == wauts
    for row in rows:  # a green and its clearing never outlast the cycle
        assert 0 < float(row["green"]) + float(row["yellow"]) < float(row["cycle"])
    # ITE's intergreens by default (`tests/test_intergreens.py`'s hand-worked `single`):
    # 4 s yellows, 3 s all-red where the axes change, none into a protected left.
    assert {row["yellow"] for row in rows} == {"4"}
    assert {(row["phase"], row["all_red"]) for row in rows} == {
        ("1", "0"),
        ("2", "3"),
        ("3", "0"),
        ("4", "3"),
    }
    assert "ITE" in (out / "timing.html").read_text()
    # Every row names its movements (`single`'s four phases, as its programme has them).
    assert {row["movements"] for row in rows} == {
        "NB T+R, SB T+R, NB L (permitted), SB L (permitted)",
        "NB L (protected), SB L (protected)",
        "EB T+R, WB T+R, EB L (permitted), WB L (permitted)",
        "EB L (protected), WB L (protected)",
    }
    # Every period's lane groups with their planned v/c; a through phase's x is the v/c of
    # its critical through group (those groups are open in that phase only).
    with (out / "timing-lane-groups.csv").open() as stream:
        groups = list(csv.DictReader(stream))
    assert {row["period"] for row in groups} == {row["period"] for row in rows}
    for group in groups:
        capacity = float(group["capacity"])
        assert capacity > 0 and float(group["v_c"]) == pytest.approx(
            float(group["flow"]) / capacity, abs=0.01
        )
    period = rows[0]["period"]
    for phase, bounds in ((1, ("NB", "SB")), (3, ("EB", "WB"))):
        [through] = [r for r in rows if r["period"] == period and r["phase"] == str(phase)]
        ratios = [
            float(g["v_c"])
            for g in groups
            if g["period"] == period and g["lane_group"].split()[0] in bounds
            and g["lane_group"].split()[1] in ("T", "TR")
        ]  # fmt: skip
        assert float(through["degree_of_saturation"]) == pytest.approx(max(ratios), abs=0.011)
    # The WAUT file loads in plain sumo on the scenario's own configuration.
    scenario = scenarios.load("single", demand_scale=3)
    plain = subprocess.run(
        [str(sumo_tools.binary("sumo")), "-c", str(scenario.config_file),
         "-a", str(out / "plan.add.xml"), *QUIET, "--end", "1200"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert plain.returncode == 0 and "Error" not in plain.stderr, plain.stderr
    # plan:PATH (the folder) runs the same plan as coordinated under the plan's
    # intergreens (ITE's, `plan`'s default): the same delays.
    evaluated = stopline(
        "evaluate", "single", "--demand-scale", "3", "--seeds", "101", "--json",
        "--controller", f"coordinated,plan:{out}", "--env", "intergreens=geometry",
    )  # fmt: skip
    assert evaluated.returncode == 0, evaluated.stderr
    delays = {row["controller"]: row["mean_delay"] for row in json.loads(evaluated.stdout)}
    assert delays["coordinated"] == delays[f"plan:{out}"]
    # An engineer's edit (every programme's first green 70 s, within max green when the
    # engineer raises it) is what runs; the same edit under the default max is refused.
    edited = out / "edited.add.xml"
    root = ET.parse(out / "plan.add.xml").getroot()
    for logic in root.iter("tlLogic"):
        first = logic.find("phase")
        assert first is not None
        first.set("duration", "70")
    ET.ElementTree(root).write(edited)
    refused = stopline(
        "evaluate", "single", "--demand-scale", "3", "--controller", f"plan:{edited}"
    )
    assert refused.returncode == 2 and "over its max green 60 s" in refused.stderr
    again = stopline(
        "evaluate", "single", "--demand-scale", "3", "--seeds", "101", "--json",
        "--controller", f"plan:{edited}", "--env", "max_green=90",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)[0]["mean_delay"] != delays["coordinated"]
