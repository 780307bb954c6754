"""Files SUMO's own tools derive from a scenario's files, built once into the cache.

Each is keyed by the content of the files it comes from (and SUMO's version), so a user who
edits a net gets a new derived file, and a folder appears whole or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from . import build, sumo_tools
from .naming import slug
from .scenario import Scenario


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
        sumo_tools.run(
            [
                sumo_tools.binary("netconvert"),
                "--sumo-net-file",
                net,
                "--tls.rebuild",
                "--tls.default-type",
                kind,
                "--no-warnings",
                "-o",
                scratch / f"{stem}.net.xml",
            ],
            what="netconvert --tls.rebuild",
        )

    return build.cached(root, f"{stem}-{kind}-{folder_key}", make) / f"{stem}.net.xml"


def observed_routes(scenario: Scenario, cache_dir: Path | None = None) -> Path:
    """The routes vehicles actually drove when SUMO ran the scenario with its own
    programmes: SUMO's vehroute output, with the time each vehicle left each edge.

    However the demand is written (routes, trips routed at insertion, flows, route
    distributions, trips between junctions or zones), this is what it became, so code that
    needs flows (signal timing plans) reads them here rather than parsing every format.
    """
    root = (cache_dir or build.default_cache_dir()) / "observed"
    arguments = scenario.sumo_args()
    folder_key = build.key("observed", {"files": digest(scenario.files), "arguments": arguments})

    def make(scratch: Path) -> None:
        outputs = [
            "--vehroute-output",
            str(scratch / "routes.xml"),
            "--vehroute-output.exit-times",
            "--vehroute-output.write-unfinished",
        ]
        sumo_tools.run(
            scenario.sumo_command(outputs, seed=scenario.seed), what="sumo (observing the demand)"
        )  # fmt: skip

    stem = slug(scenario.name)
    return build.cached(root, f"{stem}-{folder_key}", make) / "routes.xml"
