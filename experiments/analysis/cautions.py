"""What a reader must know before trusting a row: a strategy that gridlocked, a policy
trained far below its network's budget or one that loses to its own teacher. Said under
the comparison in the terminal, in summary.md and in the report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from stopline.agents import AgentError
from stopline.agents.hyperparameters import default_budget
from stopline.agents.models import read_config, shortfall
from stopline.experiments.analysis.summary import ComparisonRow, gridlock
from stopline.scenarios import naming

# A policy trained on less than this share of the default budget for its network's size is
# called short-trained: its figures say little of what the algorithm reaches there.
SHORT_BUDGET = 0.5


def cautions(table: Sequence[ComparisonRow], models: Mapping[str, str]) -> list[str]:
    """One sentence per caution: gridlocked rows, then each trained model's."""
    said = []
    stuck: dict[tuple[str, float], list[str]] = {}
    for row in table:
        signs = gridlock(row)
        if signs:
            stuck.setdefault((row.scenario, row.demand_scale), []).append(
                f"{row.controller} ({signs})"
            )
    for (scenario, scale), named in stuck.items():
        said.append(
            f"gridlock on {naming.slug(scenario)} x{scale:g}: {'; '.join(named)}. Their delay "
            "and their junctions' control delay count only the vehicles that got through; "
            "their junctions are not graded"
        )
    for label, folder in models.items():
        said += model_cautions(label, Path(folder))
    return said


def model_cautions(label: str, folder: Path) -> list[str]:
    """A trained model's budget against its network's default, and its standing against
    its teacher on the validation seeds (from its ``config.json``)."""
    try:
        config = read_config(folder)
    except AgentError:
        return []
    said = []
    budget = int(config.get("timesteps") or 0)
    default = default_budget(len(config.get("layout", {})) or 1)
    if budget < SHORT_BUDGET * default:
        said.append(
            f"{label}: trained {budget:,} decisions, {100 * budget / default:.0f} % of the "
            f"{default:,} a network of its size gets from stopline train: a short run"
        )
    lost = shortfall(config["validation"]) if config.get("validation") else None
    if lost:
        said.append(f"{label}: {lost}")
    return said
