"""SUMO sessions: option merging, one libsumo per process, failures, TraCI and the GUI."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest

from stopline import scenarios
from stopline.envs import Session, SignalEnv, SimulationError, merge_options


def test_file_lists_merge_and_other_options_take_the_callers_value() -> None:
    merged = merge_options(
        ["-n", "a.net.xml", "-r", "a.rou.xml", "-a", "x.add.xml", "--seed", "1", "--no-warnings"],
        ["--additional-files", "y.add.xml,x.add.xml", "--seed", "7", "--time-to-teleport", "-1"],
    )
    assert merged == [
        "--net-file",
        "a.net.xml",
        "--route-files",
        "a.rou.xml",
        "--additional-files",
        "x.add.xml,y.add.xml",
        "--seed",
        "7",
        "--no-warnings",
        "--time-to-teleport",
        "-1",
    ]


def test_a_second_libsumo_simulation_in_one_process_is_refused(cache_dir: Path) -> None:
    scenario = scenarios.load("single")
    first = Session(scenario, seed=0)
    first.start()
    try:
        with pytest.raises(SimulationError, match=r"one simulation per process.*SubprocVecEnv"):
            Session(scenario, seed=0).start()
        assert first.step(10) == 10  # the first one is untouched
    finally:
        first.close()


def _broken_midway(scenario: scenarios.Scenario, folder: Path) -> scenarios.Scenario:
    # SUMO reads routes 200 s ahead, so this bad vehicle only surfaces around t = 400 s.
    bad = folder / "bad.rou.xml"
    bad.write_text(
        '<routes><vehicle id="doomed" depart="600"><route edges="N_C C_N"/></vehicle></routes>'
    )
    return dataclasses.replace(scenario, route_files=(*scenario.route_files, bad), end=900.0)


def _children() -> list[str]:
    names = []
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            fields = (process / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == os.getpid():
                names.append((process / "comm").read_text().strip())
        except (OSError, IndexError):
            continue
    return names


@pytest.mark.parametrize("backend", ["libsumo", "traci"])
def test_sumo_failing_midway_is_one_clear_error_and_reset_recovers(
    backend: str, cache_dir: Path, tmp_path: Path
) -> None:
    env = SignalEnv(_broken_midway(scenarios.load("single"), tmp_path), backend=backend)
    env.reset(seed=0)
    with pytest.raises(SimulationError, match="SUMO failed: Vehicle 'doomed' has no valid route"):
        for _ in range(200):
            env.step(0)
    assert not env.simulation.running
    assert "sumo" not in _children()
    _, info = env.reset(seed=0)
    assert info["time"] == 0
    env.close()
    assert "sumo" not in _children()


def test_traci_and_libsumo_agree(cache_dir: Path) -> None:
    scenario = dataclasses.replace(scenarios.load("single"), end=200.0)
    results = []
    for backend in ("libsumo", "traci"):
        env = SignalEnv(scenario, backend=backend)
        env.reset(seed=4)
        rewards = [env.step(step % 3)[1] for step in range(40)]
        env.close()
        results.append(rewards)
    assert results[0] == results[1]


def test_gui_means_sumo_gui_over_traci(cache_dir: Path) -> None:
    session = Session(scenarios.load("single"), seed=0, gui=True)
    assert session.backend == "traci"
    assert Path(session.command[0]).name == "sumo-gui"
    assert "--start" in session.command


@pytest.mark.parametrize("backend", ["libsumo", "traci"])
@pytest.mark.parametrize(
    ("options", "said"),
    [
        # SUMO explains these on stderr only, before its error log is open.
        (["--no-such-option", "1"], "No option with the name 'no-such-option' exists"),
        (["--seed", "abc"], "'abc' is not a valid integer"),
        (["--tripinfo-output", "/nonexistent/t.xml"], "Could not build output file"),
        (["-a", "/nonexistent.add.xml"], "File '/nonexistent.add.xml' is not accessible"),
    ],
)
def test_a_failed_start_carries_sumos_own_error_line(
    options: list[str], said: str, backend: str, cache_dir: Path
) -> None:
    with pytest.raises(SimulationError, match=f"SUMO could not start: .*{re.escape(said)}"):
        SignalEnv(scenarios.load("single"), sumo_options=options, backend=backend)
    # A failed libsumo start leaves nothing loaded: the next simulation starts.
    env = SignalEnv(scenarios.load("single"), backend=backend)
    env.close()
