"""Environment configuration: every key, its default and its check, in one place."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from stopline.scenarios import bounds

from .errors import ConfigError
from .phases import check_kind

# The timing defaults every signal shares (docs/design.md); `EnvConfig` and `Timing` read them.
DEFAULT_DELTA_TIME = 5.0
DEFAULT_YELLOW = 3.0  # where the phase set's programme shows none
MIN_GREEN_FLOOR = 5.0  # the shortest green a min-green rule (`timing.MIN_GREEN_RULES`) gives
DEFAULT_MAX_GREEN = 60.0

# Where yellow and all-red come from (`EnvConfig.intergreens`, `stopline.envs.timing`).
INTERGREENS = ("programme", "geometry")

ActionMode = Literal["phase", "cycle"]
PhaseSetName = Literal["own", "rebuilt"]
Backend = Literal["libsumo", "traci"]


@dataclass(frozen=True)
class EnvConfig:
    """How an environment drives SUMO.

    Attributes:
        observation: name in `stopline.envs.OBSERVATIONS`.
        reward: name in `stopline.envs.REWARDS`.
        action_mode: ``"phase"`` (choose any green) or ``"cycle"`` (keep or advance in order).
        delta_time: seconds of simulation between decisions.
        phases: the phase set decisions choose among: ``"own"`` (the programme's greens,
            transitional greens folded in) or ``"rebuilt"`` (the greens of the programme
            SUMO builds itself for the junction); see `stopline.envs.phases`.
        yellow_time: yellow seconds; None takes the ``intergreens`` rule's (the programme's
            longest yellow, else 3; or ITE's from the approach speeds).
        all_red: all-red seconds after each yellow; None takes the ``intergreens`` rule's
            between each pair of greens (see `stopline.envs.timing`).
        intergreens: where yellow and all-red come from where ``yellow_time`` and
            ``all_red`` are None: ``programme`` (default: what the phase set's programme
            shows) or ``geometry`` (ITE's change and clearance intervals from each link's
            speed and path through the junction, `stopline.envs.intergreens`; the
            programme's where they are longer).
        min_green: shortest green, seconds; None derives it from the junction's clearance
            (``min_green_rule``).
        max_green: longest green, seconds; then the next green in programme order follows.
        gui: open ``sumo-gui`` (implies the TraCI backend).
        backend: ``"libsumo"`` (in-process, fast) or ``"traci"``.
        sumo_options: extra SUMO command-line words; file lists merge with the scenario's.
        observe_only: SUMO runs the junctions' own programmes; actions are ignored, and
            observations, rewards and measurements are produced as usual.
        min_green_rule: how min green is derived where ``min_green`` is None, by name in
            `stopline.envs.timing.MIN_GREEN_RULES`: ``clearance`` (default: at least 5 s
            and the junction's yellow plus longest all-red), ``flat`` (5 s), ``share``
            (40 % of the programme's green, 5-15 s).
        spillback_guard: in ``phase`` mode, a policy may not choose a green none of whose
            movements has an exit with room (`stopline.envs.spaces.action_mask`): the rule
            the network strategies follow under congestion, as an action mask. Off by
            default: it did not stop the gridlock it was built against (README, "At peak
            demand").
    """

    observation: str = "movable"
    reward: str = "diff-waiting-time"
    action_mode: ActionMode = "phase"
    delta_time: float = DEFAULT_DELTA_TIME
    phases: PhaseSetName = "rebuilt"
    yellow_time: float | None = None
    all_red: float | None = None
    min_green: float | None = None
    max_green: float = DEFAULT_MAX_GREEN
    gui: bool = False
    backend: Backend = "libsumo"
    sumo_options: tuple[str, ...] = ()
    observe_only: bool = False
    spillback_guard: bool = False
    min_green_rule: str = "clearance"
    intergreens: str = "programme"

    def __post_init__(self) -> None:
        # None: derived per junction (min green) or taken from its programme.
        for key in ("delta_time", "min_green", "max_green", "yellow_time", "all_red"):
            value = getattr(self, key)
            if value is None and key in ("min_green", "yellow_time", "all_red"):
                continue
            try:
                bounds.check(key, value)
            except bounds.BoundError as error:
                raise ConfigError(f"config {error}") from None
        # A derived min green is at least the floor: a shorter max green could never be met.
        floor = self.min_green or MIN_GREEN_FLOOR
        if self.max_green < floor:
            what = "min_green" if self.min_green else "the shortest min green"
            raise ConfigError(
                f"config max_green must be >= {what} ({floor:g}), got {self.max_green!r}"
            )
        check_kind(self.phases)
        from .timing import MIN_GREEN_RULES  # timing reads this module: imported here

        if self.min_green_rule not in MIN_GREEN_RULES:
            raise ConfigError(
                f"config min_green_rule must be one of {', '.join(MIN_GREEN_RULES)}, "
                f"not {self.min_green_rule!r}"
            )
        if self.intergreens not in INTERGREENS:
            raise ConfigError(
                f"config intergreens must be one of {', '.join(INTERGREENS)}, "
                f"not {self.intergreens!r}"
            )
        for key in ("gui", "observe_only", "spillback_guard"):
            if not isinstance(getattr(self, key), bool):
                raise ConfigError(f"config {key} must be true or false, not {getattr(self, key)!r}")
        if self.action_mode not in ("phase", "cycle"):
            raise ConfigError(
                f"config action_mode must be 'phase' or 'cycle', not {self.action_mode!r}"
            )
        if self.backend not in ("libsumo", "traci"):
            raise ConfigError(f"config backend must be 'libsumo' or 'traci', not {self.backend!r}")
        if isinstance(self.sumo_options, str) or not all(
            isinstance(word, str) for word in self.sumo_options
        ):
            raise ConfigError("config sumo_options must be a list of strings")
        object.__setattr__(self, "sumo_options", tuple(self.sumo_options))

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> EnvConfig:
        """Build from keyword configuration, naming any unknown key and the allowed ones."""
        allowed = [field.name for field in dataclasses.fields(cls)]
        unknown = sorted(set(config) - set(allowed))
        if unknown:
            raise ConfigError(f"unknown config key {unknown[0]!r}; allowed: {', '.join(allowed)}")
        return cls(**config)


def default_config() -> dict[str, Any]:
    """Every configuration key with its default value."""
    return dataclasses.asdict(EnvConfig())
