"""Shared fixtures: one scenario cache for the session, SUMO runs, a real-world-like OSM net."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from stopline.envs import merge_options
from stopline.scenarios import Scenario, sumo_tools

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def no_simulation_left_open() -> Iterator[None]:
    """Fail a test that leaves a libsumo simulation running, and close it for the next one."""
    import libsumo

    yield
    if libsumo.simulation.isLoaded():
        libsumo.close()
        pytest.fail("the test left a libsumo simulation running")


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A scenario cache private to this test session, also seen by `stopline` subprocesses."""
    path = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STOPLINE_CACHE", str(path))
        yield path


def run_sumo(scenario: Scenario, folder: Path, *options: str) -> ET.Element:
    """Run the ``sumo`` binary over the scenario's window; return its statistics output
    (``folder/statistics.xml``, unless ``options`` name it)."""
    statistics = folder / "statistics.xml"
    own = [] if "--statistic-output" in options else ["--statistic-output", str(statistics)]
    words = merge_options([*scenario.sumo_args(), "--no-step-log", *own], options)
    command = [str(sumo_tools.binary("sumo")), *words]
    result = subprocess.run(
        command, capture_output=True, text=True, env=sumo_tools.environment(), check=False
    )
    assert result.returncode == 0, result.stderr
    return ET.parse(statistics).getroot()


def teleports(statistics: ET.Element) -> int:
    element = statistics.find("teleports")
    assert element is not None
    return int(element.get("total", "-1"))


@pytest.fixture(scope="session")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real-world style net: `lindenau.osm` imported with netconvert as OSM users do.

    It has a five-arm junction, a T-junction and a dual-carriageway crossing joined into one
    junction cluster; `town.sumocfg` adds a second signal programme and random demand.
    """
    folder = tmp_path_factory.mktemp("town")
    net = folder / "town.net.xml"
    sumo_tools.run(
        [
            sumo_tools.binary("netconvert"),
            "--osm-files",
            DATA / "lindenau.osm",
            "-o",
            net,
            "--geometry.remove",
            "--junctions.join",
            "--tls.guess-signals",
            "--tls.discard-simple",
            "--tls.join",
            "--tls.default-type",
            "static",
            "--no-turnarounds",
        ],
        what="netconvert",
    )
    sumo_tools.run(
        [
            sys.executable,
            sumo_tools.tool("randomTrips.py"),
            "-n",
            net,
            "-o",
            folder / "town.trips.xml",
            "-r",
            folder / "town.rou.xml",
            "--seed",
            "7",
            "--end",
            "600",
            "--period",
            "4",
            "--fringe-factor",
            "10",
            "--validate",
        ],
        what="randomTrips.py",
    )
    _write_second_programme(net, folder / "evening.add.xml")
    (folder / "town.sumocfg").write_text(
        "<configuration>\n"
        '  <input>\n    <net-file value="town.net.xml"/>\n'
        '    <route-files value="town.rou.xml"/>\n'
        '    <additional-files value="evening.add.xml"/>\n  </input>\n'
        '  <time>\n    <begin value="0"/>\n    <end value="900"/>\n  </time>\n'
        "</configuration>\n"
    )
    return folder


def _write_second_programme(net: Path, output: Path) -> None:
    """An extra programme for the first signal: same states, longer greens (SUMO runs it)."""
    logic = next(ET.parse(net).getroot().iter("tlLogic"))
    logic.set("programID", "evening")
    for phase in logic.iter("phase"):
        if "y" not in phase.get("state", ""):
            phase.set("duration", str(int(float(phase.get("duration", "0"))) + 10))
    root = ET.Element("additional")
    root.append(logic)
    ET.ElementTree(root).write(output, encoding="utf-8", xml_declaration=True)


def stopline(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed ``stopline`` command as a user would."""
    executable = Path(sys.executable).with_name("stopline")
    return subprocess.run(
        [str(executable), *arguments],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=os.environ.copy(),
        check=False,
    )
