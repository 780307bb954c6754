"""Timings fitted to a junction: yellow, all-red, min and max green from its phase set.

The rules, for every key the configuration leaves unset (None):

- yellow: the programme's longest yellow (a city's 4-5 s stays 4-5 s), else 3 s;
- all-red: between two greens the programme shows in sequence, the all-red it shows there;
  between any other pair, its longest all-red where a movement starts (none where only
  movements end);
- min green, per green: `MIN_GREEN_SHARE` of the seconds the programme gives that green,
  within [`MIN_GREEN_FLOOR`, `MIN_GREEN_CAP`]: a 30-40 s through green gets a longer
  minimum than a 6 s protected left, so strategies that decide every few seconds cannot
  switch a junction into spending its time on yellow. The numbers were chosen on training
  seeds (README, "Timing defaults");
- max green: the configured one (60 s), never below a green's min green.

A configured value applies to every green of every junction.
"""

from __future__ import annotations

from .config import EnvConfig
from .phases import GREEN, PhaseSet
from .signal import DEFAULT_YELLOW, Timing

MIN_GREEN_FLOOR = 5.0
MIN_GREEN_CAP = 15.0
MIN_GREEN_SHARE = 0.4


def derived_min_green(phases: PhaseSet) -> tuple[float, ...]:
    """Per green: its share of the programme's green time, within floor and cap."""
    return tuple(
        min(MIN_GREEN_CAP, max(MIN_GREEN_FLOOR, round(MIN_GREEN_SHARE * seconds)))
        for seconds in phases.durations
    )


def _starts_movement(source: str, target: str) -> bool:
    return any(
        after in GREEN and before not in GREEN for before, after in zip(source, target, strict=True)
    )


def derived_clearances(phases: PhaseSet) -> dict[tuple[int, int], float]:
    """All-red seconds between every ordered pair of greens (see the module's rules)."""
    greens = phases.greens
    return {
        (a, b): phases.clearances.get(
            (a, b), phases.all_red if _starts_movement(greens[a], greens[b]) else 0.0
        )
        for a in range(len(greens))
        for b in range(len(greens))
        if a != b
    }


def timing_for(phases: PhaseSet, config: EnvConfig) -> Timing:
    """The timing of one junction under ``config``."""
    explicit_red = config.all_red is not None
    return Timing(
        yellow=config.yellow_time
        if config.yellow_time is not None
        else phases.yellow or DEFAULT_YELLOW,
        all_red=float(config.all_red or 0.0) if explicit_red else phases.all_red,
        min_green=config.min_green if config.min_green is not None else derived_min_green(phases),
        max_green=config.max_green,
        clearances={} if explicit_red else derived_clearances(phases),
    )
