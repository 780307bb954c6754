"""Evaluating controllers on a scenario over evaluation demand seeds, each run in a process
of its own, so a run's numbers never depend on what else was evaluated."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from stopline.experiments.runs.backends import LocalBackend
from stopline.experiments.runs.measured import SeedResult
from stopline.experiments.runs.store import RunKey
from stopline.experiments.runs.tasks import Progress, Task, watched
from stopline.scenarios import EVALUATION_SEEDS, TRAINING_SEEDS


class RunFailedError(RuntimeError):
    """A run that could not be completed; the message is the run's own error line."""


def evaluation_tasks(
    controllers: Sequence[str],
    scenario: str,
    seeds: Sequence[int],
    *,
    params: Mapping[str, Any] | None = None,
    demand_scale: float = 1.0,
    config: Mapping[str, Any] | None = None,
) -> list[Task]:
    """One task per (controller, seed); ``params`` go to every controller."""
    return [
        Task(
            RunKey(scenario, demand_scale, name, seed), name, dict(params or {}), dict(config or {})
        )
        for name in controllers
        for seed in seeds
    ]


def run_tasks(
    tasks: Sequence[Task], jobs: int = 1, progress: Progress | None = None
) -> Iterator[tuple[Task, dict[str, Any]]]:
    """Each task's outcome (``status``, ``result`` or ``error``), in the order of ``tasks``;
    ``progress`` is told (done, failed, total) as runs finish."""
    outcomes = {
        id(task): outcome
        for task, outcome in watched(LocalBackend(jobs).results(tasks), len(tasks), progress)
    }
    for task in tasks:
        yield task, outcomes[id(task)]


def evaluate(
    controller: str,
    scenario: str,
    seeds: Sequence[int] = EVALUATION_SEEDS,
    *,
    params: Mapping[str, Any] | None = None,
    demand_scale: float = 1.0,
    config: Mapping[str, Any] | None = None,
    jobs: int = 1,
) -> list[SeedResult]:
    """Run the controller called ``controller`` (``stopline.agents.make``'s names) on each
    demand seed (SUMO's seed too), each in a fresh process; raise RunFailedError if one fails."""
    tasks = evaluation_tasks(
        [controller], scenario, seeds, params=params, demand_scale=demand_scale, config=config
    )
    results = []
    for task, outcome in run_tasks(tasks, jobs):
        if outcome["status"] != "done":
            raise RunFailedError(f"{controller} on seed {task.key.seed}: {outcome['error']}")
        results.append(SeedResult.from_result(task.key.seed, outcome["result"]))
    return results


def training_demand_note(seeds: Sequence[int]) -> str:
    """A warning when evaluation seeds are training seeds (the evaluation is not held out)."""
    shared = sorted(set(seeds) & set(TRAINING_SEEDS))
    if not shared:
        return ""
    listed = ",".join(str(seed) for seed in shared)
    return (
        f"note: seeds {listed} are training demand seeds (1-{max(TRAINING_SEEDS)}): this "
        "evaluation is on training demand, not held out"
    )
