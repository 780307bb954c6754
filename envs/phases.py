"""Phase sets: the greens a junction's decisions choose among, read from its programmes.

Config key ``phases``:

- ``own``: the greens of the programme the light runs (the last one loaded for it: net,
  then additional files). Hand-made city programmes hold short transitional greens (a
  movement released two seconds early, one held two seconds longer); a green shorter than
  `TRANSITIONAL_LIMIT` whose movements all have green in some other green is part of a
  transition, not a decision. A short green that alone serves some movement (a protected
  left) stays a decision.
- ``rebuilt``: the greens of the programme SUMO builds for the junction itself
  (``netconvert --tls.rebuild`` on a copy of the net: SUMO's own conflict analysis),
  translated to the net's link indices through the connections both nets share. A light
  whose links cannot all be matched keeps its own greens (the set's ``source`` says so).

Each set also carries what its programme says about clearance: the longest time any link
shows yellow, the all-red between consecutive greens, and each green's own duration and
(for actuated programmes) its minDur and maxDur, from which timings are derived.
"""

from __future__ import annotations

import dataclasses
import functools
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stopline.scenarios import Scenario
from stopline.scenarios.derived import rebuilt_net
from stopline.scenarios.xmlfiles import elements

from .errors import ConfigError

PHASE_SETS = ("own", "rebuilt")
# Greens shorter than this (s) are transitional when other greens serve all their movements.
TRANSITIONAL_LIMIT = 5.0
GREEN = frozenset("Ggs")
YELLOW = frozenset("yYu")


def is_green_state(state: str) -> bool:
    """A phase is a green phase if it shows no yellow and gives someone green."""
    return not any(char in YELLOW for char in state) and any(char in GREEN for char in state)


def _all_red(phases: Sequence[Phase]) -> Callable[[str], bool]:
    """Whether a state is an all-red (clearance) phase of ``phases``: no yellow, and green
    only for links that are green in every phase (free-flowing movements)."""
    always = frozenset.intersection(*(green_links(p.state) for p in phases)) if phases else None
    return lambda state: (
        not any(c in YELLOW for c in state) and green_links(state) <= (always or frozenset())
    )


def green_links(state: str) -> frozenset[int]:
    """Link indices with green (priority or not) in ``state``."""
    return frozenset(index for index, char in enumerate(state) if char in GREEN)


@dataclass(frozen=True)
class Phase:
    """One phase of a SUMO programme."""

    state: str
    duration: float
    min_dur: float | None = None
    max_dur: float | None = None


def starts_movement(source: str, target: str) -> bool:
    """Whether going from state ``source`` to ``target`` gives some link green it did not
    have: an all-red clearance is owed before it (none where movements only end)."""
    return any(
        after in GREEN and before not in GREEN for before, after in zip(source, target, strict=True)
    )


@dataclass(frozen=True)
class PhaseSet:
    """The decision greens of one light and what its programme says about them.

    Attributes:
        junction: the traffic-light id.
        greens: decision green states, in programme order.
        durations: seconds each green gets per cycle in the programme (transitional greens
            counted with the green they belong to).
        min_durations, max_durations: the programme's minDur/maxDur per green, when it is
            an actuated programme that sets them.
        yellow: the longest time any link shows yellow in the programme (None: no yellow).
        all_red: the longest all-red of the programme (0 if none).
        clearances: all-red seconds the programme shows between consecutive greens (a, b).
        source: ``own`` or ``rebuilt``, or why a light fell back to its own greens.
        net: the network file the light's links are in (their geometry gives intergreens,
            `stopline.envs.intergreens`); None for a set made by hand.
    """

    junction: str
    greens: tuple[str, ...]
    durations: tuple[float, ...]
    yellow: float | None = None
    all_red: float = 0.0
    clearances: Mapping[tuple[int, int], float] = field(default_factory=dict)
    min_durations: tuple[float, ...] | None = None
    max_durations: tuple[float, ...] | None = None
    source: str = "own"
    net: Path | None = None

    @property
    def controllable(self) -> bool:
        """Whether there is anything to decide: a light with one green runs by itself."""
        return len(self.greens) >= 2


# -- reading programmes ------------------------------------------------------------------


def _phase(element: ET.Element) -> Phase:
    bounds = [element.get(key) for key in ("minDur", "maxDur")]
    return Phase(
        element.get("state", ""),
        float(element.get("duration", "0")),
        *(float(value) if value is not None else None for value in bounds),
    )


def read_programmes(paths: Iterable[Path]) -> dict[str, tuple[Phase, ...]]:
    """Each light's programme as SUMO starts it: the last one loaded (net, then additionals)."""
    found: dict[str, tuple[Phase, ...]] = {}
    for path in paths:
        for element in elements(path):
            if element.tag == "tlLogic":
                found[element.get("id", "")] = tuple(_phase(p) for p in element.iter("phase"))
                element.clear()
    return found


def _longest_run(phases: Sequence[Phase], hit: Callable[[Phase], bool]) -> float:
    """Longest cyclic run of consecutive phases for which ``hit`` holds, in seconds."""
    flags = [hit(phase) for phase in phases]
    if flags and all(flags):
        return sum(phase.duration for phase in phases)
    best = run = 0.0
    for phase, flag in zip([*phases, *phases], flags + flags, strict=True):
        run = run + phase.duration if flag else 0.0
        best = max(best, run)
    return best


def _yellow(phases: Sequence[Phase]) -> float | None:
    """The longest time any one link shows yellow (a yellow may span several phases)."""
    width = len(phases[0].state) if phases else 0
    longest = max((_longest_run(phases, _shows_yellow(link)) for link in range(width)), default=0.0)
    return longest or None


def _shows_yellow(link: int) -> Callable[[Phase], bool]:
    return lambda phase: phase.state[link] in YELLOW


def decision_set(junction: str, phases: Sequence[Phase], source: str = "own") -> PhaseSet:
    """The decision greens of a programme, transitional greens folded into their neighbours."""
    is_all_red = _all_red(phases)
    order = [
        i
        for i, phase in enumerate(phases)
        if is_green_state(phase.state) and not is_all_red(phase.state)
    ]
    states = list(dict.fromkeys(phases[i].state for i in order))
    longest = {s: max(phases[i].duration for i in order if phases[i].state == s) for s in states}
    kept = set(states)
    if any(seconds >= TRANSITIONAL_LIMIT for seconds in longest.values()):
        for state in sorted(states, key=lambda s: longest[s]):
            if longest[state] >= TRANSITIONAL_LIMIT:
                break
            others = frozenset().union(*(green_links(s) for s in kept if s != state))
            if green_links(state) <= others:
                kept.discard(state)
    greens = tuple(s for s in states if s in kept)
    durations, clearances = _walk_cycle(phases, greens, is_all_red)
    first = [next(phases[i] for i in order if phases[i].state == s) for s in greens]
    low = [phase.min_dur for phase in first]
    high = [phase.max_dur for phase in first]
    actuated = bool(first) and all(value is not None for value in [*low, *high])
    return PhaseSet(
        junction,
        greens,
        durations,
        yellow=_yellow(phases),
        all_red=_longest_run(phases, lambda p: is_all_red(p.state)),
        clearances=clearances,
        min_durations=tuple(float(v or 0) for v in low) if actuated else None,
        max_durations=tuple(float(v or 0) for v in high) if actuated else None,
        source=source,
    )


def _walk_cycle(
    phases: Sequence[Phase], greens: Sequence[str], is_all_red: Callable[[str], bool]
) -> tuple[tuple[float, ...], dict[tuple[int, int], float]]:
    """Seconds per cycle of each decision green, and the all-red between consecutive ones.

    A transitional green counts with the green it trails (its movements are a subset of
    that green's), else with the green it leads into.
    """
    index = {state: number for number, state in enumerate(greens)}
    durations = [0.0] * len(greens)
    clearances: dict[tuple[int, int], float] = {}
    start = next((i for i, phase in enumerate(phases) if phase.state in index), None)
    if start is None:
        return tuple(durations), clearances
    current, red, leading = index[phases[start].state], 0.0, 0.0
    for step in range(len(phases)):
        phase = phases[(start + step) % len(phases)]
        if phase.state in index:
            target = index[phase.state]
            if target != current:
                clearances[current, target] = red
            current, red = target, 0.0
            durations[current] += phase.duration + leading
            leading = 0.0
        elif is_all_red(phase.state):
            red += phase.duration
        elif is_green_state(phase.state):
            if green_links(phase.state) <= green_links(greens[current]) and not red:
                durations[current] += phase.duration
            else:
                leading += phase.duration
    durations[index[phases[start].state]] += leading
    if current != index[phases[start].state]:
        clearances[current, index[phases[start].state]] = red
    return tuple(durations), clearances


# -- the rebuilt set ---------------------------------------------------------------------

Connection = tuple[str, str, str, str]  # from edge, to edge, from lane, to lane


def _signal_indices(net: Path) -> dict[str, dict[Connection, int]]:
    """Per light, each controlled connection's link index."""
    found: dict[str, dict[Connection, int]] = {}
    for element in elements(net):
        if element.tag == "connection" and element.get("tl"):
            get = element.get
            key = (get("from", ""), get("to", ""), get("fromLane", ""), get("toLane", ""))
            found.setdefault(get("tl", ""), {})[key] = int(get("linkIndex", "-1"))
    return found


def _translate(
    phases: Sequence[Phase], own: Mapping[Connection, int], rebuilt: Mapping[Connection, int]
) -> tuple[Phase, ...] | None:
    """Rebuilt phases with states in the net's own link indices; None if a link is unmatched."""
    width = max(own.values(), default=-1) + 1
    source: dict[int, int] = {}
    for connection, index in own.items():
        if connection not in rebuilt:
            return None
        source.setdefault(index, rebuilt[connection])
    if len(source) != width or any(j >= len(phases[0].state) for j in source.values()):
        return None
    return tuple(
        Phase(
            "".join(phase.state[source[i]] for i in range(width)),
            phase.duration,
            phase.min_dur,
            phase.max_dur,
        )
        for phase in phases
    )


@functools.cache
def rebuilt_programmes(net: Path, kind: str = "actuated") -> dict[str, tuple[Phase, ...]]:
    """The programme SUMO builds for each light of ``net`` (``netconvert --tls.rebuild
    --tls.default-type KIND``), its states in ``net``'s own link indices. Lights whose
    links do not all match are left out."""
    rebuilt = rebuilt_net(net, kind)
    own_links, new_links = _signal_indices(net), _signal_indices(rebuilt)
    translated = {}
    for junction, phases in read_programmes([rebuilt]).items():
        if phases and junction in own_links:
            ours = _translate(phases, own_links[junction], new_links.get(junction, {}))
            if ours is not None:
                translated[junction] = ours
    return translated


def _rebuilt_sets(net: Path, own: Mapping[str, PhaseSet]) -> dict[str, PhaseSet]:
    programmes = rebuilt_programmes(net)
    sets = {}
    for junction, fallback in own.items():
        translated = programmes.get(junction)
        if translated is None:
            reason = "own greens: SUMO's rebuilt programme does not match the net's links"
            sets[junction] = dataclasses.replace(fallback, source=reason)
        else:
            sets[junction] = decision_set(junction, translated, source="rebuilt")
    return sets


@functools.cache
def _phase_sets(net: Path, additionals: tuple[Path, ...], kind: str) -> dict[str, PhaseSet]:
    programmes = read_programmes([net, *additionals])
    own = {junction: decision_set(junction, phases) for junction, phases in programmes.items()}
    sets = own if kind == "own" else _rebuilt_sets(net, own)
    return {junction: dataclasses.replace(found, net=net) for junction, found in sets.items()}


def check_kind(kind: object) -> None:
    """Refuse a phase-set name that is not one of `PHASE_SETS`."""
    if kind not in PHASE_SETS:
        raise ConfigError(f"config phases must be one of {', '.join(PHASE_SETS)}, not {kind!r}")


def phase_sets(scenario: Scenario, kind: str) -> dict[str, PhaseSet]:
    """Every light's phase set of the given kind (``own`` or ``rebuilt``), by light id."""
    check_kind(kind)
    return _phase_sets(scenario.net_file, tuple(scenario.additional_files), kind)


def controllable(scenario: Scenario, kind: str) -> tuple[str, ...]:
    """The lights with something to decide (two greens or more), sorted."""
    return tuple(
        j for j, phases in sorted(phase_sets(scenario, kind).items()) if phases.controllable
    )
