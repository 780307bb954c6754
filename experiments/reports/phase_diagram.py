"""A junction's phase diagram, as an engineer draws one for a timing sheet: one panel per
phase, an arrow per movement it serves (approach by travel direction, turn), solid where
the movement has right of way (protected), dashed where it must yield (permitted), and a
walking figure's bar across each crossing the phase shows green."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from stopline.envs.layout import net_lanes
from stopline.envs.phases import GREEN
from stopline.measures.movements import LaneGroup

from .figures import png

# A northbound movement's arrow, from where it enters (the right-hand half of the south
# arm) to where it leaves; other approaches are this turned (right-hand traffic).
_NORTHBOUND = {
    "T": ((0.25, -1.0), (0.25, 0.9)),
    "L": ((0.25, -1.0), (-0.9, 0.25)),
    "R": ((0.25, -1.0), (0.9, -0.25)),
    "U": ((0.25, -1.0), (-0.25, -0.9)),
}
_TURNED = {  # (x, y) -> as seen by a vehicle travelling this way
    "NB": lambda x, y: (x, y),
    "EB": lambda x, y: (y, -x),
    "SB": lambda x, y: (-x, -y),
    "WB": lambda x, y: (-y, x),
}


def movement_arrow(bound: str, turn: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """Start and end of a movement's arrow on a junction drawn as a cross of unit arms."""
    start, end = _NORTHBOUND[turn]
    turned = _TURNED[bound]
    return turned(*start), turned(*end)


def phase_diagram(
    groups: Sequence[LaneGroup], states: Sequence[str], crossings: Sequence[int] = ()
) -> str:
    """The diagram of a junction whose phases show ``states``, as a base64 PNG;
    ``crossings`` are the link indices of its pedestrian crossings."""
    figure, axes = plt.subplots(1, len(states), figsize=(1.9 * len(states), 2.2))
    panels = axes if len(states) > 1 else [axes]
    for number, (panel, state) in enumerate(zip(panels, states, strict=True), start=1):
        panel.add_patch(plt.Rectangle((-0.5, -1.2), 1.0, 2.4, color="#eeeeee", zorder=0))
        panel.add_patch(plt.Rectangle((-1.2, -0.5), 2.4, 1.0, color="#eeeeee", zorder=0))
        drawn = set()
        for group in groups:
            for link in group.links:
                signal = state[link.index] if link.index < len(state) else "r"
                if signal not in "Gg" or (group.bound, link.turn, signal) in drawn:
                    continue
                drawn.add((group.bound, link.turn, signal))
                start, end = movement_arrow(group.bound, link.turn)
                panel.annotate(
                    "",
                    xy=end,
                    xytext=start,
                    arrowprops={
                        "arrowstyle": "->",
                        "lw": 1.8,
                        "color": "#1a7f37" if signal == "G" else "#9a6700",
                        "linestyle": "-" if signal == "G" else "--",
                        "connectionstyle": "arc3,rad=0.0"
                        if link.turn in "TU"
                        else "arc3,rad=-0.3"
                        if link.turn == "R"
                        else "arc3,rad=0.3",
                    },
                )
        walked = sum(1 for index in crossings if index < len(state) and state[index] in GREEN)
        title = f"phase {number}" + (f"\n{walked} crossing(s) walk" if walked else "")
        panel.set_title(title, fontsize=9)
        panel.set_xlim(-1.25, 1.25)
        panel.set_ylim(-1.25, 1.25)
        panel.set_aspect("equal")
        panel.axis("off")
    return png(figure)


def junction_diagrams(
    net: Path, groups: dict[str, list[LaneGroup]], states: dict[str, list[str]]
) -> dict[str, str]:
    """Each junction's phase diagram (`phase_diagram`), for the junctions in ``states``."""
    walkways = net_lanes(net).walkways
    return {
        junction: phase_diagram(groups.get(junction, []), own, sorted(walkways.get(junction, {})))
        for junction, own in states.items()
    }
