"""``actuated`` and ``delay-based``: SUMO's own traffic-responsive logics on the phase set."""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path

from stopline.envs import EnvConfig, PhaseSet, Timing, phase_sets, timing_for
from stopline.scenarios import Scenario

from .controller import NativeController
from .programmes import Plan, write_programmes


class _SumoResponsive(NativeController):
    """One of SUMO's own responsive logics, installed on the phase set's greens."""

    kind: str

    def __init__(self, min_green: float | None, max_green: float | None) -> None:
        self.min_green = min_green
        self.max_green = max_green

    @abstractmethod
    def logic_parameters(self) -> dict[str, str]:
        """The logic's own SUMO ``<param>`` values."""

    def install(self, scenario: Scenario, folder: Path, config: EnvConfig) -> list[str]:
        plans = []
        for phases in phase_sets(scenario, config.phases).values():
            if not phases.controllable:
                continue
            timing = timing_for(phases, config)
            low, high = self._bounds(phases, timing, config)
            plans.append(
                Plan(
                    phases,
                    durations=tuple(
                        min(top, max(bottom, seconds))
                        for bottom, top, seconds in zip(low, high, phases.durations, strict=True)
                    ),
                    timing=timing,
                    min_durations=low,
                    max_durations=high,
                )
            )
        path = write_programmes(
            folder / f"{self.name}.add.xml",
            plans,
            kind=self.kind,
            program_id=f"stopline-{self.name}",
            parameters=self.logic_parameters(),
        )
        return ["--additional-files", str(path)]

    def _default_max(self, phases: PhaseSet, timing: Timing) -> tuple[float, ...]:
        """Max green per green when none is given: the programme's maxDur (SUMO's own for a
        rebuilt set), else the env's max green."""
        if phases.max_durations:
            return phases.max_durations
        return tuple(timing.max_green_of(index) for index in range(len(phases.greens)))

    def _bounds(
        self, phases: PhaseSet, timing: Timing, config: EnvConfig
    ) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Min and max green per phase: this controller's parameters, else the env's
        configured min green, else the programme's own minDur/maxDur (SUMO's values for a
        rebuilt programme), else the timing derived for the junction."""
        count = len(phases.greens)
        if self.min_green is not None:
            low = (float(self.min_green),) * count
        elif config.min_green is None and phases.min_durations:
            low = phases.min_durations
        else:
            low = tuple(timing.min_green_of(index) for index in range(count))
        if self.max_green is not None:
            high = (float(self.max_green),) * count
        else:
            high = self._default_max(phases, timing)
        return low, tuple(max(a, b) for a, b in zip(low, high, strict=True))


class SumoActuated(_SumoResponsive):
    """SUMO's gap-based ``actuated`` logic: greens extend while detectors see a stream.

    Parameters:
        min_green: shortest green, s (default: the env's configured min green, else the
            programme's own minDur (SUMO's for the rebuilt set), else the derived one).
        max_green: longest green, s (default: the programme's maxDur, else the env's).
        max_gap: seconds between vehicles that still extend a green (SUMO's ``max-gap``).
        detector_gap: seconds of travel from the detector to the stop line (``detector-gap``).
    """

    name = "actuated"
    kind = "actuated"

    def __init__(
        self,
        min_green: float | None = None,
        max_green: float | None = None,
        max_gap: float = 3.0,
        detector_gap: float = 2.0,
    ) -> None:
        super().__init__(min_green, max_green)
        self.max_gap = max_gap
        self.detector_gap = detector_gap

    def logic_parameters(self) -> dict[str, str]:
        return {"max-gap": f"{self.max_gap:g}", "detector-gap": f"{self.detector_gap:g}"}


# The shortest max green the programme-based default gives (a 6 s left may run to 10 s).
DELAY_BASED_MAX_GREEN_FLOOR = 10.0


class SumoDelayBased(_SumoResponsive):
    """SUMO's ``delay_based`` logic: a green extends while approaching vehicles are delayed.

    Parameters: ``min_green`` as for ``actuated``; ``max_green`` (default, per green: the
    seconds the programme gives that green, at least 10 s. SUMO's logic holds a green while
    any approaching vehicle has lost time, which under steady arrivals lasts to max green;
    SUMO's 50 s made cycles too long where junctions are close, the programme's own greens
    beat it on training seeds: README, "Timing defaults"); ``detector_range`` (m, how far
    upstream delay is watched) and ``min_time_loss`` (s of delay a vehicle needs to count).
    """

    name = "delay-based"
    kind = "delay_based"

    def __init__(
        self,
        min_green: float | None = None,
        max_green: float | None = None,
        detector_range: float = 100.0,
        min_time_loss: float = 1.0,
    ) -> None:
        super().__init__(min_green, max_green)
        self.detector_range = detector_range
        self.min_time_loss = min_time_loss

    def _default_max(self, phases: PhaseSet, timing: Timing) -> tuple[float, ...]:
        return tuple(max(DELAY_BASED_MAX_GREEN_FLOOR, seconds) for seconds in phases.durations)

    def logic_parameters(self) -> dict[str, str]:
        return {
            "detectorRange": f"{self.detector_range:g}",
            "minTimeloss": f"{self.min_time_loss:g}",  # sic: SUMO reads this spelling
        }
