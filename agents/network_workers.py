"""Parallel rollouts for a network: K simulations of the whole network, stepped at once.

Each simulation is a `SharedPolicyVecEnv` (every junction one slot); `NetworkWorkers` joins
them into one vector env of K x junctions slots, so one shared policy learns from K
simulations stepped at the same time. libsumo runs one simulation per process, hence the
others run elsewhere: in worker processes on this machine (started fresh, ``spawn``, as
SB3's `SubprocVecEnv`'s are, inside `shielded` by the caller so that Ctrl-C stays with the
learner), or as Ray actors on a Ray cluster. Both answer the same commands, so the same
seeds give the same numbers either way.
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


def _reply(env: SharedPolicyVecEnv, command: str, data: Any) -> tuple[str, Any]:
    """A worker's reply: ("ok", the answer), or ("error", one line the learner raises)."""
    try:
        return "ok", _answer(env, command, data)
    except Exception as error:
        return "error", f"{type(error).__name__}: {error}"


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
            remote.send(_reply(env, command, data))
    except EOFError:  # the learner is gone
        pass
    finally:
        if env is not None:
            env.close()
        remote.close()


class _ProcessLink:
    """A simulation in a worker process, reached through a pipe."""

    def __init__(self, context: Any, factory: Callable[[], SharedPolicyVecEnv]) -> None:
        self._pipe, worker = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(worker, self._pipe, CloudpickleWrapper(factory)), daemon=True
        )
        self.process.start()
        worker.close()

    def send(self, command: str, data: Any) -> None:
        self._pipe.send((command, data))

    def recv(self) -> tuple[str, Any]:
        try:
            answer: tuple[str, Any] = self._pipe.recv()
        except EOFError:
            return "died", "its worker process died"
        return answer

    def close(self) -> None:
        with contextlib.suppress(OSError):  # that worker is already gone
            self._pipe.send(("close", None))
        self.process.join()

    def kill(self) -> None:
        self.process.terminate()
        self.process.join()


class _RaySimulation:
    """A Ray actor holding one simulation (libsumo: one per actor process)."""

    def __init__(self, factory: CloudpickleWrapper) -> None:
        self.env = factory.var()

    def answer(self, command: str, data: Any) -> tuple[str, Any]:
        if command == "close":
            self.env.close()
            return "ok", None
        return _reply(self.env, command, data)


class _RayLink:
    """A simulation in a Ray actor (one CPU), reached by method calls."""

    def __init__(self, ray: Any, factory: Callable[[], SharedPolicyVecEnv]) -> None:
        self._ray = ray
        actor = ray.remote(num_cpus=1, max_restarts=0)(_RaySimulation)
        self._actor = actor.remote(CloudpickleWrapper(factory))
        self._pending: Any = None

    def send(self, command: str, data: Any) -> None:
        self._pending = self._actor.answer.remote(command, data)

    def recv(self) -> tuple[str, Any]:
        try:
            answer: tuple[str, Any] = self._ray.get(self._pending)
        except self._ray.exceptions.RayError as error:
            return "died", f"its Ray actor died ({type(error).__name__})"
        return answer

    def close(self) -> None:
        self.send("close", None)
        self.recv()
        self.kill()

    def kill(self) -> None:
        self._ray.kill(self._actor)


class NetworkWorkers(VecEnv):
    """One vector env over K simulations of the network, each a `SharedPolicyVecEnv`.

    The first runs in this (the learner's) process, the others in worker processes, or in
    Ray actors when ``ray`` (the module, started) is given: while they step, the learner
    steps its own, so K simulations use K cores and no core waits on the learner. Slots are
    simulation after simulation, junction after junction. The simulations may be of
    different networks (a generalist policy) if their observations and actions match; each
    resets on its own when its episode ends.
    """

    def __init__(
        self, factories: Sequence[Callable[[], SharedPolicyVecEnv]], *, ray: Any = None
    ) -> None:
        first, *others = factories
        context = multiprocessing.get_context("spawn")
        self.links: list[_ProcessLink | _RayLink] = []
        self.closed = False
        self.local: SharedPolicyVecEnv | None = None
        try:
            for factory in others:
                link = _RayLink(ray, factory) if ray else _ProcessLink(context, factory)
                self.links.append(link)
            self.local = first()
            # Every worker has built its network, or says why not.
            answers = self._ask_all("spaces")
            shapes = {(space.shape, int(actions.n)) for _, space, actions in answers}
            if len(shapes) > 1:
                raise SimulationError(
                    "the simulations' networks give different observation widths or green "
                    f"counts ({sorted(shapes)}): train several networks with a fixed-width "
                    "observation (greens)"
                )
        except BaseException:
            self.terminate()
            raise
        slots = [count for count, _, _ in answers]
        # The simulation each slot belongs to, and where each simulation's slots end.
        self._owner = [index for index, count in enumerate(slots) for _ in range(count)]
        self._ends = np.cumsum(slots)[:-1]
        self.render_mode = None
        super().__init__(sum(slots), self.local.observation_space, self.local.action_space)
        self._actions: np.ndarray | None = None

    def _ask_all(self, command: str, data: Any = None, *, each: Sequence[Any] = ()) -> list[Any]:
        """Every simulation's answer to ``command`` with ``data`` (or its own item of
        ``each``): the workers are asked first, so they work while this process does."""
        for index, link in enumerate(self.links, start=1):
            link.send(command, each[index] if each else data)
        assert self.local is not None
        failure: BaseException | None = None
        answers: list[Any] = []
        try:
            answers.append(_answer(self.local, command, each[0] if each else data))
        except Exception as error:  # raised once every worker has answered: none left behind
            failure = error
        for link in self.links:
            status, value = link.recv()
            if status == "died":
                raise SimulationError(f"a network worker is gone: {value}")
            if status == "error" and failure is None:
                failure = SimulationError(f"network worker: {value}")
            answers.append(value)
        if failure is not None:
            raise failure
        return answers

    def reset(self) -> np.ndarray:
        return np.concatenate(self._ask_all("reset"))

    def step_async(self, actions: np.ndarray) -> None:
        actions = np.asarray(actions)
        if len(actions) != self.num_envs:  # each simulation's share would be cut wrong
            raise ValueError(f"{len(actions)} actions for {self.num_envs} junction slots")
        self._actions = actions

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        assert self._actions is not None
        parts = np.split(self._actions, self._ends)
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
        for link in self.links:
            link.kill()
        if self.local is not None:
            self.local.close()
        self.closed = True

    def close(self) -> None:
        if self.closed:
            return
        for link in self.links:
            link.close()
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
        return [answers[self._owner[index]] for index in self._get_indices(indices)]
