"""``actuated`` and ``delay-based``: SUMO's own traffic-responsive logics on the net's phases."""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path

from stopline.envs import EnvConfig
from stopline.scenarios import Scenario

from .controller import NativeController
from .programmes import Plan, scenario_programmes, write_programmes, yellow_of


class _SumoResponsive(NativeController):
    """One of SUMO's own responsive logics, installed on the net's green phases."""

    kind: str

    def __init__(self, min_green: float | None, max_green: float | None) -> None:
        self.min_green = min_green
        self.max_green = max_green

    @abstractmethod
    def logic_parameters(self) -> dict[str, str]:
        """The logic's own SUMO ``<param>`` values."""

    def install(self, scenario: Scenario, folder: Path, config: EnvConfig) -> list[str]:
        low = self.min_green if self.min_green is not None else config.min_green
        high = self.max_green if self.max_green is not None else config.max_green
        plans = []
        for junction, programme in scenario_programmes(scenario).items():
            if junction not in scenario.junctions:
                continue
            count = len(programme.greens)
            plans.append(
                Plan(
                    junction,
                    programme.greens,
                    durations=(low,) * count,
                    yellow=yellow_of(programme, config),
                    all_red=config.all_red,
                    min_durations=(low,) * count,
                    max_durations=(high,) * count,
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


class SumoActuated(_SumoResponsive):
    """SUMO's gap-based ``actuated`` logic: greens extend while detectors see a stream.

    Parameters:
        min_green: shortest green, s (default: the environment's min green).
        max_green: longest green, s (default: the environment's max green).
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


class SumoDelayBased(_SumoResponsive):
    """SUMO's ``delay_based`` logic: a green extends while approaching vehicles are delayed.

    Parameters: ``min_green`` and ``max_green`` as for ``actuated``, plus
    ``detector_range`` (m, how far upstream delay is watched) and ``min_time_loss`` (s of
    delay a vehicle needs to count).
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

    def logic_parameters(self) -> dict[str, str]:
        return {
            "detectorRange": f"{self.detector_range:g}",
            "minTimeLoss": f"{self.min_time_loss:g}",
        }
