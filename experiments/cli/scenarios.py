"""``stopline scenarios list|show|build|import|from-counts|crossings``: the catalogue, and
scenarios made from a user's data, from the command line."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import shutil
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from stopline import scenarios
from stopline.experiments.cli import arguments
from stopline.experiments.cli.arguments import load_from
from stopline.experiments.runs.store import check_folder, make_folder
from stopline.scenarios import Scenario, ScenarioError
from stopline.scenarios.catalogue import HELSINKI_DENSITY
from stopline.scenarios.crossings import WALKERS_PER_HOUR, add_crossings
from stopline.scenarios.osm import Box, import_scenario
from stopline.scenarios.xmlfiles import count_demand


def add_to(commands: Any) -> None:
    """Register ``scenarios`` and its subcommands on the top-level subparsers."""
    group = commands.add_parser(
        "scenarios",
        help="list, inspect and build scenarios",
        description="The built-in scenario catalogue and a user's own SUMO files.",
    )
    actions = group.add_subparsers(title="actions", metavar="ACTION")
    actions.required = True

    listing = actions.add_parser("list", help="list the built-in scenarios")
    listing.set_defaults(handler=_list)

    show = actions.add_parser("show", help="describe one scenario (building it if needed)")
    arguments.add_scenario_loading(show)
    show.set_defaults(handler=_show)

    build = actions.add_parser("build", help="build a scenario and print where its files are")
    arguments.add_scenario_loading(build)
    arguments.add_out(build, "also copy the built files (net, routes, .sumocfg) into DIR")
    build.set_defaults(handler=_build)

    importer = actions.add_parser(
        "import",
        help="make a scenario from an OpenStreetMap extract (.osm, .osm.pbf)",
        description=(
            "Import an OpenStreetMap extract with netconvert (signals guessed and joined, "
            "junction clusters joined, passenger network), draw one hour of "
            "shoulder-peak-shoulder demand between random edges (randomTrips.py) and write "
            "NAME.net.xml, NAME.rou.xml and NAME.sumocfg into --out. Map data (c) "
            "OpenStreetMap contributors, ODbL."
        ),
    )
    importer.add_argument("file", type=Path, metavar="FILE", help=".osm, .osm.gz or .osm.pbf")
    importer.add_argument(
        "--bbox",
        type=_bbox,
        default=None,
        metavar="W,S,E,N",
        help="keep the roads with a point inside this box (degrees; default: the whole file)",
    )
    importer.add_argument(
        "--seed", type=arguments.seed, default=0, metavar="N", help="demand seed (default 0)"
    )
    arguments.add_demand_scale(importer, "multiply the demand by X")
    importer.add_argument(
        "--density",
        type=arguments.positive_float,
        default=None,
        metavar="VEH",
        help=(
            f"peak demand, vehicles per hour per km of road (default {HELSINKI_DENSITY:g}, "
            "as for helsinki)"
        ),
    )
    arguments.add_out(
        importer,
        "folder for NAME.net.xml, NAME.rou.xml, NAME.sumocfg and the map attribution",
        required=True,
    )
    importer.set_defaults(handler=_import)

    counted = actions.add_parser(
        "from-counts",
        help="make a scenario whose demand matches traffic counts (routeSampler.py)",
        description=(
            "Turn turning-movement or edge counts into routes with SUMO's routeSampler.py "
            "(candidate routes from randomTrips.py and duarouter), write NET, routes.rou.xml "
            "and scenario.sumocfg into --out, then run SUMO on them and write the fit: "
            "fit.csv (counted and simulated flow and GEH per count), fit.png, and the share "
            "of counts with GEH < 5 (the usual criterion: at least 85 %). COUNTS.csv has "
            "the columns junction (optional), from, to (empty for an edge count), interval "
            "(start, HH:MM) and count."
        ),
    )
    counted.add_argument(
        "net", metavar="NET", help="a .net.xml, a .sumocfg or a built-in scenario (its net)"
    )
    counted.add_argument(
        "--counts",
        type=Path,
        required=True,
        metavar="COUNTS.csv",
        help="the counts: junction, from, to, interval, count (see above)",
    )
    counted.add_argument(
        "--interval",
        default="15min",
        metavar="LENGTH",
        help="how long each counting interval is (default 15min; also 900s, 1h)",
    )
    counted.add_argument(
        "--seed", type=arguments.seed, default=42, metavar="N", help="sampling seed (default 42)"
    )
    arguments.add_out(
        counted,
        "folder for the net, routes.rou.xml, scenario.sumocfg, fit.csv and fit.png",
        required=True,
    )
    counted.set_defaults(handler=_from_counts)

    walking = actions.add_parser(
        "crossings",
        help="add sidewalks, pedestrian crossings and people walking to a scenario",
        description=(
            "Rebuild the scenario's net with sidewalks and a pedestrian crossing on every "
            "arm where netconvert finds room (netconvert --sidewalks.guess "
            "--crossings.guess: each light's programme is rebuilt with walk greens), draw "
            "people walking between random edges (randomTrips.py --pedestrians) and write "
            "NAME-crossings.net.xml, NAME-walkers.rou.xml, the scenario's routes and "
            "NAME-crossings.sumocfg into --out. Every strategy then gives each crossing its "
            "walk and flashing don't-walk."
        ),
    )
    arguments.add_scenario_loading(walking)
    walking.add_argument(
        "--walkers",
        type=arguments.positive_float,
        default=WALKERS_PER_HOUR,
        metavar="N",
        help=f"people walking per hour over the whole net (default {WALKERS_PER_HOUR:g})",
    )
    arguments.add_out(walking, "folder for the scenario with crossings", required=True)
    walking.set_defaults(handler=_crossings)


def _list(_: argparse.Namespace) -> int:
    rows = [(name, scenarios.blueprint(name)) for name in scenarios.catalogue.examples()]
    width = max(len(name) for name, _ in rows) + 2
    print(f"{'NAME':<{width}}{'JUNCTIONS':<11}DESCRIPTION")
    for name, blueprint in rows:
        first_sentence = blueprint.description.split(". ")[0].rstrip(".") + "."
        print(f"{name:<{width}}{blueprint.junctions:<11}{first_sentence}")
    low, high = scenarios.catalogue.GRID_LIMITS
    print(f"\nOther grid sizes: grid:CxR with {low} <= C, R <= {high}, e.g. grid:6x6.")
    print("Other random nets: random:N with 1 <= N <= 999, each its own net.")
    print(
        "Turning-mix variants: single:turns, corridor:turns (every entry's main movement "
        "gives half its share to the others)."
    )
    print("Your own network: pass the path of a .sumocfg, or of a .net.xml with --routes.")
    return 0


def _describe(scenario: Scenario) -> list[str]:
    junctions = ", ".join(scenario.junctions)
    demand: dict[str, int] = {}
    for route_file in scenario.route_files:
        for kind, count in count_demand(route_file).items():
            demand[kind] = demand.get(kind, 0) + count
    counted = ", ".join(f"{count:,} {kind}s" for kind, count in sorted(demand.items()))
    lines = textwrap.wrap(f"{scenario.name}: {scenario.description}", width=88)
    lines += [
        f"  signalised junctions  {len(scenario.junctions)}: {junctions}",
        f"  window                {scenario.begin:g}-{scenario.end:g} s",
        f"  demand                seed {scenario.seed}, scale {scenario.demand_scale:g}"
        + (f", {counted}" if counted else ", no route files"),
        "  files",
    ]
    lines += [f"    {path}" for path in scenario.files]
    return lines


def _show(arguments: argparse.Namespace) -> int:
    print("\n".join(_describe(load_from(arguments))))
    return 0


def _copy_into(scenario: Scenario, out: Path) -> Scenario:
    """Copy a built scenario's files into ``out``; return the scenario as it is found there."""
    if not scenario.builtin or scenario.config_file is None:
        raise ScenarioError("--out copies built-in scenarios; a user's files stay where they are")
    make_folder(out)
    # Copied into a scratch folder, then moved in: a full disk or a Ctrl-C leaves the
    # files that were there before, and no partial copy.
    scratch = Path(tempfile.mkdtemp(dir=out, prefix=".copy-"))
    try:
        for source in scenario.config_file.parent.iterdir():
            try:
                shutil.copy(source, scratch / source.name)
            except OSError as error:  # name the file being written, not the one read
                raise OSError(error.errno, error.strerror, str(out / source.name)) from None
        for copied in scratch.iterdir():
            copied.replace(out / copied.name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    out = out.resolve()
    return dataclasses.replace(
        scenario,
        net_file=out / scenario.net_file.name,
        route_files=tuple(out / path.name for path in scenario.route_files),
        config_file=out / scenario.config_file.name,
    )


def _bbox(text: str) -> Box:
    try:
        return Box.parse(text)
    except ScenarioError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix(f"--bbox {text!r}: ")) from None


def _import(arguments: argparse.Namespace) -> int:
    check_folder(arguments.out)
    config = import_scenario(
        arguments.file.resolve(),
        arguments.out,
        box=arguments.bbox,
        seed=arguments.seed,
        demand_scale=arguments.demand_scale,
        density=arguments.density,
    )
    print("\n".join(_describe(scenarios.load(config))))
    print(f"\nuse it:  stopline compare {config}")
    return 0


def _build(arguments: argparse.Namespace) -> int:
    scenario = load_from(arguments)
    if arguments.out is not None:
        scenario = _copy_into(scenario, arguments.out)
    print("\n".join(_describe(scenario)))
    if scenario.config_file is not None:
        print(f"\nrun it:  sumo -c {scenario.config_file}   (or sumo-gui to watch)")
    return 0


def _crossings(arguments: argparse.Namespace) -> int:
    from stopline.envs.layout import net_lanes  # the env stack, only when it is needed

    scenario = load_from(arguments)
    out = check_folder(arguments.out)
    make_folder(out)
    config = add_crossings(scenario, out.resolve(), arguments.walkers, arguments.seed)
    found = scenarios.load(config)
    walkways = net_lanes(found.net_file).walkways
    crossed = sum(1 for junction in found.junctions if walkways.get(junction))
    print(
        f"{config}: {crossed} of {len(found.junctions)} signalised junctions have crossings; "
        f"{arguments.walkers:g} people walking per hour"
    )
    return 0


def _from_counts(arguments: argparse.Namespace) -> int:
    from stopline.experiments.reports.plots import counts_fit
    from stopline.experiments.runs.store import write_atomically
    from stopline.scenarios.counts import GEH_SHARE, GEH_TARGET, from_counts, parse_interval

    interval = parse_interval(arguments.interval)
    check_folder(arguments.out)
    source = Path(arguments.net)
    net = source if source.name.endswith(".net.xml") else scenarios.load(arguments.net).net_file
    config, fits = from_counts(net, arguments.counts, interval, arguments.out, arguments.seed)
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["row", "from", "to", "interval_s", "counted_veh_h", "simulated_veh_h", "geh"])
    for fit in fits:
        counted, simulated = fit.hourly
        writer.writerow(
            [fit.count.row, fit.count.source, fit.count.target or "", f"{fit.count.begin:g}",
             f"{counted:.0f}", f"{simulated:.0f}", f"{fit.geh:.2f}"]
        )  # fmt: skip
    write_atomically(arguments.out / "fit.csv", table.getvalue())
    counts_fit(fits, arguments.out / "fit.png")
    good = sum(fit.geh < GEH_TARGET for fit in fits)
    share = good / len(fits)
    verdict = "meets" if share >= GEH_SHARE else "misses"
    print(f"scenario: {config}")
    print(
        f"{len(fits)} counts; GEH < {GEH_TARGET:g} for {good} ({100 * share:.1f} %): {verdict} "
        f"the usual {100 * GEH_SHARE:g} % criterion; worst GEH "
        f"{max(fit.geh for fit in fits):.2f} (fit.csv, fit.png)"
    )
    return 0
