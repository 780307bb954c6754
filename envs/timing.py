"""Timings fitted to a junction: yellow, all-red, min and max green from its phase set.

The rules, for every key the configuration leaves unset (None):

- yellow: the programme's longest yellow (a city's 4-5 s stays 4-5 s), else 3 s;
- all-red: between two greens the programme shows in sequence, the all-red it shows there;
  between any other pair, its longest all-red where a movement starts (none where only
  movements end);
- (with ``intergreens = "geometry"``, yellow and all-red are ITE's from the junction's
  geometry, `stopline.envs.intergreens`, or the programme's where that is longer);
- min green: at least `MIN_GREEN_FLOOR` (5 s) and at least the junction's clearance (its
  yellow plus its longest all-red), so a strategy that decides every few seconds never
  spends more of a junction's time on clearing it than on serving it: 5 s behind SUMO's
  3 s yellows, 7 s behind a city's 5 s yellow and 2 s all-red. Chosen on training seeds
  against a per-green share of the programme's greens (README, "Timing defaults", and
  `stopline.experiments.studies.timing_study`);
- pedestrians: a green that shows a crossing green is at least walk plus flashing
  don't-walk long (`stopline.envs.pedestrians`), whatever the rule or configuration says;
- max green: the configured one (60 s), never below a green's min green.

A configured value applies to every green of every junction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .config import DEFAULT_YELLOW, MIN_GREEN_FLOOR, EnvConfig
from .intergreens import geometry_intergreens
from .pedestrians import pedestrian_min_greens
from .phases import PhaseSet, starts_movement
from .signal import Timing

MinGreenRule = Callable[
    [PhaseSet, float, Mapping[tuple[int, int], float]], float | tuple[float, ...]
]


def clearance_min_green(
    phases: PhaseSet, yellow: float, clearances: Mapping[tuple[int, int], float]
) -> float:
    """The floor, or the junction's yellow plus its longest all-red if that is longer."""
    return max(MIN_GREEN_FLOOR, yellow + max(clearances.values(), default=0.0))


def flat_min_green(
    phases: PhaseSet, yellow: float, clearances: Mapping[tuple[int, int], float]
) -> float:
    """The floor everywhere: the default before rules were derived."""
    return MIN_GREEN_FLOOR


def share_min_green(
    phases: PhaseSet, yellow: float, clearances: Mapping[tuple[int, int], float]
) -> tuple[float, ...]:
    """Per green, 40 % of the seconds the programme gives it, within 5-15 s."""
    return tuple(min(15.0, max(5.0, round(0.4 * seconds))) for seconds in phases.durations)


# The min-green rules by the name `EnvConfig.min_green_rule` takes; ``clearance`` is the
# default, chosen on training seeds against the others
# (`stopline.experiments.studies.timing_study`).
MIN_GREEN_RULES: dict[str, MinGreenRule] = {
    "clearance": clearance_min_green,
    "flat": flat_min_green,
    "share": share_min_green,
}


def derived_clearances(phases: PhaseSet) -> dict[tuple[int, int], float]:
    """All-red seconds between every ordered pair of greens (see the module's rules)."""
    greens = phases.greens
    return {
        (a, b): phases.clearances.get(
            (a, b), phases.all_red if starts_movement(greens[a], greens[b]) else 0.0
        )
        for a in range(len(greens))
        for b in range(len(greens))
        if a != b
    }


def timing_for(phases: PhaseSet, config: EnvConfig) -> Timing:
    """The timing of one junction under ``config``."""
    own_yellow = DEFAULT_YELLOW if phases.yellow is None else phases.yellow
    clearances = derived_clearances(phases)
    all_red = phases.all_red
    if config.intergreens == "geometry":
        # Never shorter than the junction's own programme: an engineer's 5 s yellow or
        # 2 s all-red stays where ITE's rule asks less.
        ite_yellow, ite_clearances = geometry_intergreens(phases)
        own_yellow = ite_yellow if phases.yellow is None else max(phases.yellow, ite_yellow)
        clearances = {
            pair: max(seconds, ite_clearances.get(pair, 0.0))
            for pair, seconds in clearances.items()
        }
        all_red = max(clearances.values(), default=0.0)
    yellow = config.yellow_time if config.yellow_time is not None else own_yellow
    if config.all_red is not None:  # one value after every yellow
        all_red = float(config.all_red)
        clearances = dict.fromkeys(clearances, all_red)
    minimum = config.min_green
    vehicles = (
        minimum
        if minimum is not None
        else MIN_GREEN_RULES[config.min_green_rule](phases, yellow, clearances)
    )
    return Timing(
        yellow=yellow,
        all_red=all_red,
        min_green=_with_pedestrians(vehicles, pedestrian_min_greens(phases)),
        max_green=config.max_green,
        clearances=clearances,
    )


def _with_pedestrians(
    vehicles: float | tuple[float, ...], walkers: tuple[float | None, ...]
) -> float | tuple[float, ...]:
    """The min green per green: the vehicle rule's, raised where a crossing needs longer."""
    if all(need is None for need in walkers):
        return vehicles
    per_green = [vehicles] * len(walkers) if isinstance(vehicles, int | float) else vehicles
    return tuple(
        own if need is None else max(own, need)
        for own, need in zip(per_green, walkers, strict=True)
    )
