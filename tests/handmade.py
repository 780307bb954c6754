"""Programmes as city engineers write them by hand, for test nets made by netconvert.

netconvert's programmes are tidy: 3 s yellows, greens of 6 s or more. A city's are not.
`write_handmade` turns each light's programme into one with 4-5 s yellows, a 2 s all-red
before any green that starts a movement, a 2 s transitional green (the protected movements
of the next green released first) before each green, and a second, inactive programme.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

GREEN = set("Ggs")
LEAD = 2.0
ALL_RED = 2.0


def _is_green(state: str) -> bool:
    return not any(c in "yYu" for c in state) and any(c in GREEN for c in state)


def handmade_phases(phases: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """A hand-made version of a programme given as (state, duration) pairs."""
    greens = [(state, duration) for state, duration in phases if _is_green(state)]
    if len(greens) < 2:
        return phases
    result: list[tuple[str, float]] = []
    for index, (state, duration) in enumerate(greens):
        following = greens[(index + 1) % len(greens)][0]
        lead = "".join("r" if c == "g" else c for c in state)
        previous = greens[index - 1][0]
        starts = any(c in GREEN and p not in GREEN for c, p in zip(state, previous, strict=True))
        if lead != state and any(c in GREEN for c in lead) and starts:
            result.append((lead, LEAD))
            duration = max(5.0, duration - LEAD)
        result.append((state, duration))
        yellow = "".join(
            c if c in GREEN and n in GREEN else "y" if c in GREEN else "r"
            for c, n in zip(state, following, strict=True)
        )
        if yellow != state:
            result.append((yellow, 4.0 if index % 2 == 0 else 5.0))
        red = "".join(
            c if c in GREEN and n in GREEN else "r" for c, n in zip(state, following, strict=True)
        )
        gains = any(n in GREEN and c not in GREEN for c, n in zip(state, following, strict=True))
        if gains:
            result.append((red, ALL_RED))
    return result


def with_odd_links(phases: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Link 0 switched off (``O``: no signal, the junction's right of way applies) and the
    last link green in every phase (a free-flowing movement), as real programmes have."""
    return [("O" + state[1:-1] + "G", duration) for state, duration in phases]


def write_handmade(net: Path, output: Path, *, odd_links: bool = False) -> Path:
    """An additional file with a hand-made, active programme for every light of ``net``.

    Each light also gets an inactive ``night`` programme first; SUMO runs the programme
    loaded last, the hand-made ``city`` one. With ``odd_links`` the first light has a link
    that is always off and one that is always green.
    """
    root = ET.Element("additional")
    for number, logic in enumerate(ET.parse(net).getroot().iter("tlLogic")):
        phases = [(p.get("state", ""), float(p.get("duration", "0"))) for p in logic.iter("phase")]
        city = handmade_phases(phases)
        if odd_links and number == 0:
            city = with_odd_links(city)
        for program, chosen in (("night", phases), ("city", city)):
            element = ET.SubElement(
                root, "tlLogic", id=logic.get("id", ""), type="static", programID=program
            )
            element.set("offset", "0")
            for state, duration in chosen:
                ET.SubElement(element, "phase", duration=f"{duration:g}", state=state)
    ET.indent(root)
    ET.ElementTree(root).write(output, encoding="utf-8", xml_declaration=True)
    return output
