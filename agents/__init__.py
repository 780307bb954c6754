"""Who decides: the `Controller` interface, classical baselines and RL policies.

``make(name, **params)`` builds any of them: every name in ``CONTROLLERS`` (the registry,
`registry.CONTROLLERS`, is the one list), ``rl:PATH`` and ``plan:PATH``.
Training (``train``, ``TrainConfig``, ``make_vec_env``, ``NetworkWorkers``) imports torch,
so it loads on first use.
"""

import importlib
from typing import Any

from .controller import Controller, Decisions, NativeController, run_episode
from .errors import AgentError, ModelMismatchError, UnknownControllerError
from .registry import CONTROLLERS, check, make
from .webster import WebsterTiming, webster_timing

# Loaded on first use, from the module named.
_TRAINING = {
    "TrainConfig": ".training",
    "make_vec_env": ".training",
    "train": ".training",
    "NetworkWorkers": ".network_workers",
}


def __getattr__(name: str) -> Any:
    if name in _TRAINING:
        return getattr(importlib.import_module(_TRAINING[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CONTROLLERS",
    "AgentError",
    "Controller",
    "Decisions",
    "ModelMismatchError",
    "NativeController",
    "NetworkWorkers",
    "TrainConfig",
    "UnknownControllerError",
    "WebsterTiming",
    "check",
    "make",
    "make_vec_env",
    "run_episode",
    "train",
    "webster_timing",
]
