"""SUMO sessions: option merging, one libsumo per process, failures, TraCI and the GUI."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from stopline import scenarios
from stopline.envs import Session, SignalEnv, SimulationError
from stopline.scenarios.options import merge_options


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


def test_a_second_simulation_in_one_process_runs_over_traci(cache_dir: Path) -> None:
    scenario = scenarios.load("single")
    first = Session(scenario, seed=0)
    first.start()
    second = Session(scenario, seed=0)
    try:
        with pytest.warns(RuntimeWarning, match=r"one simulation per process.*TraCI"):
            second.start()
        assert (first.backend, second.backend) == ("libsumo", "traci")
        assert first.step(10) == second.step(10) == 10  # both run, neither disturbs the other
    finally:
        second.close()
        first.close()
    third = Session(scenario, seed=0)  # once both are closed, libsumo is free again
    third.start()
    assert third.backend == "libsumo"
    third.close()


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


@pytest.mark.slow
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


@pytest.mark.parametrize(
    ("observation", "reward"), [("default", "diff-waiting-time"), ("pressure", "delay")]
)
def test_traci_and_libsumo_agree(observation: str, reward: str, cache_dir: Path) -> None:
    """Over libsumo lanes are read by direct calls, over TraCI by subscription: the same
    numbers, whichever readings the observation and reward ask for."""
    scenario = dataclasses.replace(scenarios.load("single"), end=200.0)
    results = []
    for backend in ("libsumo", "traci"):
        env = SignalEnv(scenario, backend=backend, observation=observation, reward=reward)
        env.reset(seed=4)
        steps = [env.step(step % 3) for step in range(40)]
        env.close()
        results.append(([s[0].tolist() for s in steps], [s[1] for s in steps]))
    assert results[0] == results[1]
    assert any(any(value > 0 for value in row) for row in results[0][0])


def test_gui_means_sumo_gui_over_traci(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    session = Session(scenarios.load("single"), seed=0, gui=True)
    assert session.backend == "traci"
    assert Path(session.command[0]).name == "sumo-gui"
    assert "--start" in session.command


def test_gui_without_a_display_runs_without_a_window(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.warns(RuntimeWarning, match="no display"):
        session = Session(scenarios.load("single"), seed=0, gui=True)
    assert Path(session.command[0]).name == "sumo"


def _fresh_python(program: str) -> subprocess.CompletedProcess[str]:
    """``program`` run by this Python in a process of its own (no libsumo loaded yet)."""
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )


@pytest.mark.slow
def test_check_env_passes_on_the_registered_envs_in_a_fresh_process() -> None:
    program = (
        "import gymnasium, stopline.envs\n"
        "from gymnasium.utils.env_checker import check_env\n"
        "for name, kwargs in (('single', {}), ('corridor', {'junction': 'J2'})):\n"
        "    env = gymnasium.make(f'stopline/{name}-v0', **kwargs)\n"
        "    check_env(env.unwrapped)\n"
        "    env.close()\n"
        "print('passed')\n"
    )
    result = _fresh_python(program)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "passed"


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
    bad = SignalEnv(scenarios.load("single"), sumo_options=options, backend=backend)
    with pytest.raises(SimulationError, match=f"SUMO could not start: .*{re.escape(said)}"):
        bad.reset(seed=1)
    # A failed libsumo start leaves nothing loaded: the next simulation starts.
    env = SignalEnv(scenarios.load("single"), backend=backend)
    env.reset(seed=1)
    env.close()


def test_the_second_simulation_warning_reaches_the_users_terminal(cache_dir: Path) -> None:
    # Standard error is captured while SUMO starts: the warning must be given before that.
    program = (
        "from stopline import scenarios\n"
        "from stopline.envs import Session\n"
        "scenario = scenarios.load('single')\n"
        "first, second = Session(scenario, seed=0), Session(scenario, seed=0)\n"
        "first.start(); second.start(); second.close(); first.close()\n"
    )
    result = _fresh_python(program)
    assert result.returncode == 0, result.stderr
    assert "runs over TraCI instead" in result.stderr
