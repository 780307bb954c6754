"""Where runs execute: local worker processes (the default) or Ray tasks.

Both give back each run's outcome as soon as it finishes, in completion order, so the
caller can store it at once. libsumo allows one simulation per process, so every run needs
a process of its own while it runs: a pool worker or a Ray worker.
"""

from __future__ import annotations

import collections
import concurrent.futures
import logging
import multiprocessing
import time
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol

from stopline.envs import ConfigError

from .tasks import Task, execute, failure

Outcome = dict[str, Any]
BACKENDS = ("local", "ray")


class Backend(Protocol):
    """Executes tasks and yields (task, outcome) pairs as runs finish."""

    def results(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, Outcome]]: ...


@dataclass(frozen=True)
class LocalBackend:
    """``jobs`` spawned worker processes on this machine.

    A worker that dies (a crash inside SUMO kills the process that hosts libsumo) breaks
    the pool; the runs it held are then rerun one by one, each in a process of its own, so
    that only the run that crashes is recorded as failed, and the rest go on in a new pool.
    """

    jobs: int = 1

    def results(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, Outcome]]:
        waiting = collections.deque(tasks)
        while waiting:
            suspects = yield from self._until_broken(waiting)
            for task in suspects:
                yield task, _alone(task)

    def _until_broken(
        self, waiting: collections.deque[Task]
    ) -> Generator[tuple[Task, Outcome], None, list[Task]]:
        """Run tasks from ``waiting``, ``jobs`` at a time, until done or a worker dies;
        return the runs that were in progress when it died."""
        pool = _pool(self.jobs)
        running: dict[concurrent.futures.Future[Outcome], Task] = {}
        try:
            while waiting or running:
                while waiting and len(running) < self.jobs:
                    task = waiting.popleft()
                    running[pool.submit(execute, task)] = task
                finished, _ = concurrent.futures.wait(running, return_when=FIRST_COMPLETED)
                broken = False
                for future in finished:
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    yield running.pop(future), outcome
                if broken:
                    return list(running.values())
            return []
        finally:
            # Stopped early (Ctrl-C, an error while storing): start nothing more.
            pool.shutdown(wait=True, cancel_futures=True)


def _pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    return concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn")
    )


def _alone(task: Task) -> Outcome:
    """One run in a process of its own: its outcome, or a failure if the process died."""
    start = time.perf_counter()
    with _pool(1) as pool:
        try:
            return pool.submit(execute, task).result()
        except BrokenProcessPool:
            died = RuntimeError("the worker process died during the run (a crash in SUMO?)")
            return failure(died, time.perf_counter() - start)


@dataclass(frozen=True)
class RayBackend:
    """Each run a Ray task: on a local Ray with ``jobs`` CPUs when ``address`` is None, else
    on the cluster at ``address`` (whose nodes need Stopline and the scenario files)."""

    address: str | None = None
    jobs: int = 1

    def results(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, Outcome]]:
        ray = _import_ray()
        started_here = not ray.is_initialized()
        if started_here:
            options: dict[str, Any] = {"address": self.address} if self.address else {}
            if not self.address:
                options["num_cpus"] = self.jobs
            ray.init(
                **options,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
        # A crashed run is not retried: SUMO given the same input would crash again.
        remote = ray.remote(num_cpus=1, max_retries=0)(execute)
        pending: dict[Any, tuple[Task, float]] = {}
        try:
            for task in tasks:
                pending[remote.remote(task)] = (task, time.perf_counter())
            while pending:
                [ready], _ = ray.wait(list(pending), num_returns=1)
                task, submitted = pending.pop(ready)
                try:
                    outcome = ray.get(ready)
                except ray.exceptions.RayError as error:  # the worker itself died
                    outcome = failure(error, time.perf_counter() - submitted)
                yield task, outcome
        finally:
            for reference in pending:
                ray.cancel(reference, force=True)
            if started_here:
                ray.shutdown()


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "--backend ray: Ray is not installed; install it with pip install 'stopline[ray]'"
        ) from None
    return ray


def make_backend(name: str, *, jobs: int = 1, ray_address: str | None = None) -> Backend:
    """A backend by name (``local`` or ``ray``)."""
    if name == "local":
        if ray_address:
            raise ConfigError("--ray-address needs --backend ray")
        return LocalBackend(jobs)
    if name == "ray":
        _import_ray()  # fail now, not after training RL entries
        return RayBackend(ray_address, jobs)
    raise ConfigError(f"--backend {name!r}: unknown; one of {', '.join(BACKENDS)}")
