"""Sidewalks, pedestrian crossings and people walking, added to a scenario that has none,
with SUMO's own tools: ``netconvert --sidewalks.guess --crossings.guess`` (which rebuilds
each light's programme with its crossings: walk greens and a pedestrian-clearance phase)
and ``randomTrips.py --pedestrians``. The result is a new scenario folder; every command
then takes its ``.sumocfg``, and every strategy honours the crossings' walk and flashing
don't-walk (`stopline.envs.pedestrians`)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from . import sumo_tools
from .build import write_sumocfg
from .errors import ScenarioError
from .scenario import Scenario
from .xmlfiles import elements

# People walking across the whole net per hour by default: a town centre's evening, not a
# stadium's exit.
WALKERS_PER_HOUR = 600.0
# A walk shorter than this is a step across the road, not a trip (randomTrips.py).
MIN_WALK = 100.0  # m


def _programmes(path: Path) -> bool:
    """Whether an additional file holds signal programmes."""
    found = False
    for element in elements(path):
        found = found or element.tag == "tlLogic"
        element.clear()
    return found


def add_crossings(
    scenario: Scenario, out: Path, walkers: float = WALKERS_PER_HOUR, seed: int = 0
) -> Path:
    """Write ``scenario`` with sidewalks, crossings and ``walkers`` people per hour into
    ``out`` (a folder that exists); return its ``.sumocfg``. Its route files are copied
    there too; its additional files are referred to where they are. A scenario whose
    programmes come from an additional file is refused: the rebuilt net's link indices no
    longer fit them."""
    own = [path for path in scenario.additional_files if _programmes(path)]
    if own:
        raise ScenarioError(
            f"{own[0]}: holds signal programmes; adding crossings renumbers each light's "
            "links, so they would no longer fit (put the programmes in the net, or add the "
            "crossings with netconvert and rewrite them)"
        )
    stem = scenario.net_file.name.split(".", 1)[0]
    net = out / f"{stem}-crossings.net.xml"
    walks = out / f"{stem}-walkers.rou.xml"
    config = out / f"{stem}-crossings.sumocfg"
    with tempfile.TemporaryDirectory(dir=out, prefix=".crossings-") as folder:
        scratch = Path(folder)
        sumo_tools.run(
            [
                sumo_tools.binary("netconvert"),
                *("--sumo-net-file", scenario.net_file),
                *("--sidewalks.guess", "--crossings.guess", "--no-warnings"),
                *("-o", scratch / net.name),
            ],
            what="netconvert --crossings.guess",
        )
        sumo_tools.run(
            [
                sys.executable,
                sumo_tools.tool("randomTrips.py"),
                *("-n", scratch / net.name, "-o", scratch / walks.name, "--pedestrians"),
                *("--seed", str(seed), "--begin", f"{scenario.begin:g}"),
                *("--end", f"{scenario.end:g}", "--period", f"{3600 / walkers:.6g}"),
                *("--min-distance", f"{MIN_WALK:g}", "--validate"),
            ],
            what="randomTrips.py --pedestrians",
            cwd=scratch,  # its scratch files, private to this run
        )
        routes = [path.name for path in scenario.route_files]
        for path in scenario.route_files:
            shutil.copyfile(path, scratch / path.name)
        write_sumocfg(
            scratch / config.name,
            net.name,
            ",".join([*routes, walks.name]),
            scenario.end,
            begin=scenario.begin,
            additional=",".join(str(path) for path in scenario.additional_files),
        )
        for name in (net.name, *routes, walks.name, config.name):  # the config last
            shutil.move(scratch / name, out / name)
    return config
