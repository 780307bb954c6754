"""Where SUMO lives: its binaries and Python tools, found from the installed `eclipse-sumo`.

A user's own ``SUMO_HOME`` is respected when it points at a SUMO installation; otherwise the
`eclipse-sumo` wheel is used, so nobody has to set anything by hand.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import ScenarioError


@functools.cache
def sumo_home() -> Path:
    """The SUMO installation in use: ``$SUMO_HOME`` if it holds SUMO, else `eclipse-sumo`'s."""
    configured = os.environ.get("SUMO_HOME")
    if configured and (Path(configured) / "bin").is_dir():
        return Path(configured)
    import sumo  # the eclipse-sumo wheel; imported late because it edits os.environ

    return Path(sumo.SUMO_HOME)


def binary(name: str) -> Path:
    """Path of a SUMO executable such as ``sumo``, ``netconvert`` or ``duarouter``."""
    suffix = ".exe" if sys.platform == "win32" else ""
    path = sumo_home() / "bin" / f"{name}{suffix}"
    if not path.is_file():
        raise ScenarioError(f"SUMO executable {name!r} not found in {path.parent}")
    return path


def tool(name: str) -> Path:
    """Path of one of SUMO's Python tools, e.g. ``randomTrips.py``."""
    path = sumo_home() / "tools" / name
    if not path.is_file():
        raise ScenarioError(f"SUMO tool {name!r} not found in {path.parent}")
    return path


def environment() -> dict[str, str]:
    """Process environment for SUMO's programs: SUMO_HOME and PROJ's data (for OSM imports)."""
    home = sumo_home()
    variables = {**os.environ, "SUMO_HOME": str(home)}
    projections = home / "data" / "proj"
    if projections.is_dir() and not (variables.get("PROJ_LIB") or variables.get("PROJ_DATA")):
        variables["PROJ_LIB"] = variables["PROJ_DATA"] = str(projections)
    return variables


def run(command: Sequence[str | Path], *, what: str, cwd: Path | None = None) -> None:
    """Run a SUMO program; on failure raise ScenarioError with SUMO's own last error line.

    ``cwd``: where it runs (some tools, like randomTrips.py, write scratch files there).
    """
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        env=environment(),
        cwd=cwd,
        check=False,
    )
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("Error")] or lines or ["no output"]
        raise ScenarioError(f"{what} failed: {errors[-1]}")


@functools.cache
def version() -> str:
    """SUMO's version string, e.g. ``1.28.0``, read from the ``sumo`` binary itself."""
    result = subprocess.run(
        [str(binary("sumo")), "--version"],
        capture_output=True,
        text=True,
        env=environment(),
        check=False,
    )
    first = result.stdout.splitlines()[0] if result.stdout else ""
    return first.rsplit(" ", 1)[-1] if first.startswith("Eclipse SUMO") else "unknown"
