"""`make`: every strategy by the name a CLI flag or an experiment spec uses, and `check`,
which refuses a name or parameter before anything runs."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any

from .actuated import SumoActuated, SumoDelayBased
from .controller import Controller
from .errors import UnknownControllerError
from .fixed import FixedTime
from .greedy import Greedy, RandomPhases
from .max_pressure import MaxPressure
from .models import model_folder
from .plans.actuated_plan import CoordinatedActuated
from .plans.controllers import Coordinated, SavedPlan, TimeOfDay
from .plans.saved import plan_file
from .reference import SumoRebuiltActuated, SumoRebuiltDelayBased
from .sotl import SelfOrganising
from .webster import Webster

CONTROLLERS: dict[str, Callable[..., Controller]] = {
    "fixed": FixedTime,
    "webster": Webster,
    "coordinated": Coordinated,
    "coordinated-actuated": CoordinatedActuated,
    "time-of-day": TimeOfDay,
    "actuated": SumoActuated,
    "delay-based": SumoDelayBased,
    "max-pressure": MaxPressure,
    "sotl": SelfOrganising,
    "greedy": Greedy,
    "random": RandomPhases,
    "sumo-actuated": SumoRebuiltActuated,
    "sumo-delay-based": SumoRebuiltDelayBased,
}
"""Controller factories by name; ``rl:PATH`` loads a trained policy, ``plan:PATH`` a plan
file, instead."""


def make(name: str, **params: Any) -> Controller:
    """Build the controller called ``name`` with ``params`` (see each class's docstring)."""
    if name.startswith("rl:"):
        from .policy import RLController  # torch is heavy: only when a policy is asked for

        check(name, **params)
        return RLController(name.removeprefix("rl:"))
    if name.startswith("plan:"):
        check(name, **params)
        return SavedPlan(name.removeprefix("plan:"))
    return CONTROLLERS[_known(name)](**checked_parameters(name, params))


def _known(name: str) -> str:
    if name not in CONTROLLERS:
        raise UnknownControllerError(
            f"unknown controller {name!r}; choose one of {', '.join(CONTROLLERS)}, rl:PATH "
            "or plan:PATH"
        )
    return name


def parameters(name: str) -> dict[str, tuple[type, ...]]:
    """A controller's documented parameters (its constructor's) and the types each takes."""
    factory = CONTROLLERS[_known(name)]
    hints = typing.get_type_hints(factory.__init__)
    found = {}
    for parameter in inspect.signature(factory).parameters.values():
        hint = hints.get(parameter.name, Any)
        options = typing.get_args(hint) or (hint,)
        found[parameter.name] = tuple(t for t in options if isinstance(t, type))
    return found


def checked_parameters(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` if the controller documents each one and the value has its type (ints are
    accepted for floats); otherwise one line naming the parameter and what it takes."""
    accepted = parameters(name)
    for key, value in params.items():
        if key not in accepted:
            listed = ", ".join(accepted) or "none"
            raise UnknownControllerError(
                f"controller {name!r} has no parameter {key!r}; its parameters: {listed}"
            )
        types = accepted[key]
        allowed = set(types) | ({int} if float in types else set())
        fits = type(value) in allowed or (value is None and type(None) in allowed)
        if types and not fits:
            wanted = " or ".join(_WORDS.get(t, t.__name__) for t in types if t in _WORDS)
            raise UnknownControllerError(
                f"controller {name!r}: parameter {key!r} must be {wanted}, got {value!r}"
            )
        # Every documented number is a time, flow, count or seed: none is negative.
        if type(value) in (int, float) and value < 0:
            raise UnknownControllerError(
                f"controller {name!r}: parameter {key!r} must be >= 0, got {value!r}"
            )
    return params


_WORDS = {float: "a number", int: "a whole number", str: "text", bool: "true or false"}


def check(name: str, **params: Any) -> None:
    """Refuse a name or parameters `make` would refuse, without loading a trained model."""
    if name.startswith(("rl:", "plan:")):
        if name.startswith("rl:"):
            model_folder(name.removeprefix("rl:"))
        else:
            plan_file(name.removeprefix("plan:"))
        if params:
            raise UnknownControllerError(f"controller {name!r} takes no parameters")
    else:
        checked_parameters(name, params)
