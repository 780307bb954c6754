"""What a scenario argument names: a catalogue name or a user's file, and its short slug.

One owner for the rule every command and spec applies to a SCENARIO argument.
"""

from __future__ import annotations

from pathlib import Path

USER_SUFFIXES = (".sumocfg", ".net.xml", ".net.xml.gz", ".xml", ".gz")


def is_path(name: str | Path) -> bool:
    """True when ``name`` names a file (a .sumocfg or net), not a catalogue scenario."""
    text = str(name)
    return isinstance(name, Path) or text.endswith(USER_SUFFIXES) or "/" in text


def resolve(name: str, base: Path | None = None) -> str:
    """A catalogue name unchanged; a file path made absolute (relative to ``base``, else the
    working directory), so it means the same file from any process."""
    if not is_path(name):
        return name
    path = Path(name).expanduser()
    return str(((base or Path.cwd()) / path).resolve())


def slug(name: str) -> str:
    """A short file-name-safe label: ``grid:3x3`` -> ``grid-3x3``, ``a/b/town.sumocfg`` ->
    ``town``."""
    stem = Path(name).name
    for suffix in (".sumocfg", ".net.xml.gz", ".net.xml", ".xml", ".gz"):
        if stem.endswith(suffix):
            stem = stem.removesuffix(suffix)
            break
    return stem.replace(":", "-")
