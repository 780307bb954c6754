"""A plan file written earlier (by ``stopline plan`` or edited by hand), checked against
the scenario before SUMO loads it: it must be for this net, cover every junction there is
to decide, never end a green without yellow, and keep every green within its min and max
green (the env's timings: ``--env min_green=... max_green=...`` set them)."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

from stopline.envs import EnvConfig, controllable, timing_for
from stopline.envs.phases import GREEN, Phase, decision_set
from stopline.scenarios import Scenario
from stopline.scenarios.xmlfiles import signal_links

from ..errors import AgentError
from .store import COORDINATED


def plan_file(path: str | Path) -> Path:
    """The SUMO file of ``plan:PATH``: PATH itself, or a plan folder's ``plan.add.xml``."""
    found = Path(path)
    if found.is_dir():
        found = found / COORDINATED
    if not found.is_file():
        raise AgentError(f"plan:{path}: no such plan file (give a .add.xml or a plan folder)")
    return found


def _unsafe(states: list[str]) -> str | None:
    """The first place a link goes from green straight to red, cycling round."""
    for index, state in enumerate(states):
        following = states[(index + 1) % len(states)]
        for link, (before, after) in enumerate(zip(state, following, strict=False)):
            if before in GREEN and after == "r":
                return f"link {link} goes from green to red without yellow after phase {index}"
    return None


def _outside_bounds(name: str, logic: ET.Element, config: EnvConfig, net: Path) -> str | None:
    """The first green (transitional greens folded in, as the env folds them) shorter than
    its min green or longer than its max green, under ``config``'s timings (the net's
    geometry and crossings set intergreens and pedestrian minimums)."""
    phases = [
        Phase(phase.get("state", ""), float(phase.get("duration", "0")))
        for phase in logic.iter("phase")
    ]
    greens = dataclasses.replace(decision_set(name, phases), net=net)
    timing = timing_for(greens, config)
    for index, (state, seconds) in enumerate(zip(greens.greens, greens.durations, strict=True)):
        low, high = timing.min_green_of(index), timing.max_green_of(index)
        if not low <= seconds <= high:
            side = (
                f"under its min green {low:g}" if seconds < low else f"over its max green {high:g}"
            )
            return f"green {state} lasts {seconds:g} s, {side} s"
    return None


def check_plan(path: Path, scenario: Scenario, config: EnvConfig) -> None:
    """Refuse, in one line naming the file, a plan SUMO cannot run on this scenario or
    that would run it unsafely."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        raise AgentError(f"{path}: not a SUMO additional file ({error})") from None
    links = signal_links(scenario.net_file)
    covered = set()
    for logic in root.iter("tlLogic"):
        name = logic.get("id", "")
        if name not in links:
            raise AgentError(
                f"{path}: traffic light {name!r} is not in {scenario.net_file.name}; "
                "is the plan for another net?"
            )
        width = max(links[name]) + 1
        states = [phase.get("state", "") for phase in logic.iter("phase")]
        if not states:
            raise AgentError(f"{path}: traffic light {name!r} has no phases")
        wrong = next((state for state in states if len(state) != width), None)
        if wrong is not None:
            raise AgentError(
                f"{path}: traffic light {name!r} has a state of {len(wrong)} links where "
                f"{scenario.net_file.name} has {width}; is the plan for another net?"
            )
        problem = _unsafe(states) or _outside_bounds(name, logic, config, scenario.net_file)
        if problem:
            raise AgentError(f"{path}: traffic light {name!r} is unsafe: {problem}")
        covered.add(name)
    missing = sorted(set(controllable(scenario, config.phases)) - covered)
    if missing:
        listed = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise AgentError(f"{path}: no programme for junction(s) {listed} of {scenario.name}")
