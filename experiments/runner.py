"""Running an experiment: every (scenario, scale, controller, seed), on a backend.

Each run happens in a worker (a local process or a Ray task) and returns its metrics; the
main process stores each one as it finishes. RL entries with a training budget are trained
first, on training demand seeds, one model per scenario.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from stopline import scenarios
from stopline.scenarios import sumo_tools
from stopline.scenarios.geometry import network_geometry

from .backends import Backend, LocalBackend
from .report import NETWORKS, SETTINGS
from .spec import ControllerEntry, Spec
from .store import RunKey, Store
from .tasks import Task


def _controller_name(entry: ControllerEntry, scenario: str, out: Path, env: dict[str, Any]) -> str:
    """The controller to run: RL entries with a budget are trained first (once), with the
    spec's env settings (phase set, timings), so the policy is evaluated as it trained."""
    if entry.train is None:
        return entry.name
    from stopline.agents.rl import TrainConfig, train

    folder = out / "models" / f"{entry.label}-{Path(scenario).name.replace(':', '-')}"
    if not (folder / "model.zip").is_file():
        settings = dict(entry.train)
        env_config: dict[str, Any] = dict(env)
        env_config.update(
            {key: settings.pop(key) for key in ("observation", "reward") if key in settings}
        )
        train(TrainConfig(scenario=scenario, env_config=env_config, **settings), folder)
    return f"rl:{folder}"


def plan(spec: Spec, out: Path) -> list[Task]:
    """Every run the spec asks for, RL entries resolved to trained models."""
    tasks = []
    for entry_scenario in spec.scenarios:
        for entry in spec.controllers:
            name = _controller_name(entry, entry_scenario.name, out, spec.env)
            for scale in entry_scenario.demand_scales:
                for seed in spec.seeds:
                    key = RunKey(entry_scenario.name, scale, entry.label, seed)
                    tasks.append(Task(key, name, entry.params, spec.env))
    return tasks


Progress = Callable[[int, int, int], None]


def _write_atomically(path: Path, text: str) -> None:
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    scratch.write_text(text)
    scratch.replace(path)


def save_networks(spec: Spec, folder: Path) -> None:
    """Each scenario's road and signal geometry, for the report's maps."""
    networks = {}
    for entry in spec.scenarios:
        scenario = scenarios.load(
            entry.name, demand_scale=entry.demand_scales[0], seed=spec.seeds[0]
        )
        networks[entry.name] = network_geometry(scenario.net_file).as_dict()
    _write_atomically(folder / NETWORKS, json.dumps(networks) + "\n")


def run_spec(
    spec: Spec,
    *,
    out: Path | None = None,
    backend: Backend | None = None,
    progress: Progress | None = None,
) -> Path:
    """Run every missing run of ``spec`` into ``out``/results.db; return the folder.

    Runs execute on ``backend`` (default: one local worker process)."""
    folder = out or spec.out
    store = Store(folder)
    settings = {"name": spec.name, "reference": spec.reference, "spec_hash": spec.hash}
    _write_atomically(
        folder / SETTINGS, json.dumps({**settings, "source": str(spec.source)}) + "\n"
    )
    versions = (version("stopline"), sumo_tools.version())
    try:
        save_networks(spec, folder)
        finished = store.done(spec.hash)
        tasks = [task for task in plan(spec, folder) if task.key not in finished]
        done = failed = 0
        for task, outcome in (backend or LocalBackend()).results(tasks):
            store.record(
                spec.hash,
                task.key,
                status=outcome["status"],
                versions=versions,
                wall_time=outcome["wall_time"],
                params={"controller": task.controller, **task.params},
                result=outcome.get("result"),
                error=outcome.get("error"),
            )
            done += outcome["status"] == "done"
            failed += outcome["status"] == "failed"
            if progress:
                progress(done, failed, len(tasks))
    finally:
        store.close()
    return folder
