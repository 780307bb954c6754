"""What is compared and what it showed: experiment specs, runs, metrics, reports and the CLI.

``run(spec)`` runs an experiment (a spec file or `Spec`) and returns its stored runs as
rows; ``load_rows(folder)`` reads a results folder back without the CLI. Names are imported
on first use, so the ``stopline`` command starts (and answers Ctrl-C) before SUMO, numpy and
torch are loaded.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stopline.experiments.runs.spec import Spec, SpecError, load_spec
    from stopline.experiments.runs.store import load_rows

_LAZY = {
    "Spec": ".runs.spec",
    "SpecError": ".runs.spec",
    "load_spec": ".runs.spec",
    "load_rows": ".runs.store",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run(
    spec: str | Path | Spec,
    *,
    out: Path | None = None,
    jobs: int = 1,
    backend: str = "local",
    ray_address: str | None = None,
) -> list[dict[str, Any]]:
    """Run every missing run of ``spec`` (``jobs`` at a time, on the ``local`` or ``ray``
    backend) and return all its stored runs as rows."""
    from stopline.experiments.runs.backends import make_backend
    from stopline.experiments.runs.runner import run_spec
    from stopline.experiments.runs.spec import Spec, load_spec
    from stopline.experiments.runs.store import load_rows

    loaded = spec if isinstance(spec, Spec) else load_spec(Path(spec))
    chosen = make_backend(backend, jobs=jobs, ray_address=ray_address)
    return load_rows(run_spec(loaded, out=out, backend=chosen))


__all__ = ["Spec", "SpecError", "load_rows", "load_spec", "run"]
