"""Parallel rollouts for a network: K simulations of the whole network, stepped at once.

Each simulation is a `SharedPolicyVecEnv` (every junction one slot); `NetworkWorkers` joins
them into one vector env of K x junctions slots, so one shared policy learns from K
simulations stepped at the same time, one per core. libsumo runs one simulation per
process, hence worker processes; they are started fresh (``spawn``) as SB3's
`SubprocVecEnv`'s are, and inside `shielded` by the caller so that Ctrl-C stays with the
learner.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
from stable_baselines3.common.vec_env.base_vec_env import CloudpickleWrapper, VecEnv

from stopline.envs import SimulationError

from .training_envs import SharedPolicyVecEnv


def _answer(env: SharedPolicyVecEnv, command: str, data: Any) -> Any:
    if command == "spaces":
        return env.num_envs, env.observation_space, env.action_space
    if command == "reset":
        return env.reset()
    if command == "step":
        return env.step(data)
    if command == "get":
        return getattr(env, data)
    if command == "has":
        return hasattr(env, data)
    if command == "set":
        return setattr(env, *data)
    if command == "call":
        name, args, kwargs = data
        return getattr(env, name)(*args, **kwargs)
    raise ValueError(f"unknown command {command!r}")


def _serve(remote: Connection, parent: Connection, factory: CloudpickleWrapper) -> None:
    """A worker: build the network's env, then answer the learner's commands until closed."""
    parent.close()
    env: SharedPolicyVecEnv | None = None
    try:
        env = factory.var()
        while True:
            command, data = remote.recv()
            if command == "close":
                break
            try:
                remote.send(("ok", _answer(env, command, data)))
            except Exception as error:  # the learner says it in one line and stops
                remote.send(("error", f"{type(error).__name__}: {error}"))
    except EOFError:  # the learner is gone
        pass
    finally:
        if env is not None:
            env.close()
        remote.close()


class NetworkWorkers(VecEnv):
    """One vector env over K simulations of the network, each a `SharedPolicyVecEnv`.

    The first runs in this (the learner's) process, the others in worker processes: while
    the workers step, the learner steps its own, so K simulations use K cores with K
    processes and no core waits on the learner. Slots are simulation after simulation,
    junction after junction. Every episode ends at the same decision (same window), so all
    reset together.
    """

    def __init__(self, factories: Sequence[Callable[[], SharedPolicyVecEnv]]) -> None:
        first, *others = factories
        context = multiprocessing.get_context("spawn")
        pipes = [context.Pipe() for _ in others]
        self.remotes = [learner for learner, _ in pipes]
        self.processes = []
        self.closed = False
        self.local: SharedPolicyVecEnv | None = None
        try:
            for (learner, worker), factory in zip(pipes, others, strict=True):
                process = context.Process(
                    target=_serve, args=(worker, learner, CloudpickleWrapper(factory)), daemon=True
                )
                process.start()
                self.processes.append(process)
                worker.close()
            self.local = first()
            self._ask_all("spaces")  # every worker has built its network, or says why not
        except BaseException:
            self.terminate()
            raise
        self.slots = self.local.num_envs
        self.render_mode = None
        super().__init__(
            self.slots * len(factories), self.local.observation_space, self.local.action_space
        )
        self._actions: np.ndarray | None = None

    def _ask_all(self, command: str, data: Any = None, *, each: Sequence[Any] = ()) -> list[Any]:
        """Every simulation's answer to ``command`` with ``data`` (or its own item of
        ``each``): the workers are asked first, so they work while this process does."""
        for index, remote in enumerate(self.remotes, start=1):
            remote.send((command, each[index] if each else data))
        assert self.local is not None
        failure: BaseException | None = None
        answers: list[Any] = []
        try:
            answers.append(_answer(self.local, command, each[0] if each else data))
        except Exception as error:  # raised once every worker has answered: none left behind
            failure = error
        for remote in self.remotes:
            try:
                status, value = remote.recv()
            except EOFError:
                raise SimulationError("a network worker process died") from None
            if status == "error" and failure is None:
                failure = SimulationError(f"network worker: {value}")
            answers.append(value)
        if failure is not None:
            raise failure
        return answers

    def reset(self) -> np.ndarray:
        return np.concatenate(self._ask_all("reset"))

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        assert self._actions is not None
        parts = np.split(self._actions, len(self.remotes) + 1)
        answers = self._ask_all("step", each=parts)
        observations, rewards, dones, infos = zip(*answers, strict=True)
        joined: list[dict[str, Any]] = [info for worker in infos for info in worker]
        return (
            np.concatenate(observations),
            np.concatenate(rewards),
            np.concatenate(dones),
            joined,
        )

    def terminate(self) -> None:
        """End the workers without asking (after a Ctrl-C a message may be cut in half)."""
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.join()
        if self.local is not None:
            self.local.close()
        self.closed = True

    def close(self) -> None:
        if self.closed:
            return
        for remote in self.remotes:
            with contextlib.suppress(OSError):  # that worker is already gone
                remote.send(("close", None))
        for process in self.processes:
            process.join()
        if self.local is not None:
            self.local.close()
        self.closed = True

    def has_attr(self, attr_name: str) -> bool:
        """Asked, not fetched: a method of the workers' envs cannot travel back."""
        return all(self._ask_all("has", attr_name))

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        return self._per_slot(self._ask_all("get", attr_name), indices)

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        self._ask_all("set", (attr_name, value))

    def env_method(
        self, method_name: str, *args: Any, indices: Any = None, **kwargs: Any
    ) -> list[Any]:
        answers = self._ask_all("call", (method_name, args, kwargs))
        if method_name in SharedPolicyVecEnv.SLOT_METHODS:  # one row per slot already
            rows = [row for answer in answers for row in answer]
            return [rows[index] for index in self._get_indices(indices)]
        return self._per_slot(answers, indices)

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        return [False for _ in self._get_indices(indices)]

    def _per_slot(self, answers: Sequence[Any], indices: Any) -> list[Any]:
        """Each simulation's one answer, given to each of its slots."""
        return [answers[index // self.slots] for index in self._get_indices(indices)]
