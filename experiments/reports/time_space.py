"""Time-space diagrams: vehicle trajectories along an arterial over its signals' greens,
both from SUMO's own outputs (fcd output for the vehicles, SaveTLSSwitchStates for the signals)
of one run of the plan on a training demand seed."""

from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

from stopline.agents.plans.arterials import Arterial
from stopline.agents.plans.optimise import run_plan
from stopline.measures.records import read_states, state_events
from stopline.scenarios import Scenario
from stopline.scenarios.clock import clock
from stopline.scenarios.xmlfiles import elements

COLOURS = {"forward": "#1f4e9c", "backward": "#8a3ea8"}
SIGNAL = {"green": "#2ca02c", "yellow": "#f0a30a", "red": "#d62728"}


def _record(arterial: Arterial, scratch: Path, window: tuple[float, float]) -> list[str]:
    """SUMO options for the fcd output on the arterial's edges and the signals' record."""
    directions = [d for d in (arterial.forward, arterial.backward) if d is not None]
    selection = scratch / "edges.txt"
    selection.write_text("".join(f"edge:{e}\n" for d in directions for e in d.edges))
    root = ET.Element("additional")
    state_events(root, arterial.forward.signals, scratch / "tls.xml")
    ET.ElementTree(root).write(scratch / "record.add.xml")
    return [
        "-a",
        str(scratch / "record.add.xml"),
        "--fcd-output",
        str(scratch / "fcd.xml"),
        "--fcd-output.filter-edges.input-file",
        str(selection),
        "--device.fcd.begin",
        f"{window[0]:g}",
        "--end",
        f"{window[1]:g}",
    ]


def _trajectories(fcd: Path, arterial: Arterial) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Per direction (``forward``, ``backward``) and vehicle, (time, distance along the
    forward direction) on that direction's edges, in one pass over the fcd output."""
    # Each edge: its direction, where it starts along that direction, and whether the
    # distance is measured back from the forward direction's end.
    place: dict[str, tuple[str, float, bool]] = {}
    for label, direction in (("forward", arterial.forward), ("backward", arterial.backward)):
        if direction is not None:
            for edge, start in zip(direction.edges, direction.starts, strict=True):
                place[edge] = (label, start, label == "backward")
    found: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    length = arterial.forward.length
    time = 0.0
    for element in elements(fcd):
        if element.tag == "vehicle":
            edge = element.get("lane", "").rsplit("_", 1)[0]
            if edge in place:
                label, start, flipped = place[edge]
                distance = start + float(element.get("pos", "0"))
                found[label][element.get("id", "")].append(
                    (time, length - distance if flipped else distance)
                )
        elif element.tag == "timestep":
            time = float(element.get("time", "0"))
            element.clear()
    return found


def _state_colour(states: str, links: tuple[int, ...]) -> str:
    shown = [states[link] for link in links] or ["G"]
    if all(value in "Gg" for value in shown):
        return SIGNAL["green"]
    return SIGNAL["yellow"] if any(value in "yY" for value in shown) else SIGNAL["red"]


def time_space_diagram(
    scenario: Scenario, plan: Path, arterial: Arterial, out: Path, window: tuple[float, float]
) -> Path:
    """Draw ``arterial`` over ``window`` (s) under ``plan`` (a SUMO additional file) on
    ``scenario``'s demand as SUMO runs it; write the PNG to ``out``."""
    with tempfile.TemporaryDirectory(prefix="stopline-time-space-") as name:
        scratch = Path(name)
        run_plan(scenario, plan, _record(arterial, scratch, window), "sumo (time-space run)")
        forward = arterial.forward
        length = forward.length
        figure, axes = plt.subplots(figsize=(12, 6.5))
        for label, vehicles in _trajectories(scratch / "fcd.xml", arterial).items():
            for points in vehicles.values():
                times, places = zip(*points, strict=True)
                axes.plot(times, places, color=COLOURS[label], linewidth=0.5, alpha=0.6)
        states = read_states(scratch / "tls.xml", window)
    backward_links = dict(
        zip(arterial.backward.signals, arterial.backward.links, strict=True)
        if arterial.backward
        else ()
    )
    lift = 0.012 * max(length, 100.0)  # forward's bar just above the stop line, backward's below
    for signal, place, links in zip(forward.signals, forward.positions, forward.links, strict=True):
        for shift, used in ((lift, links), (-lift, backward_links.get(signal))):
            if used is None:
                continue
            shown = states[signal]
            # One bar per colour shown, from each change to the next.
            changes = [
                index
                for index, state in enumerate(shown.states)
                if index == 0
                or _state_colour(state, used) != _state_colour(shown.states[index - 1], used)
            ]
            for start, end in zip(changes, [*changes[1:], len(shown.times)], strict=True):
                colour = _state_colour(shown.states[start], used)
                span = [shown.times[start], shown.times[end - 1] + 1]
                axes.plot(span, [place + shift] * 2, color=colour, lw=3)
        axes.annotate(
            signal[:24],
            (window[0], place + 2 * lift),
            fontsize=8,
            va="bottom",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
        )
    axes.set_xlim(*window)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: clock(value, with_seconds=True)))
    axes.set_xlabel("time of day")
    axes.set_ylabel(f"distance from {arterial.forward.signals[0][:24]} (m)")
    axes.set_title(
        "vehicles (blue: forward, purple: backward) over each signal's through green "
        "(bar above the stop line: forward, below: backward)",
        fontsize=10,
    )
    figure.tight_layout()
    scratch_png = out.with_name(f".{out.name}.{os.getpid()}")  # whole or not at all
    figure.savefig(scratch_png, dpi=110, format="png")
    plt.close(figure)
    scratch_png.replace(out)
    return out
