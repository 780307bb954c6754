"""The one interface every strategy implements, and the loop that runs it on SUMO."""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from stopline.envs import EnvConfig, JunctionState, NetworkTotals, TrafficSimulation, controllable
from stopline.scenarios import Scenario

Decisions = dict[str, int | None]


# Progress lines from long work (a plan's optimisation), for whoever shows them.
Report = Callable[[str], None]


def silent(line: str) -> None:
    """A `Report` that shows nothing."""


class Controller(ABC):
    """Decides the green phase of every signalised junction of a scenario.

    Python controllers answer `act` every decision interval with a green phase index per
    junction (``None`` keeps the current one); the signal model makes the answer safe.
    Native controllers (``native = True``) instead `install` a programme that SUMO runs by
    itself, and are measured through the same pipe in observe-only mode.
    """

    name: ClassVar[str]
    native: ClassVar[bool] = False

    def install(self, scenario: Scenario, folder: Path, config: EnvConfig) -> list[str]:
        """SUMO options that install this controller's programmes (native controllers)."""
        return []

    def prepare(
        self, scenario: Scenario, config: EnvConfig, report: Report = silent
    ) -> Path | None:
        """Work done once, before the runs that need it, so parallel runs find it ready;
        where it lives (a plan optimised into the cache), if anywhere. ``report`` is given
        a line of progress now and then (the command line prints them; agents print
        nothing)."""
        return None

    def environment(self) -> Mapping[str, Any]:
        """Environment settings this controller needs (an RL policy: those it trained with)."""
        return {}

    def reset(self, states: Mapping[str, JunctionState]) -> None:  # noqa: B027 - optional hook
        """Called at the start of each episode with the first junction states."""

    @abstractmethod
    def act(self, now: float, states: Mapping[str, JunctionState]) -> Decisions:
        """The green phase each junction should show next (None: keep the current one)."""

    def parameters(self) -> dict[str, Any]:
        """The controller's parameters, for records and reports."""
        return {key: value for key, value in vars(self).items() if not key.startswith("_")}


class NativeController(Controller):
    """A controller SUMO runs itself; Stopline only watches."""

    native = True

    def act(self, now: float, states: Mapping[str, JunctionState]) -> Decisions:
        return {}


def environment_of(controller: Controller, config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The env settings ``controller`` runs with: ``config``, overridden by what the
    controller needs (a policy: the settings it was trained with)."""
    return {**dict(config or {}), **controller.environment()}


def run_episode(
    controller: Controller,
    scenario: Scenario,
    *,
    sumo_seed: int,
    folder: Path,
    config: Mapping[str, Any] | None = None,
    sumo_options: Sequence[str] = (),
    watch: Callable[[Mapping[str, JunctionState]], None] | None = None,
) -> NetworkTotals:
    """Run ``controller`` over the scenario's whole window; return the final network totals.

    Every junction with something to decide is under the controller (lights with one green
    run their own programme). ``sumo_options`` add outputs (tripinfo...). ``watch`` is
    shown the junction states at every decision (a demonstration records them).
    """
    base = EnvConfig.from_mapping(environment_of(controller, config))
    installed = controller.install(scenario, folder, base)
    settings = dataclasses.replace(
        base,
        observe_only=controller.native,
        sumo_options=(*base.sumo_options, *installed, *sumo_options),
    )
    simulation = TrafficSimulation(scenario, settings, controllable(scenario, settings.phases))
    try:
        simulation.start(sumo_seed)
        states, totals = simulation.observe()
        controller.reset(states)
        while not simulation.done:
            if watch is not None:
                watch(states)
            simulation.apply(controller.act(totals.time, states))
            simulation.advance()
            states, totals = simulation.observe()
    finally:
        simulation.close()
    return totals
