"""Seeded variants of a user's own demand, so that training and evaluation demand differ.

Demand seed 0 is the user's demand exactly as the files give it. Any other seed gives a
variant, written once into the cache:

- every vehicle, trip, person and container departs at a time drawn uniformly within the
  `INTERVAL` (5 minutes) that holds its original departure, so counts per 5 minutes (the
  shape of the demand) are kept and the arrival pattern is new;
- flows with a fixed rate (``vehsPerHour``, ``period``) keep their interval and rate but
  arrive as a Poisson process (SUMO's ``period="exp(rate)"``, drawn with SUMO's seed);
- the whole demand is scaled by a factor drawn uniformly within 1 ± `SCALE_JITTER`
  (SUMO's ``--scale``, which picks the vehicles to add or drop with SUMO's seed).

Training uses seeds 1-50 and evaluation 101-105, so a policy is evaluated on demand it has
not seen, for a user's files as for the built-ins.
"""

from __future__ import annotations

import gzip
import random
import xml.etree.ElementTree as ET
from pathlib import Path

from . import build
from .derived import digest
from .errors import ScenarioError

INTERVAL = 300.0
SCALE_JITTER = 0.05
_DEPARTING = frozenset({"vehicle", "trip", "person", "container"})
_TIMED = _DEPARTING | {"flow", "personFlow", "containerFlow", "interval"}


def scale_factor(seed: int) -> float:
    """The demand multiplier of variant ``seed`` (1 for seed 0, the files as given)."""
    if seed == 0:
        return 1.0
    return 1.0 + random.Random(f"scale-{seed}").uniform(-SCALE_JITTER, SCALE_JITTER)


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None  # "triggered", "now", "begin": SUMO decides


def _vary(element: ET.Element, rng: random.Random) -> None:
    if element.tag in _DEPARTING:
        depart = _number(element.get("depart"))
        if depart is not None and depart >= 0:
            start = depart // INTERVAL * INTERVAL
            element.set("depart", f"{start + rng.uniform(0, INTERVAL):.2f}")
    elif element.tag in ("flow", "personFlow", "containerFlow"):
        per_hour = _number(element.get("vehsPerHour") or element.get("personsPerHour"))
        period = _number(element.get("period"))
        rate = per_hour / 3600.0 if per_hour else 1.0 / period if period else None
        if rate:
            for key in ("vehsPerHour", "personsPerHour", "containersPerHour"):
                element.attrib.pop(key, None)
            element.set("period", f"exp({rate:.6g})")


def _time(element: ET.Element) -> float | None:
    if element.tag in _DEPARTING:
        return _number(element.get("depart"))
    return _number(element.get("begin", "0"))


def _read(path: Path) -> ET.Element:
    try:
        with gzip.open(path) if path.suffix == ".gz" else path.open("rb") as stream:
            return ET.parse(stream).getroot()
    except (ET.ParseError, OSError, EOFError) as error:
        raise ScenarioError(f"{path}: cannot be read as a route file ({error})") from None


def write_variant(source: Path, seed: int, output: Path) -> None:
    """Write variant ``seed`` of the route file ``source`` to ``output``."""
    rng = random.Random(f"{seed}-{source.name}")
    root = _read(source)
    fixed: list[ET.Element] = []
    timed: list[tuple[float, int, ET.Element]] = []
    last = 0.0
    for element in list(root):
        if element.tag not in _TIMED:
            fixed.append(element)
            continue
        _vary(element, rng)
        time = _time(element)
        last = time if time is not None else last  # keeps "triggered" ones in place
        timed.append((last, len(timed), element))
    for element in list(root):
        root.remove(element)
    root.extend(fixed)
    root.extend(element for _, _, element in sorted(timed, key=lambda item: item[:2]))
    ET.ElementTree(root).write(output, encoding="utf-8", xml_declaration=True)


def variant(source: Path, seed: int, cache_dir: Path | None = None) -> Path:
    """The route file of demand seed ``seed``: ``source`` itself for 0, else its variant."""
    if seed == 0:
        return source
    stem = source.name.split(".", 1)[0]
    key = build.key("variant", {"routes": digest([source]), "seed": seed})
    folder = build.cached(
        (cache_dir or build.default_cache_dir()) / "variants",
        f"{stem}-seed{seed}-{key}",
        lambda scratch: write_variant(source, seed, scratch / f"{stem}.rou.xml"),
    )
    return folder / f"{stem}.rou.xml"
