"""One run of an experiment, as a worker (a local process or a Ray task) executes it."""

from __future__ import annotations

import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from stopline import agents
from stopline.experiments.runs.measured import measure
from stopline.experiments.runs.store import RunKey

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
    stopped it (a failed run is recorded; the experiment goes on), and the warnings it
    raised (an over-saturated Webster junction...), for the parent to tell once."""
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = work()
        except Exception as error:
            return failure(error, time.perf_counter() - start)
    said = list(dict.fromkeys(str(warning.message) for warning in caught))
    return {
        "status": "done",
        "result": result,
        "wall_time": time.perf_counter() - start,
        "warnings": said,
    }


def watched(
    results: Iterable[tuple[Task, dict[str, Any]]], total: int, progress: Progress | None
) -> Iterator[tuple[Task, dict[str, Any]]]:
    """The runs' outcomes as they finish, each run's warnings told once (`tell_warnings`)
    and ``progress`` told (done, failed, total) at the start and after each run: the one
    count every command's progress bar shows."""
    done = failed = 0
    told: set[str] = set()
    if progress:
        progress(done, failed, total)
    for task, outcome in results:
        tell_warnings(task, outcome, told)
        done += outcome["status"] == "done"
        failed += outcome["status"] != "done"
        if progress:
            progress(done, failed, total)
        yield task, outcome


def plan_progress(line: str) -> None:
    """A line of a timing plan's optimisation (`Controller.prepare`'s report), on standard
    error."""
    print(f"plan: {line}", file=sys.stderr, flush=True)


def tell_warnings(task: Task, outcome: dict[str, Any], told: set[str]) -> None:
    """Print each warning a run raised as one line naming the strategy, once per batch
    (``told`` holds the lines already printed): five seeds of one over-saturated junction
    are one line, not five two-line Python warnings from the workers."""
    for message in outcome.get("warnings", ()):
        line = f"stopline: warning: {task.controller} on {task.key.scenario}: {message}"
        if line not in told:
            told.add(line)
            print(line, file=sys.stderr)


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
