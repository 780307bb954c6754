"""`load`: the one way in, for built-in names and a user's own files alike."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from . import bounds, build, catalogue, variants
from .errors import ScenarioError
from .naming import is_path
from .scenario import Scenario
from .xmlfiles import check_routes, count_demand, read_net, read_sumocfg

# A user's window, when the configuration sets none, ends at the last departure rounded up.
_WINDOW_ROUNDING = 300.0


def check_demand_scale(value: float) -> float:
    """Return ``value`` if it is a usable demand multiplier, else raise ScenarioError."""
    try:
        return float(bounds.check("demand scale", value))
    except bounds.BoundError as error:
        raise ScenarioError(str(error)) from None


def check_seed(value: int) -> int:
    """Return ``value`` if it is a usable demand seed, else raise ScenarioError."""
    try:
        return int(bounds.check("seed", value))
    except bounds.BoundError as error:
        raise ScenarioError(str(error)) from None


def load(
    name_or_path: str | Path,
    *,
    demand_scale: float = 1.0,
    seed: int = 0,
    routes: Sequence[str | Path] = (),
    cache_dir: Path | None = None,
) -> Scenario:
    """Load a scenario by built-in name (``"single"``, ``"grid:6x6"``) or by file path.

    Args:
        name_or_path: a catalogue name, a ``.sumocfg``, or a ``.net.xml`` (with ``routes``).
        demand_scale: multiplier on demand (> 0). Built-in demand is resampled at the new
            rate; a user's demand is scaled by SUMO's ``--scale``.
        seed: demand seed (>= 0): which vehicles enter, where and when, for built-ins.
        routes: route files to add to a user's network or configuration.
        cache_dir: where built-in scenarios are built (default: `build.default_cache_dir`).

    Raises:
        ScenarioError: one line naming the input at fault and what is wrong with it.
    """
    demand_scale = check_demand_scale(demand_scale)
    seed = check_seed(seed)
    text = str(name_or_path)
    if is_path(name_or_path):
        paths = tuple(Path(route).expanduser().resolve() for route in routes)
        return _load_user(Path(text).expanduser().resolve(), paths, demand_scale, seed, cache_dir)
    if routes:
        raise ScenarioError(f"built-in scenario {text!r} takes no extra route files")
    return _load_builtin(text, demand_scale, seed, cache_dir or build.default_cache_dir())


def _load_builtin(name: str, demand_scale: float, seed: int, cache_dir: Path) -> Scenario:
    blueprint = catalogue.blueprint(name)
    folder = build.build(blueprint, demand_scale=demand_scale, seed=seed, cache_dir=cache_dir)
    manifest = json.loads((folder / build.MANIFEST).read_text())
    stem = folder.name.split("-seed", 1)[0]
    net = folder / f"{stem}.net.xml"
    return Scenario(
        name=blueprint.name,
        description=blueprint.description,
        net_file=net,
        route_files=(folder / f"{stem}.rou.xml",),
        junctions=read_net(net).traffic_lights,
        config_file=folder / f"{stem}.sumocfg",
        begin=0.0,
        end=float(manifest["end"]),
        seed=seed,
        demand_scale=demand_scale,
        builtin=True,
        source=blueprint.name,
    )


def reseeded(scenario: Scenario, seed: int) -> Scenario:
    """The same scenario (same files or name, same demand scale) on another demand seed."""
    return load(
        scenario.source,
        demand_scale=scenario.demand_scale,
        seed=seed,
        routes=scenario.extra_routes,
    )


def _load_user(
    path: Path,
    extra_routes: tuple[Path, ...],
    demand_scale: float,
    seed: int,
    cache_dir: Path | None,
) -> Scenario:
    if not path.exists():
        raise ScenarioError(f"{path}: file not found")
    begin = end = None
    additional: tuple[Path, ...] = ()
    config_file = None
    if path.name.endswith(".sumocfg"):
        config = read_sumocfg(path)
        if config.net_file is None:
            raise ScenarioError(f"{path}: names no <net-file>")
        net, route_files = config.net_file, config.route_files + extra_routes
        additional, begin, end, config_file = (
            config.additional_files,
            config.begin,
            config.end,
            path,
        )
    elif path.name.endswith((".net.xml", ".net.xml.gz")):
        net, route_files = path, extra_routes
    else:
        raise ScenarioError(f"{path}: expected a .sumocfg or .net.xml file")

    summary = read_net(net)
    demand = [check_routes(route, summary, net) for route in route_files]
    last_departure = max((routes.last_departure for routes in demand), default=-math.inf)
    # Well-formed and present (SUMO checks the content); vehicles may be defined here too.
    extra_demand = sum(sum(count_demand(extra).values()) for extra in additional)
    if not sum(routes.agents for routes in demand) and not extra_demand:
        raise ScenarioError(
            f"{config_file or path}: no demand: its route files define no vehicles, trips, "
            "flows or persons (give a route file, e.g. --routes FILE)"
        )
    begin = begin or 0.0
    if end is None:
        end = (
            math.ceil(last_departure / _WINDOW_ROUNDING) * _WINDOW_ROUNDING
            if math.isfinite(last_departure)
            else begin + 3600.0
        )
    if end <= begin:
        raise ScenarioError(f"{config_file or path}: the window ends ({end:g} s) before it begins")
    lights = summary.traffic_lights
    scale = demand_scale * variants.scale_factor(seed)
    return Scenario(
        name=path.name.split(".", 1)[0],
        description=(
            f"User scenario from {path.name}: {len(lights)} signalised junction"
            f"{'s' if len(lights) != 1 else ''}, demand from {len(route_files)} route file"
            f"{'s' if len(route_files) != 1 else ''} (seed 0: as the files give it; any "
            "other seed: a seeded variant, departures redrawn within 5 minutes and demand "
            "scaled by 0.95-1.05)."
        ),
        net_file=net,
        route_files=tuple(variants.variant(route, seed, cache_dir) for route in route_files),
        junctions=lights,
        additional_files=additional,
        config_file=config_file,
        begin=begin,
        end=end,
        seed=seed,
        demand_scale=demand_scale,
        source=str(path),
        extra_routes=extra_routes,
        sumo_options=(
            *(("--scale", f"{scale:.6g}") if scale != 1.0 else ()),
            # Trips between junctions need SUMO to treat junctions as zones.
            *(("--junction-taz",) if any(routes.junction_trips for routes in demand) else ()),
        ),
    )
