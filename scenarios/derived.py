"""Files SUMO's own tools derive from a scenario's files, built once into the cache.

Each is keyed by the content of the files it comes from (and SUMO's version), so a user who
edits a net gets a new derived file, and a folder appears whole or not at all.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable
from pathlib import Path

from . import build, sumo_tools


def digest(paths: Iterable[Path]) -> str:
    """A short digest of the files' contents, in order."""
    hasher = hashlib.sha256()
    for path in paths:
        hasher.update(path.name.encode())
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                hasher.update(block)
    return hasher.hexdigest()[:16]


def rebuilt_net(net: Path, kind: str = "actuated", cache_dir: Path | None = None) -> Path:
    """A copy of ``net`` whose traffic-light programmes SUMO has rebuilt itself.

    ``netconvert --tls.rebuild --tls.default-type KIND`` redoes the conflict analysis and
    builds each light's programme as it would for a new net (``actuated`` or
    ``delay_based`` phases carry SUMO's own minDur/maxDur). The user's net is untouched.
    """
    root = (cache_dir or build.default_cache_dir()) / "rebuilt"
    stem = net.name.split(".", 1)[0]
    folder_key = build.key("rebuilt", {"net": digest([net]), "type": kind})

    def make(scratch: Path) -> None:
        copy = scratch / ("original.net.xml.gz" if net.suffix == ".gz" else "original.net.xml")
        shutil.copyfile(net, copy)
        sumo_tools.run(
            [
                sumo_tools.binary("netconvert"),
                "--sumo-net-file",
                copy,
                "--tls.rebuild",
                "--tls.default-type",
                kind,
                "--no-warnings",
                "-o",
                scratch / f"{stem}.net.xml",
            ],
            what="netconvert --tls.rebuild",
        )
        copy.unlink()

    return build.cached(root, f"{stem}-{kind}-{folder_key}", make) / f"{stem}.net.xml"
