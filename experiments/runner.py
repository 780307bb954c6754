"""Running an experiment: every (scenario, scale, controller, seed), in worker processes.

Each run happens in a worker process (libsumo allows one simulation per process) and
returns its metrics; the main process stores each one as it finishes. RL entries with a
training budget are trained first, on training demand seeds, one model per scenario.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from stopline import agents
from stopline.scenarios import sumo_tools

from .evaluate import measure
from .report import SETTINGS
from .spec import ControllerEntry, Spec
from .store import RunKey, Store


@dataclass(frozen=True)
class Task:
    """Everything a worker needs for one run (picklable)."""

    key: RunKey
    controller: str
    params: dict[str, Any]
    env: dict[str, Any]


def execute(task: Task) -> dict[str, Any]:
    """One run, in a worker: its metrics and series, or the error that stopped it."""
    start = time.perf_counter()
    try:
        measured = measure(
            agents.make(task.controller, **task.params),
            task.key.scenario,
            task.key.seed,
            demand_scale=task.key.demand_scale,
            config=task.env,
        )
        result = {
            "metrics": measured.metrics.as_dict(),
            "series": measured.series,
            "junctions": measured.junctions,
        }
        return {"status": "done", "result": result, "wall_time": time.perf_counter() - start}
    except Exception as error:  # a failed run is recorded; the experiment goes on
        last = traceback.format_exception_only(error)[-1].strip()
        return {"status": "failed", "error": last, "wall_time": time.perf_counter() - start}


def _controller_name(entry: ControllerEntry, scenario: str, out: Path) -> str:
    """The controller to run: RL entries with a budget are trained first (once)."""
    if entry.train is None:
        return entry.name
    from stopline.agents.rl import TrainConfig, train

    folder = out / "models" / f"{entry.label}-{Path(scenario).name.replace(':', '-')}"
    if not (folder / "model.zip").is_file():
        settings = dict(entry.train)
        env_config = {
            key: settings.pop(key) for key in ("observation", "reward") if key in settings
        }
        train(TrainConfig(scenario=scenario, env_config=env_config, **settings), folder)
    return f"rl:{folder}"


def plan(spec: Spec, out: Path) -> list[Task]:
    """Every run the spec asks for, RL entries resolved to trained models."""
    tasks = []
    for entry_scenario in spec.scenarios:
        for entry in spec.controllers:
            name = _controller_name(entry, entry_scenario.name, out)
            for scale in entry_scenario.demand_scales:
                for seed in spec.seeds:
                    key = RunKey(entry_scenario.name, scale, entry.label, seed)
                    tasks.append(Task(key, name, entry.params, spec.env))
    return tasks


Progress = Callable[[int, int, int], None]


def run_spec(
    spec: Spec, *, out: Path | None = None, jobs: int = 1, progress: Progress | None = None
) -> Path:
    """Run every missing run of ``spec`` into ``out``/results.db; return the folder."""
    folder = out or spec.out
    store = Store(folder)
    settings = {"name": spec.name, "reference": spec.reference, "spec_hash": spec.hash}
    (folder / SETTINGS).write_text(json.dumps({**settings, "source": str(spec.source)}) + "\n")
    versions = (version("stopline"), sumo_tools.version())
    try:
        finished = store.done(spec.hash)
        tasks = [task for task in plan(spec, folder) if task.key not in finished]
        done = failed = 0
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
            futures = {pool.submit(execute, task): task for task in tasks}
            for future in concurrent.futures.as_completed(futures):
                task, outcome = futures[future], future.result()
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
