"""The `Coach` training uses: strategies measured and demonstrations recorded, each run in
a fresh worker process, as every measured run here is."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from stopline import scenarios
from stopline.agents.demonstrations import Trajectory, demonstrate
from stopline.experiments.errors import ExperimentError
from stopline.experiments.runs.backends import LocalBackend
from stopline.experiments.runs.evaluate import evaluate, evaluation_tasks
from stopline.experiments.runs.tasks import Task, outcome


@dataclass(frozen=True)
class LocalCoach:
    """Runs ``jobs`` at a time on this machine."""

    jobs: int = 2

    def delay(
        self,
        controller: str,
        scenario: str,
        seeds: Sequence[int],
        *,
        demand_scale: float,
        env: Mapping[str, Any],
    ) -> float:
        results = evaluate(
            controller, scenario, seeds, demand_scale=demand_scale, config=env, jobs=self.jobs
        )
        return float(np.mean([result.metrics["mean_delay"] for result in results]))

    def demonstrations(
        self,
        teacher: str,
        scenario: str,
        seeds: Sequence[int],
        *,
        demand_scale: float,
        env: Mapping[str, Any],
        gamma: float,
        driver: str | None = None,
    ) -> list[Trajectory]:
        drives = driver or teacher
        tasks = evaluation_tasks([drives], scenario, seeds, demand_scale=demand_scale, config=env)
        recorded: dict[int, list[Trajectory]] = {}
        worker = partial(_demonstrate, teacher=teacher, driver=driver, gamma=gamma)
        backend = LocalBackend(self.jobs, worker=worker)
        for task, result in backend.results(tasks):
            if result["status"] != "done":
                raise ExperimentError(
                    f"recording {teacher} ({drives} driving) on {scenario} seed "
                    f"{task.key.seed}: {result['error']}"
                )
            recorded[task.key.seed] = result["result"]
        # In seed order, whatever order the runs finished in: the clone is reproducible.
        return [trajectory for seed in seeds for trajectory in recorded[seed]]


def _demonstrate(task: Task, teacher: str, driver: str | None, gamma: float) -> dict[str, Any]:
    """A worker: one demonstration episode on the task's seed, ``teacher`` driving, or
    ``driver`` (the task's controller) with ``teacher`` asked."""

    def record() -> list[Trajectory]:
        scenario = scenarios.load(
            task.key.scenario, demand_scale=task.key.demand_scale, seed=task.key.seed
        )
        with tempfile.TemporaryDirectory(prefix="stopline-demo-") as folder:
            return demonstrate(
                teacher,
                scenario,
                sumo_seed=task.key.seed,
                env_config=task.env,
                gamma=gamma,
                folder=Path(folder),
                driver=driver,
            )

    return outcome(record)
