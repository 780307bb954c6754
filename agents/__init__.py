"""Who decides: the `Controller` interface, classical baselines and RL policies.

``make(name, **params)`` builds any of them: ``fixed``, ``webster``, ``actuated``,
``delay-based``, ``max-pressure``, ``sotl``, ``greedy``, ``random``, ``rl:PATH``.
"""

from .controller import Controller, Decisions, NativeController, run_episode
from .errors import AgentError, ModelMismatchError, UnknownControllerError
from .registry import CONTROLLERS, check, make
from .webster import WebsterTiming, webster_timing

__all__ = [
    "CONTROLLERS",
    "AgentError",
    "Controller",
    "Decisions",
    "ModelMismatchError",
    "NativeController",
    "UnknownControllerError",
    "WebsterTiming",
    "check",
    "make",
    "run_episode",
    "webster_timing",
]
