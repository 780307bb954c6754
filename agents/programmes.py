"""Signal programmes as SUMO files: the cyclic plans native controllers install."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from stopline.envs import PhaseSet, Timing, transition


def phase_attributes(
    state: str, duration: float, min_dur: float | None = None, max_dur: float | None = None
) -> dict[str, str]:
    """A ``<phase>``'s attributes as SUMO names them (minDur/maxDur for actuated logics)."""
    attributes = {"duration": f"{duration:g}", "state": state}
    if min_dur is not None and max_dur is not None:
        attributes.update(minDur=f"{min_dur:g}", maxDur=f"{max_dur:g}")
    return attributes


@dataclass(frozen=True)
class Plan:
    """A cyclic plan for one signal: its phase set's greens in order, each with a duration
    (and, for actuated logics, a range), and the timing that makes the transitions."""

    phases: PhaseSet
    durations: tuple[float, ...]
    timing: Timing
    min_durations: tuple[float, ...] | None = None
    max_durations: tuple[float, ...] | None = None

    @property
    def junction(self) -> str:
        return self.phases.junction

    def after(self, index: int) -> list[tuple[str, float]]:
        """The yellow (and all-red) states, with their seconds, that follow green ``index``
        on the way to the next green (none where no movement loses its green)."""
        greens = self.phases.greens
        if len(greens) == 1:
            return []
        following = (index + 1) % len(greens)
        yellow, red = transition(greens[index], greens[following])
        if yellow == greens[index]:
            return []
        steps = [(yellow, self.timing.yellow)]
        all_red = self.timing.all_red_between(index, following)
        if all_red > 0:
            steps.append((red, all_red))
        return steps

    def intergreen(self, index: int) -> float:
        """Seconds between the end of green ``index`` and the start of the next."""
        return sum(seconds for _, seconds in self.after(index))

    @property
    def cycle(self) -> float:
        return sum(self.durations) + sum(self.intergreen(i) for i in range(len(self.durations)))

    def sumo_phases(self) -> list[dict[str, str]]:
        """SUMO phase attributes: each green, then its yellow (and all-red) to the next."""
        result = []
        low, high = self.min_durations, self.max_durations
        for index, green in enumerate(self.phases.greens):
            bounds = (low[index], high[index]) if low and high else (None, None)
            result.append(phase_attributes(green, self.durations[index], *bounds))
            result.extend(phase_attributes(state, seconds) for state, seconds in self.after(index))
        return result


def write_programmes(
    path: Path,
    plans: Sequence[Plan],
    *,
    kind: str,
    program_id: str,
    parameters: Mapping[str, str] | None = None,
) -> Path:
    """Write ``plans`` as SUMO tlLogic elements that replace the running programmes."""
    logics = {plan.junction: plan.sumo_phases() for plan in plans}
    return write_logics(path, logics, kind=kind, program_id=program_id, parameters=parameters)


def write_logics(
    path: Path,
    logics: Mapping[str, Sequence[Mapping[str, str]]],
    *,
    kind: str,
    program_id: str,
    parameters: Mapping[str, str] | None = None,
) -> Path:
    """Write one tlLogic per light (phase attributes as SUMO names them), each replacing
    the programme the light runs."""
    root = ET.Element("additional")
    for junction, phases in logics.items():
        add_logic(root, junction, phases, kind=kind, program_id=program_id, parameters=parameters)
    return write_additional(root, path)


def add_logic(
    root: ET.Element,
    junction: str,
    phases: Sequence[Mapping[str, str]],
    *,
    kind: str,
    program_id: str,
    offset: float = 0.0,
    parameters: Mapping[str, str] | None = None,
) -> ET.Element:
    """One ``tlLogic`` under ``root``: its parameters, then its phases. Every programme
    Stopline writes is written here."""
    logic = ET.SubElement(
        root, "tlLogic", id=junction, type=kind, programID=program_id, offset=f"{offset:g}"
    )
    for key, value in (parameters or {}).items():
        ET.SubElement(logic, "param", key=key, value=value)
    for phase in phases:
        ET.SubElement(logic, "phase", attrib=dict(phase))
    return logic


def write_additional(root: ET.Element, path: Path) -> Path:
    """A SUMO additional file, indented, with its XML declaration."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
