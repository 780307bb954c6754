"""``sumo-actuated`` and ``sumo-delay-based``: SUMO's own logics exactly as SUMO builds them.

The reference that Stopline's ``actuated`` and ``delay-based`` are held to: the programme
``netconvert --tls.rebuild --tls.default-type actuated|delay_based`` builds for each light
(phases, yellows, all-reds, minDur and maxDur all SUMO's own), run with SUMO's default
parameters. Nothing is derived or tuned by Stopline, but for one safety rule every
strategy keeps: a phase that shows a crossing green lasts at least its pedestrians' walk
and flashing don't-walk (`stopline.envs.pedestrians`; netconvert gives less).
"""

from __future__ import annotations

from pathlib import Path

from stopline.envs import EnvConfig
from stopline.envs.pedestrians import pedestrian_min_green
from stopline.envs.phases import rebuilt_programmes
from stopline.scenarios import Scenario

from .controller import NativeController
from .programmes import phase_attributes, write_logics


class _SumoRebuilt(NativeController):
    kind: str

    def install(self, scenario: Scenario, folder: Path, config: EnvConfig) -> list[str]:
        programmes = rebuilt_programmes(scenario.net_file, self.kind)
        logics = {
            junction: [
                _for_pedestrians(
                    phase_attributes(phase.state, phase.duration, phase.min_dur, phase.max_dur),
                    pedestrian_min_green(scenario.net_file, junction, phase.state),
                )
                for phase in phases
            ]
            for junction, phases in programmes.items()
        }
        path = write_logics(
            folder / f"{self.name}.add.xml", logics, kind=self.kind, program_id=self.name
        )
        return ["--additional-files", str(path)]


def _for_pedestrians(attributes: dict[str, str], need: float | None) -> dict[str, str]:
    """A phase's attributes with its duration, minDur and maxDur at least ``need``."""
    if need is None:
        return attributes
    return {
        key: f"{max(float(value), need):g}" if key in ("duration", "minDur", "maxDur") else value
        for key, value in attributes.items()
    }


class SumoRebuiltActuated(_SumoRebuilt):
    """SUMO's ``actuated`` logic on the programme SUMO rebuilds for each light, untouched."""

    name = "sumo-actuated"
    kind = "actuated"


class SumoRebuiltDelayBased(_SumoRebuilt):
    """SUMO's ``delay_based`` logic on the programme SUMO rebuilds for each light, untouched."""

    name = "sumo-delay-based"
    kind = "delay_based"
