"""`make`: every strategy by the name a CLI flag or an experiment spec uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .actuated import SumoActuated, SumoDelayBased
from .controller import Controller
from .errors import UnknownControllerError
from .fixed import FixedTime
from .greedy import Greedy, RandomPhases
from .max_pressure import MaxPressure
from .models import model_folder
from .reference import SumoRebuiltActuated, SumoRebuiltDelayBased
from .sotl import SelfOrganising
from .webster import Webster

CONTROLLERS: dict[str, Callable[..., Controller]] = {
    "fixed": FixedTime,
    "webster": Webster,
    "actuated": SumoActuated,
    "delay-based": SumoDelayBased,
    "max-pressure": MaxPressure,
    "sotl": SelfOrganising,
    "greedy": Greedy,
    "random": RandomPhases,
    "sumo-actuated": SumoRebuiltActuated,
    "sumo-delay-based": SumoRebuiltDelayBased,
}
"""Controller factories by name; ``rl:PATH`` loads a trained policy instead."""


def make(name: str, **params: Any) -> Controller:
    """Build the controller called ``name`` with ``params`` (see each class's docstring)."""
    if name.startswith("rl:"):
        from .rl import RLController  # torch is heavy: import it only when a policy is asked for

        return RLController(name.removeprefix("rl:"), **params)
    if name not in CONTROLLERS:
        raise UnknownControllerError(
            f"unknown controller {name!r}; choose one of {', '.join(CONTROLLERS)}, or rl:PATH"
        )
    try:
        return CONTROLLERS[name](**params)
    except TypeError as error:
        raise UnknownControllerError(f"controller {name!r}: {error}") from None


def check(name: str, **params: Any) -> None:
    """Refuse a name or parameters `make` would refuse, without loading a trained model."""
    if name.startswith("rl:"):
        model_folder(name.removeprefix("rl:"))
        if params:
            raise UnknownControllerError(f"controller {name!r} takes no parameters")
    else:
        make(name, **params)
