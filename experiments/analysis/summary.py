"""The comparison: each controller's mean with a 95 % CI, and its paired difference against
the reference controller on the same seeds, with CI and win rate; and each learned policy
paired against the best classical strategy of its scenario and scale."""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from math import nan
from pathlib import Path
from typing import Any

from stopline.experiments.analysis.statistics import mean_ci
from stopline.experiments.runs.store import write_rows
from stopline.measures.catalogue import BY_NAME, HEADLINE, METRICS, TABLE


@dataclass(frozen=True)
class ComparisonRow:
    """One controller on one scenario and demand scale: the headline delay with its CI and
    paired against the reference, and every other catalogue metric's mean over the runs
    (`measures.catalogue`; NaN where a run stored before Stopline measured it lacks it)."""

    scenario: str
    demand_scale: float
    controller: str
    runs: int
    failed: int
    mean_delay: float
    delay_ci: float
    means: dict[str, float]
    delay_vs_reference: float
    difference_ci: float
    win_rate: float

    def mean(self, name: str) -> float:
        """A catalogue metric's mean over the runs, the headline delay included."""
        return self.mean_delay if name == HEADLINE.name else self.means[name]


def compare(
    rows: Sequence[dict[str, Any]], reference: str, order: Sequence[str] = ()
) -> list[ComparisonRow]:
    """Summarise stored runs (as `store.load_rows` gives them): per scenario and scale, the
    reference first, then the controllers in ``order`` (the spec's), then the rest."""
    groups: dict[tuple[str, float, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["scenario"], row["demand_scale"], row["controller"]].append(row)
    table = []
    for (scenario, scale, controller), members in sorted(groups.items()):
        done = [row for row in members if row["status"] == "done"]
        if not done:
            continue
        base = {
            row["seed"]: row["mean_delay"]
            for row in groups.get((scenario, scale, reference), [])
            if row["status"] == "done"
        }
        paired = [row["mean_delay"] - base[row["seed"]] for row in done if row["seed"] in base]
        difference, difference_ci = mean_ci(paired) if paired else (nan, nan)
        delay, delay_ci = mean_ci([row["mean_delay"] for row in done])

        table.append(
            ComparisonRow(
                scenario=scenario,
                demand_scale=scale,
                controller=controller,
                runs=len(done),
                failed=len(members) - len(done),
                mean_delay=delay,
                delay_ci=delay_ci,
                means={
                    metric.name: _average(done, metric.name)
                    for metric in METRICS
                    if metric is not HEADLINE
                },
                delay_vs_reference=difference,
                difference_ci=difference_ci,
                win_rate=sum(d < 0 for d in paired) / len(paired) if paired else nan,
            )
        )
    ranks = {name: rank for rank, name in enumerate([reference, *order])}
    return sorted(
        table,
        key=lambda row: (
            row.scenario,
            row.demand_scale,
            ranks.get(row.controller, len(ranks)),
            row.controller,
        ),
    )


def _average(runs: Sequence[dict[str, Any]], key: str) -> float:
    """The mean of ``key`` over the runs; NaN where a run stored before Stopline measured it
    lacks it."""
    if not all(key in row for row in runs):
        return nan
    return sum(float(row[key]) for row in runs) / len(runs)


# Signs that a strategy gridlocked, per run on average: teleports (vehicles SUMO found
# stuck for 300 s) beyond 0.5 % of the vehicles and at least 5 (a city at normal demand
# teleports one or two: a stuck corner, not a gridlock); an hour of vehicles queued at
# greens into full exits; vehicles left waiting to enter at the end beyond 1 % of those
# that came. Where one shows, a strategy's delay and its junctions' control delay count
# only the vehicles that got through.
GRIDLOCK_TELEPORTS = 5.0
GRIDLOCK_TELEPORT_SHARE = 0.005
GRIDLOCK_BLOCKED_HOURS = 1.0
GRIDLOCK_BACKLOG_SHARE = 0.01


def gridlock(row: ComparisonRow) -> str | None:
    """What shows that ``row``'s strategy gridlocked ("12 teleports, ..."), or None."""
    vehicles = row.mean("throughput") + row.mean("unfinished")
    teleports, backlog = row.mean("teleports"), row.mean("backlog")
    blocked = BY_NAME["blocked"]
    signs = []
    if teleports >= max(GRIDLOCK_TELEPORTS, GRIDLOCK_TELEPORT_SHARE * vehicles):
        signs.append(f"{teleports:.0f} teleports")
    if blocked.shown(row.mean("blocked")) >= GRIDLOCK_BLOCKED_HOURS:
        signs.append(f"{blocked.format(row.mean('blocked'))} {blocked.title}")
    if backlog > GRIDLOCK_BACKLOG_SHARE * vehicles:
        signs.append(f"{backlog:.0f} vehicles never able to enter")
    return ", ".join(signs) + " per run" if signs else None


def in_order(names: Iterable[str], order: Sequence[str]) -> list[str]:
    """``names`` (each once) in the experiment's ``order``, others after it alphabetically."""
    present = set(names)
    return [name for name in dict.fromkeys([*order, *sorted(present)]) if name in present]


def headers(reference: str) -> list[str]:
    """Column titles of the comparison table: the headline with its CI and paired
    difference, then the catalogue's other table metrics."""
    return [
        "scenario", "scale", "controller", f"{HEADLINE.title} (95 % CI)",
        f"vs {reference} {HEADLINE.unit} (95 % CI)", "wins",
        *(metric.title for metric in TABLE if metric is not HEADLINE), "runs",
    ]  # fmt: skip


def cells(row: ComparisonRow, reference: str) -> list[str]:
    """One row of the comparison table, formatted."""
    is_reference = row.controller == reference
    return [
        Path(row.scenario).name,
        f"{row.demand_scale:g}",
        row.controller + ("\u00a0(gridlock)" if gridlock(row) else ""),
        _with_ci(HEADLINE.format(row.mean_delay), row.delay_ci),
        "reference"
        if is_reference
        else _with_ci(f"{row.delay_vs_reference:+.{HEADLINE.digits}f}", row.difference_ci),
        "" if is_reference else f"{row.win_rate:.0%}",
        *(metric.format(row.mean(metric.name)) for metric in TABLE if metric is not HEADLINE),
        f"{row.runs}" + (f" ({row.failed} failed)" if row.failed else ""),
    ]


def _with_ci(mean: str, half_width: float) -> str:
    """``mean ± half-width``; one seed has no interval, and says so."""
    return f"{mean} (1 seed: no CI)" if math.isnan(half_width) else f"{mean} ± {half_width:.1f}"


def markdown_table(titles: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table (readable in a terminal too)."""
    lines = ["| " + " | ".join(titles) + " |", "|" + " --- |" * len(titles)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render(table: Sequence[ComparisonRow], reference: str) -> str:
    """The comparison as a Markdown table."""
    return markdown_table(headers(reference), (cells(row, reference) for row in table))


def write_csv(table: Sequence[ComparisonRow], path: Path) -> Path:
    """The comparison, every catalogue metric's mean a column of its own."""
    fields = [f.name for f in dataclasses.fields(ComparisonRow) if f.name != "means"]
    at = fields.index("delay_ci") + 1
    columns = [*fields[:at], *(m.name for m in METRICS if m is not HEADLINE), *fields[at:]]
    rows = (
        {**{k: v for k, v in asdict(row).items() if k != "means"}, **row.means} for row in table
    )
    return write_rows(path, columns, rows)


@dataclass(frozen=True)
class AgainstBest:
    """A learned policy against the best classical strategy on the same scenario, scale
    and seeds (best: the lowest mean delay among the strategies that learn nothing)."""

    scenario: str
    demand_scale: float
    controller: str
    best: str
    mean_delay: float
    best_delay: float
    difference: float
    difference_ci: float
    wins: int
    seeds: int

    @property
    def ratio(self) -> float:
        return self.mean_delay / self.best_delay


def against_best(rows: Sequence[dict[str, Any]], learned: Collection[str]) -> list[AgainstBest]:
    """Per scenario and scale, each controller in ``learned`` paired seed by seed with the
    classical strategy of lowest mean delay (over the seeds both finished)."""
    delays: dict[tuple[str, float], dict[str, dict[int, float]]] = defaultdict(dict)
    for row in rows:
        if row["status"] == "done":
            group = delays[row["scenario"], row["demand_scale"]]
            group.setdefault(row["controller"], {})[row["seed"]] = row["mean_delay"]
    found = []
    for (scenario, scale), by_controller in sorted(delays.items()):
        classical = {name: seeds for name, seeds in by_controller.items() if name not in learned}
        if not classical:
            continue
        best = min(classical, key=lambda name: statistics.fmean(classical[name].values()))
        for controller in sorted(set(by_controller) & set(learned)):
            seeds = sorted(set(by_controller[controller]) & set(classical[best]))
            if not seeds:
                continue
            paired = [by_controller[controller][s] - classical[best][s] for s in seeds]
            difference, difference_ci = mean_ci(paired)
            found.append(
                AgainstBest(
                    scenario,
                    scale,
                    controller,
                    best,
                    statistics.fmean(by_controller[controller][s] for s in seeds),
                    statistics.fmean(classical[best][s] for s in seeds),
                    difference,
                    difference_ci,
                    sum(d < 0 for d in paired),
                    len(seeds),
                )
            )
    return found


AGAINST_BEST_HEADERS = [
    "scenario", "scale", "learned policy", "delay s", "best classical", "its delay s",
    "ratio", "difference s (95 % CI)", "wins",
]  # fmt: skip


def against_best_cells(row: AgainstBest) -> list[str]:
    """One row of the learned-against-best table, formatted."""
    return [
        Path(row.scenario).name,
        f"{row.demand_scale:g}",
        row.controller,
        f"{row.mean_delay:.1f}",
        row.best,
        f"{row.best_delay:.1f}",
        f"{row.ratio:.2f}x",
        _with_ci(f"{row.difference:+.1f}", row.difference_ci),
        f"{row.wins} of {row.seeds}",
    ]


def render_against_best(table: Sequence[AgainstBest]) -> str:
    """The learned-against-best comparison as a Markdown table."""
    return markdown_table(AGAINST_BEST_HEADERS, map(against_best_cells, table))
