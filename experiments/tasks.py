"""One run of an experiment, as a worker (a local process or a Ray task) executes it."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stopline import agents

from .measured import measure
from .store import RunKey

# Told (runs done, runs failed, runs in all) as each run finishes.
Progress = Callable[[int, int, int], None]


@dataclass(frozen=True)
class Task:
    """Everything a worker needs for one run (picklable)."""

    key: RunKey
    controller: str
    params: dict[str, Any]
    env: dict[str, Any]


def outcome(work: Callable[[], Any]) -> dict[str, Any]:
    """What a worker sends back: ``work()``'s result and its wall time, or the error that
    stopped it (a failed run is recorded; the experiment goes on)."""
    start = time.perf_counter()
    try:
        result = work()
    except Exception as error:
        return failure(error, time.perf_counter() - start)
    return {"status": "done", "result": result, "wall_time": time.perf_counter() - start}


def execute(task: Task) -> dict[str, Any]:
    """One run, in a worker: its metrics and series, or the error that stopped it."""
    return outcome(
        lambda: measure(
            agents.make(task.controller, **task.params),
            task.key.scenario,
            task.key.seed,
            demand_scale=task.key.demand_scale,
            config=task.env,
        ).as_result()
    )


def failure(error: BaseException, wall_time: float) -> dict[str, Any]:
    """The outcome of a run that raised ``error``: its last line is what gets stored."""
    last = traceback.format_exception_only(error)[-1].strip()
    return {"status": "failed", "error": last, "wall_time": wall_time}
