"""Where runs execute: local worker processes (the default) or Ray tasks.

Both give back each run's outcome as soon as it finishes, in completion order, so the
caller can store it at once. Every run gets a process of its own, used for that run only:
libsumo allows one simulation per process and keeps state from one to the next.
"""

from __future__ import annotations

import collections
import multiprocessing
import multiprocessing.connection
import time
import typing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

from stopline.agents.ray_runtime import import_ray, start_ray
from stopline.envs import ConfigError
from stopline.envs.workers import shielded
from stopline.experiments.runs.tasks import Task, execute, failure

Outcome = dict[str, Any]
BACKENDS = ("local", "ray")


class Backend(Protocol):
    """Executes tasks and yields (task, outcome) pairs as runs finish."""

    def results(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, Outcome]]: ...


@dataclass(frozen=True)
class LocalBackend:
    """Up to ``jobs`` runs at a time on this machine, each in a process of its own.

    libsumo keeps state between the simulations of one process, so a process that ran one
    simulation is never given another: every run's numbers are the same whatever ran
    before it, alone or in a batch. Processes are forked from a clean server process
    (``forkserver``, which never ran a simulation), so starting one costs milliseconds, not
    a fresh interpreter. A process that dies (a crash inside SUMO) fails only its own run.
    """

    jobs: int = 1
    # What a worker process runs on its task (a module-level function, or a partial of one).
    worker: Callable[[Task], Outcome] = execute

    def results(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, Outcome]]:
        context = fresh_process_context()
        waiting = collections.deque(tasks)
        running: dict[Connection, tuple[Task, BaseProcess, float]] = {}
        try:
            while waiting or running:
                while waiting and len(running) < self.jobs:
                    task = waiting.popleft()
                    receiver, sender = context.Pipe(duplex=False)
                    process = context.Process(target=_serve, args=(self.worker, task, sender))
                    # Ctrl-C is this process's to handle: it ends the runs in progress (a
                    # Ctrl-C held while this one starts arrives once it is among them).
                    with shielded():
                        process.start()
                        sender.close()  # the child holds the only writer: EOF when it dies
                        running[receiver] = (task, process, time.perf_counter())
                for ready in multiprocessing.connection.wait(list(running)):
                    receiver = typing.cast(Connection, ready)
                    task, process, start = running.pop(receiver)
                    try:
                        outcome = receiver.recv()
                    except EOFError:
                        died = RuntimeError(
                            "the worker process died during the run (a crash in SUMO?)"
                        )
                        outcome = failure(died, time.perf_counter() - start)
                    receiver.close()
                    process.join()
                    yield task, outcome
        finally:
            # Stopped early (Ctrl-C, an error while storing): end the runs in progress.
            for receiver, (_, process, _) in running.items():
                process.terminate()
                process.join()
                receiver.close()


def fresh_process_context() -> Any:  # a ForkServerContext, or a SpawnContext on Windows
    """Processes that start clean of any simulation: forked from a server that imported
    Stopline but ran nothing (spawned afresh where fork is not available)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["stopline.experiments.runs.tasks"])
    return context


def _serve(worker: Callable[[Task], Outcome], task: Task, sender: Connection) -> None:
    """A worker process: one run, its outcome sent back."""
    sender.send(worker(task))
    sender.close()


@dataclass(frozen=True)
class RayBackend:
    """Each run a Ray task: on a local Ray with ``jobs`` CPUs when ``address`` is None, else
    on the cluster at ``address`` (whose nodes need Stopline and the scenario files)."""

    address: str | None = None
    jobs: int = 1

    def results(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, Outcome]]:
        ray = import_ray()
        started_here = start_ray(self.address, self.jobs)
        # A crashed run is not retried: SUMO given the same input would crash again. A
        # worker process serves one run (max_calls=1), as on the local backend.
        remote = ray.remote(num_cpus=1, max_retries=0, max_calls=1)(execute)
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


def check_backend(name: str, ray_address: str | None) -> None:
    """Refuse an unknown backend, a Ray address without Ray, and Ray not installed."""
    if name not in BACKENDS:
        raise ConfigError(f"--backend {name!r}: unknown; one of {', '.join(BACKENDS)}")
    if name == "local" and ray_address:
        raise ConfigError("--ray-address needs --backend ray")
    if name == "ray":
        import_ray()  # fail now, not after training RL entries


def make_backend(name: str, *, jobs: int = 1, ray_address: str | None = None) -> Backend:
    """A backend by name (``local`` or ``ray``)."""
    check_backend(name, ray_address)
    return RayBackend(ray_address, jobs) if name == "ray" else LocalBackend(jobs)
