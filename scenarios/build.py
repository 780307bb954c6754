"""Building built-in scenarios into a cache, once per set of parameters.

A scenario's folder is keyed by everything that shapes its files (family parameters, demand
seed and scale, generator and SUMO versions) and appears whole or not at all: it is built in
a scratch folder and renamed into place, so an interrupted build leaves nothing half-made.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import sumolib

from . import sumo_tools
from .catalogue import Blueprint
from .demand import write_routes
from .errors import ScenarioError
from .naming import slug

# Bump when the generated files change for the same parameters, so caches rebuild.
GENERATOR_VERSION = 1
MANIFEST = "scenario.json"


def default_cache_dir() -> Path:
    """Where built scenarios live: ``$STOPLINE_CACHE``, else the user's cache folder."""
    configured = os.environ.get("STOPLINE_CACHE")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "stopline"


def key(kind: str, parameters: dict[str, object]) -> str:
    """A short digest of everything that shapes a cached folder, SUMO's version included."""
    text = json.dumps(
        {"kind": kind, "generator": GENERATOR_VERSION, "sumo": sumo_tools.version(), **parameters},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _publish(scratch: Path, final: Path) -> None:
    try:
        scratch.rename(final)
    except OSError:
        # Another process published the same key first; its files are identical.
        if not final.is_dir():
            raise
        shutil.rmtree(scratch, ignore_errors=True)


def cached(root: Path, folder_name: str, make: Callable[[Path], None]) -> Path:
    """``root/folder_name``, made by ``make`` in a scratch folder first if it is not there."""
    final = root / folder_name
    if final.is_dir():
        return final
    try:
        root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
    except OSError as error:
        raise ScenarioError(
            f"scenario cache {root}: cannot write there ({error.strerror or error}); "
            "set STOPLINE_CACHE to a writable folder"
        ) from None
    scratch.chmod(0o755)  # mkdtemp's 0700 would make a shared cache unreadable to others
    try:
        make(scratch)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    _publish(scratch, final)
    return final


def _file_stem(blueprint: Blueprint) -> str:
    return slug(blueprint.name)


def _network(blueprint: Blueprint, root: Path) -> Path:
    """The scenario's network, built once per topology and shared by every seed and scale."""
    stem = _file_stem(blueprint)
    digest = key("net", {"name": blueprint.name, **blueprint.topology})
    folder = cached(
        root / "nets",
        f"{stem}-{digest}",
        lambda scratch: blueprint.build_net(scratch / f"{stem}.net.xml"),
    )
    return folder / f"{stem}.net.xml"


def write_sumocfg(
    path: Path, net: str, routes: str, end: float, *, begin: float = 0.0, additional: str = ""
) -> None:
    """A SUMO configuration naming a net, routes and additional files (relative to it, or
    absolute; comma-separated) over begin..end."""
    root = ET.Element("configuration")
    inputs = ET.SubElement(root, "input")
    ET.SubElement(inputs, "net-file", value=net)
    ET.SubElement(inputs, "route-files", value=routes)
    if additional:
        ET.SubElement(inputs, "additional-files", value=additional)
    window = ET.SubElement(root, "time")
    ET.SubElement(window, "begin", value=f"{begin:g}")
    ET.SubElement(window, "end", value=f"{end:g}")
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def build(blueprint: Blueprint, *, demand_scale: float, seed: int, cache_dir: Path) -> Path:
    """Build (or find in the cache) a built-in scenario; return its folder."""
    stem = _file_stem(blueprint)
    net = _network(blueprint, cache_dir)
    parameters = {"name": blueprint.name, "scale": demand_scale, "seed": seed}
    digest = key("scenario", {**parameters, **blueprint.topology})

    def make(scratch: Path) -> None:
        shutil.copyfile(net, scratch / net.name)
        demand = blueprint.demand(sumolib.net.readNet(str(net)))
        routes = scratch / f"{stem}.rou.xml"
        vehicles = write_routes(demand, net, routes, scale=demand_scale, seed=seed)
        write_sumocfg(scratch / f"{stem}.sumocfg", net.name, routes.name, demand.end)
        manifest = {
            **parameters,
            "description": blueprint.description,
            "topology": dict(blueprint.topology),
            "vehicles": vehicles,
            "end": demand.end,
            "profile": [[p.start, p.end, p.factor] for p in demand.profile],
            "sumo": sumo_tools.version(),
            "generator": GENERATOR_VERSION,
        }
        (scratch / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")

    return cached(cache_dir, f"{stem}-seed{seed}-x{demand_scale:g}-{digest}", make)
