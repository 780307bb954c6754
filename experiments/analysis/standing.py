"""Where a trained policy stands: its teacher, its clone and the model kept, as `train`
prints them from ``config.json``; a policy that loses to its teacher is told as a warning."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from stopline.agents.models import clone_drove, seed_list, shortfall


def tell_standing(config: Mapping[str, Any]) -> None:
    """Print the warm start's and the validation's figures; warn on a loss to the teacher."""
    warm = config.get("warm_start")
    if warm:
        candidates = warm["candidates"].items()
        others = ", ".join(f"{n} {d:.1f}" for n, d in candidates if n != warm["teacher"])
        print(
            f"teacher:        {warm['teacher']}, {warm['teacher_delay']:.1f} s on validation "
            f"seeds{f' ({others})' if others else ''}"
        )
        drove = clone_drove(warm)
        print(
            f"clone:          acts as the teacher at {100 * warm['agreement']:.0f} % of "
            f"{warm['samples']:,} decisions (seeds {seed_list(warm['demonstration_seeds'])} "
            f"the teacher drove{f'; {drove} the clone drove' if drove else ''})"
        )
        if drove:
            agreed = ", then ".join(f"{100 * r['agreement_driving']:.0f} %" for r in warm["dagger"])
            print(f"clone drove:    the teacher's green at {agreed} of its own decisions")
    validation = config.get("validation")
    if validation:
        print(
            f"kept:           {validation['kept']}, {validation['kept_delay']:.1f} s on "
            f"validation seeds {seed_list(validation['seeds'])} (of "
            + ", ".join(f"{name} {delay:.1f}" for name, delay in validation["delays"].items())
            + ")"
        )
        lost = shortfall(validation)
        if lost:
            print(f"stopline: warning: {lost}", file=sys.stderr)
