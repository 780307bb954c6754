"""Shared fixtures: one scenario cache for the session, SUMO runs, a real-world-like OSM net."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from stopline.scenarios import Scenario, osm, sumo_tools

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
    command = scenario.sumo_command([*own, *options])
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
    osm.import_net(DATA / "lindenau.osm", net)  # as `stopline scenarios import` does
    random_trips(net, folder, end=600, period=4, seed=7, routes=folder / "town.rou.xml")
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


def cli(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    """The command line's `main` run in this process (what the ``stopline`` script calls):
    exit status, stdout and stderr. For quick checks of parsing and bad input."""
    from stopline.experiments.cli import main

    try:
        status = main(list(arguments))
    except SystemExit as exit_:  # argparse exits from inside main (--help, usage errors)
        status = int(exit_.code or 0)
    output = capsys.readouterr()
    return status, output.out, output.err


def random_trips(
    net: Path,
    folder: Path,
    *,
    end: int = 300,
    period: float = 3.0,
    seed: int = 3,
    routes: Path | None = None,
) -> Path:
    """Trips between random edges of ``net`` (SUMO's randomTrips.py), left for SUMO to route
    when each vehicle departs (and routed into ``routes`` too, if given); returns the trips."""
    trips = folder / f"{net.name.split('.')[0]}.trips.xml"
    sumo_tools.run(
        [
            sys.executable,
            sumo_tools.tool("randomTrips.py"),
            *("-n", net, "-o", trips, "--seed", str(seed), "--end", str(end)),
            *("--period", str(period), "--fringe-factor", "5", "--validate"),
            *(("-r", routes) if routes else ()),
        ],
        what="randomTrips.py",
        cwd=folder,
    )
    return trips


def write_sumocfg(path: Path, net: Path, routes: Path, extra: Path | None = None) -> Path:
    additional = f'<additional-files value="{extra.name}"/>' if extra else ""
    path.write_text(
        f'<configuration><input><net-file value="{net.name}"/>'
        f'<route-files value="{routes.name}"/>{additional}</input>'
        '<time><begin value="0"/><end value="300"/></time></configuration>'
    )
    return path


LAYOUTS = ("grid-one-phase-corners", "random", "spider", "crossings", "city-programmes")


@pytest.fixture(scope="session")
def layouts(tmp_path_factory: pytest.TempPathFactory, town: Path) -> dict[str, Path]:
    """Small nets with every signal layout SUMO builds, each a ``.sumocfg`` over 300 s of
    trips routed at insertion: a netgenerate grid whose corners get one-phase lights, a
    random net (``--rand``: T-junctions, one-phase lights), a spider (five-arm centre), a
    grid with pedestrian crossings, and the OSM town with hand-made programmes (4-5 s
    yellows, all-reds, transitional greens, a second programme, an always-off and an
    always-green link)."""
    from handmade import write_handmade

    folder = tmp_path_factory.mktemp("layouts")
    generated = {
        "grid-one-phase-corners": ["--grid", "--grid.number", "3"],
        "random": ["--rand", "--rand.iterations", "40", "--seed", "5"],
        "spider": ["--spider", "--spider.arm-number", "5", "--spider.circle-number", "2"],
        "crossings": ["--grid", "--grid.number", "2", "--sidewalks.guess", "--crossings.guess"],
    }
    configs = {}
    for name, options in generated.items():
        net = folder / f"{name}.net.xml"
        sumo_tools.run(
            [
                sumo_tools.binary("netgenerate"),
                *options,
                "--default-junction-type",
                "traffic_light",
                "--no-turnarounds",
                "-o",
                net,
            ],
            what="netgenerate",
        )
        routes = random_trips(net, folder)
        configs[name] = write_sumocfg(folder / f"{name}.sumocfg", net, routes)
    city = folder / "city"
    city.mkdir()
    net = city / "town.net.xml"
    net.write_bytes((town / "town.net.xml").read_bytes())
    programmes = write_handmade(net, city / "city.add.xml", odd_links=True)
    routes = random_trips(net, city)
    configs["city-programmes"] = write_sumocfg(city / "city.sumocfg", net, routes, programmes)
    return configs


# Three strategies on `single`, two seeds: a PPO policy (a tiny budget), max-pressure and
# the net's fixed programme. `stopline explain` and `stopline distil` read it.
SMALL_EXPERIMENT = """
name = "small"
seeds = [101, 102]
reference = "fixed"

[[scenarios]]
name = "single"

[[controllers]]
name = "fixed"

[[controllers]]
name = "max-pressure"

[[controllers]]
name = "ppo"
[controllers.train]
algo = "ppo"
timesteps = 256
envs = 1
hyperparameters = { n_steps = 64, batch_size = 32, n_epochs = 2 }
"""


@pytest.fixture(scope="session")
def results(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Path:
    """The results folder of `SMALL_EXPERIMENT`, run once for the session."""
    from stopline.experiments import run
    from stopline.experiments.runs.spec import load_spec

    folder = tmp_path_factory.mktemp("small-experiment")
    (folder / "spec.toml").write_text(SMALL_EXPERIMENT)
    run(load_spec(folder / "spec.toml"), out=folder / "out")
    return folder / "out"
