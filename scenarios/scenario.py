"""The `Scenario`: everything a simulation needs to know about what is simulated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import sumo_tools
from .options import QUIET, merge_options


@dataclass(frozen=True)
class Scenario:
    """A road network with its demand, ready to simulate.

    Attributes:
        name: catalogue name (``"grid:6x6"``) or the user file's stem.
        description: one or two sentences for people.
        net_file: the SUMO network.
        route_files: demand, in the order SUMO loads it.
        additional_files: extra SUMO inputs (signal programmes, detectors, vehicle types).
        config_file: the ``.sumocfg`` the scenario came from or was written as, if any.
        begin: start of the simulated window, seconds.
        end: end of the simulated window, seconds; all time averages use ``begin..end``.
        seed: the demand seed (which vehicles, when); SUMO's own seed is chosen separately.
        demand_scale: multiplier on the scenario's demand (1.0 = as designed).
        junctions: ids of the signalised junctions (SUMO traffic-light ids), sorted.
        sumo_options: options the scenario itself needs on SUMO's command line.
        builtin: whether it comes from the catalogue (its files then live in the cache).
        source: what `load` was given (a catalogue name or the user file's path).
        extra_routes: route files `load` was given besides the scenario's own.
    """

    name: str
    description: str
    net_file: Path
    route_files: tuple[Path, ...]
    junctions: tuple[str, ...]
    additional_files: tuple[Path, ...] = ()
    config_file: Path | None = None
    begin: float = 0.0
    end: float = 3600.0
    seed: int = 0
    demand_scale: float = 1.0
    sumo_options: tuple[str, ...] = field(default=())
    builtin: bool = False
    source: str = ""
    extra_routes: tuple[Path, ...] = ()

    @property
    def duration(self) -> float:
        """Length of the simulated window in seconds."""
        return self.end - self.begin

    @property
    def files(self) -> tuple[Path, ...]:
        """Every input file of the scenario."""
        config = (self.config_file,) if self.config_file else ()
        return (*config, self.net_file, *self.route_files, *self.additional_files)

    def sumo_args(self) -> list[str]:
        """SUMO command-line arguments that load this scenario over its window.

        Inputs are always named explicitly (even when a ``.sumocfg`` is given, whose other
        settings still apply), so callers can merge their own additional files and outputs.
        """
        args = ["-c", str(self.config_file)] if self.config_file else []
        args += ["-n", str(self.net_file)]
        if self.route_files:
            args += ["-r", ",".join(str(path) for path in self.route_files)]
        if self.additional_files:
            args += ["-a", ",".join(str(path) for path in self.additional_files)]
        args += ["--begin", f"{self.begin:g}", "--end", f"{self.end:g}"]
        return [*args, *self.sumo_options]

    def sumo_command(
        self, options: Sequence[str] = (), *, seed: int | None = None, binary: str = "sumo"
    ) -> list[str]:
        """The command line that runs SUMO (``binary``: ``sumo`` or ``sumo-gui``) on this
        scenario, quietly (`options.QUIET`), SUMO's seed ``seed`` if given, then
        ``options`` merged in (`options.merge_options`: file lists joined, others
        overriding). Every SUMO run Stopline starts is built here."""
        own = [*self.sumo_args(), *(["--seed", str(seed)] if seed is not None else []), *QUIET]
        return [str(sumo_tools.binary(binary)), *merge_options(own, options)]
