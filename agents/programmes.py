"""Signal programmes as SUMO files: reading a scenario's own, writing ones to install."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from stopline.envs import EnvConfig, Programme, transition
from stopline.envs.signal import DEFAULT_YELLOW
from stopline.scenarios import Scenario
from stopline.scenarios.xmlfiles import elements


def scenario_programmes(scenario: Scenario) -> dict[str, Programme]:
    """The programme each signal starts with: the last one loaded (net, then additionals)."""
    found: dict[str, Programme] = {}
    for path in (scenario.net_file, *scenario.additional_files):
        for element in elements(path):
            if element.tag == "tlLogic":
                phases = element.findall("phase")
                found[element.get("id", "")] = Programme(
                    element.get("id", ""),
                    tuple(phase.get("state", "") for phase in phases),
                    tuple(float(phase.get("duration", "0")) for phase in phases),
                )
    return found


def yellow_of(programme: Programme, config: EnvConfig) -> float:
    """Yellow seconds as the environments use them: configured, else the net's, else 3."""
    if config.yellow_time is not None:
        return config.yellow_time
    return programme.yellow or DEFAULT_YELLOW


@dataclass(frozen=True)
class Plan:
    """A cyclic plan for one signal: its greens in order, each with a duration range."""

    junction: str
    greens: tuple[str, ...]
    durations: tuple[float, ...]
    yellow: float
    all_red: float
    min_durations: tuple[float, ...] | None = None
    max_durations: tuple[float, ...] | None = None

    def phases(self) -> list[dict[str, str]]:
        """SUMO phase attributes: each green, then its yellow (and all-red) to the next."""
        result = []
        count = len(self.greens)
        for index, green in enumerate(self.greens):
            phase = {"duration": f"{self.durations[index]:g}", "state": green}
            if self.min_durations and self.max_durations:
                phase["minDur"] = f"{self.min_durations[index]:g}"
                phase["maxDur"] = f"{self.max_durations[index]:g}"
            result.append(phase)
            if count == 1:
                break
            yellow, red = transition(green, self.greens[(index + 1) % count])
            if yellow != green:
                result.append({"duration": f"{self.yellow:g}", "state": yellow})
                if self.all_red > 0:
                    result.append({"duration": f"{self.all_red:g}", "state": red})
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
    root = ET.Element("additional")
    for plan in plans:
        logic = ET.SubElement(
            root, "tlLogic", id=plan.junction, type=kind, programID=program_id, offset="0"
        )
        for key, value in (parameters or {}).items():
            ET.SubElement(logic, "param", key=key, value=value)
        for phase in plan.phases():
            ET.SubElement(logic, "phase", attrib=phase)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
