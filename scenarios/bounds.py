"""The range of every number a user gives Stopline, in one table (`BOUNDS`).

It lives in the bottom layer so that every layer checks against the same table: demand
scales, seeds and counts here, signal timings in `stopline.envs.config`, training settings
and hyper-parameters in `stopline.agents.training`, worker counts on the command line. A
number outside its bound is refused in one line before anything runs: far outside, SUMO
or a library fails late or never ends (a demand scale of 1e300 builds forever, a seed
above 2**31 overflows SQLite and then SUMO).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Bound:
    """``low`` to ``high`` (``low`` itself excluded if ``above``), whole numbers if
    ``whole``."""

    low: float
    high: float
    whole: bool = False
    above: bool = False

    def holds(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.whole and not isinstance(value, int):
            return False
        if not math.isfinite(value) or value > self.high:
            return False
        return value > self.low if self.above else value >= self.low

    def describe(self) -> str:
        """The bound as the refusal says it: "a number > 0 and at most 10"."""
        kind = "a whole number" if self.whole else "a number"
        low, high = _number(self.low), _number(self.high)
        if self.above:
            return f"{kind} > {low} and at most {high}"
        return f"{kind} from {low} to {high}"


def _number(value: float) -> str:
    """Every digit of a whole number (2147483647, not 2.14748e+09)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# Where no reason is given, the bound is far beyond any sensible use and only keeps a typo
# from running for hours.
BOUNDS: dict[str, Bound] = {
    # Demand: ten times a network's demand saturates every built-in many times over.
    "demand scale": Bound(0, 10, above=True),
    "seed": Bound(0, 2**31 - 1, whole=True),  # SUMO's seed is a 32-bit signed integer
    # A counted flow, per hour: ten lanes at a saturation flow of 2,000 vehicles an hour.
    "count per hour": Bound(0, 20_000),
    # Signal timings, seconds. Yellows and all-reds of hand-made programmes run to 4-6 s.
    "min_green": Bound(0, 300, above=True),
    "max_green": Bound(0, 600, above=True),
    "yellow_time": Bound(0, 10),
    "all_red": Bound(0, 10),
    "delta_time": Bound(0, 300, above=True),
    # Input files, bytes: the longest shipped spec is 2 kB; helsinki's counts 30 kB.
    "spec file": Bound(0, 1_000_000, whole=True),
    "counts file": Bound(0, 100_000_000, whole=True),
    # Workers and threads: a machine's cores, with room to spare.
    "envs": Bound(1, 256, whole=True),
    "torch_threads": Bound(1, 256, whole=True),
    "jobs": Bound(1, 256, whole=True),
    "timesteps": Bound(1, 100_000_000, whole=True),
    # Hyper-parameters, by stable-baselines3's names (its own rules: PPO needs batches of
    # two or more, rollouts of two or more decisions).
    "learning_rate": Bound(0, 1, above=True),
    "gamma": Bound(0, 1, above=True),
    "gae_lambda": Bound(0, 1),
    "clip_range": Bound(0, 1, above=True),
    "ent_coef": Bound(0, 1),
    "vf_coef": Bound(0, 10),
    "max_grad_norm": Bound(0, 1000, above=True),
    "n_steps": Bound(2, 1_000_000, whole=True),
    "batch_size": Bound(2, 1_000_000, whole=True),
    "n_epochs": Bound(1, 1000, whole=True),
    "buffer_size": Bound(1, 100_000_000, whole=True),
    "learning_starts": Bound(0, 100_000_000, whole=True),
    "train_freq": Bound(1, 1_000_000, whole=True),
    "target_update_interval": Bound(1, 100_000_000, whole=True),
    "exploration_fraction": Bound(0, 1),
    "exploration_final_eps": Bound(0, 1),
}


class BoundError(ValueError):
    """A number outside its bound; the message names it, its bound and the value."""


def check(name: str, value: object) -> float:
    """``value`` if it lies within ``BOUNDS[name]``, else `BoundError` saying
    "NAME must be BOUND, got VALUE"."""
    bound = BOUNDS[name]
    if not bound.holds(value):
        raise BoundError(f"{name} must be {bound.describe()}, got {value!r}")
    return value  # type: ignore[return-value]


def check_size(path: Path, name: str) -> None:
    """Refuse (`BoundError`) an input file larger than ``BOUNDS[name]`` bytes, before it is
    read: "PATH: 2.1 GB, more than a NAME can be (at most 1 MB)"."""
    size = path.stat().st_size
    if not BOUNDS[name].holds(size):
        limit = BOUNDS[name].high
        raise BoundError(
            f"{path}: {_bytes(size)}, more than a {name} can be (at most {_bytes(limit)})"
        )


def _bytes(count: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{count:g} bytes"
