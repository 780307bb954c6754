"""Optimising a time-of-day plan by simulation in the loop, on training demand only.

Two stages, every candidate judged by SUMO runs of the whole window on training demand
seeds (never evaluation seeds):

1. **Cycle and splits.** Webster's cycle and splits are a starting point, not an answer:
   its saturation flows and lost times are textbook values, and in SUMO's traffic the best
   common cycle is often longer and light phases need more than their share of y. Each
   group's Webster cycle is scaled by each of `CYCLE_SCALES`, greens shared by y to each of
   `SPLIT_POWERS`, offsets from SUMO's ``tlsCoordinator.py`` for each; the best is kept.
2. **Offsets.** Starting from ``tlsCoordinator.py``'s offsets (a greedy green wave along
   the heaviest flows), optuna's TPE sampler searches one shift (s) per coordinated
   junction, added to its offset in every period. Trials are asked in batches of fixed
   size, so the search is the same however many processes run it.

The objective is the headline delay (`stopline.measures.trips`), the mean stops, or the
two-way bandwidth of the arterials (`stopline.agents.plans.arterials`, no simulation).
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from stopline.envs import EnvConfig
from stopline.measures.catalogue import trip_metrics
from stopline.measures.trips import trip_options
from stopline.scenarios import Scenario, reseeded, sumo_tools
from stopline.scenarios.derived import observed_routes
from stopline.scenarios.seeds import TRAINING_SEEDS

from ..errors import AgentError
from .design import Settings
from .isolated import DesignInputs
from .timing_plan import TimingPlan, write_sumo

OBJECTIVES = ("delay", "stops", "bandwidth")
# Part of every cached plan's key: raise it when the search changes what it finds.
OPTIMISER_VERSION = 4  # 4: x from the HCM's effective green (`hcm.effective_green`)
CYCLE_SCALES = (1.0, 1.25, 1.5, 1.75, 2.0)
SPLIT_POWERS = (1.0, 0.7)  # Webster's own first
BATCH = 4  # trials asked at once: fixed, so results do not depend on the worker count
SEEDS = TRAINING_SEEDS[:2]


def check_objective(objective: str, option: str = "--objective") -> None:
    if objective not in OBJECTIVES:
        raise AgentError(
            f"{option}: unknown objective {objective!r}; choose {', '.join(OBJECTIVES)}"
        )


@dataclass(frozen=True)
class Search:
    """What the search optimises and how long it may look."""

    objective: str = "delay"
    periods: str = "auto"
    trials: int = 40
    jobs: int = 2


@dataclass
class History:
    """Every candidate's objective value, in the order judged, with what it was."""

    values: list[tuple[str, float]] = dataclasses.field(default_factory=list)

    def best(self) -> float:
        return min(value for _, value in self.values)


def coordinator_offsets(
    scenario: Scenario, plan: TimingPlan, folder: Path
) -> list[dict[str, float]]:
    """Per period, the offsets SUMO's ``tlsCoordinator.py`` gives the period's programmes
    for the training demand's routes (a greedy green wave along the heaviest flows)."""
    routes = observed_routes(reseeded(scenario, SEEDS[0]))
    offsets = []
    for index in range(len(plan.periods)):
        single = TimingPlan((plan.periods[index],), (plan.plans[index],), plan.begin)
        programmes = write_sumo(single, folder / f"period-{index}.add.xml", waut=False)
        output = folder / f"coordinated-{index}.add.xml"
        sumo_tools.run(
            [
                sys.executable,
                sumo_tools.tool("tlsCoordinator.py"),
                "-n",
                scenario.net_file,
                "-r",
                routes,
                "-a",
                programmes,
                "-o",
                output,
            ],
            what="tlsCoordinator.py",
        )
        offsets.append(
            {
                logic.get("id", ""): float(logic.get("offset", "0"))
                for logic in ET.parse(output).getroot().iter("tlLogic")
            }
        )
    return offsets


class Judge:
    """The objective of candidate plans: SUMO runs on training seeds, in parallel."""

    def __init__(self, scenario: Scenario, objective: str, jobs: int, folder: Path) -> None:
        self.scenarios = [reseeded(scenario, seed) for seed in SEEDS]
        self.objective = objective
        self.jobs = max(1, jobs)
        self.folder = folder
        self.count = 0
        self.measure: Callable[[TimingPlan], float] | None = None
        if objective == "bandwidth":
            from .arterials import arterial_bandwidth, arterials

            found = arterials(scenario)
            self.measure = lambda plan: -arterial_bandwidth(plan, found)

    def __call__(self, plans: Sequence[TimingPlan]) -> list[float]:
        if self.measure is not None:
            return [self.measure(plan) for plan in plans]
        jobs = []
        for plan in plans:
            self.count += 1
            folder = self.folder / f"candidate-{self.count}"
            folder.mkdir()
            path = write_sumo(plan, folder / "plan.add.xml")
            jobs += [
                (path, scenario, folder / f"seed-{scenario.seed}") for scenario in self.scenarios
            ]
        with ThreadPoolExecutor(self.jobs) as pool:
            values = list(pool.map(lambda job: self._run(*job), jobs))
        per_seed = len(self.scenarios)
        return [sum(values[i : i + per_seed]) / per_seed for i in range(0, len(values), per_seed)]

    def _run(self, plan: Path, scenario: Scenario, folder: Path) -> float:
        folder.mkdir()
        run_plan(scenario, plan, trip_options(folder), "sumo (judging a plan)")
        metrics = trip_metrics(folder)
        return metrics["mean_stops" if self.objective == "stops" else "mean_delay"]


def run_plan(scenario: Scenario, plan: Path, options: Sequence[str], what: str) -> None:
    """Run SUMO's binary over the scenario's window with ``plan`` (a SUMO additional file)
    added and ``options`` (outputs), SUMO's seed the demand seed."""
    command = scenario.sumo_command(["-a", str(plan), *options], seed=scenario.seed)
    sumo_tools.run(command, what=what)


def _shifted(
    plan: TimingPlan, base: Sequence[dict[str, float]], shifts: dict[str, float]
) -> TimingPlan:
    return plan.with_offsets(
        [
            {name: offset + shifts.get(name, 0.0) for name, offset in period.items()}
            for period in base
        ]
    )


def optimise(
    scenario: Scenario,
    config: EnvConfig,
    search: Search,
    report: Callable[[str], None] = lambda line: None,
) -> tuple[TimingPlan, TimingPlan, History]:
    """The optimised plan, the same without offsets (``time-of-day``), and what was tried."""
    import optuna  # SQLAlchemy and friends: only when optimising

    history = History()
    with tempfile.TemporaryDirectory(prefix="stopline-plan-") as scratch:
        folder = Path(scratch)
        judge = Judge(scenario, search.objective, search.jobs, folder)
        # Stage 1: the cycle and the splits.
        candidates = []
        count = len(SPLIT_POWERS) * len(CYCLE_SCALES)
        report(
            f"{count} cycles and splits from the training demand, each with tlsCoordinator "
            f"offsets and judged on {len(SEEDS)} training seeds; then {search.trials} offset "
            "trials"
        )
        inputs = DesignInputs.read(scenario, config, search.periods)
        for power in SPLIT_POWERS:
            for scale in CYCLE_SCALES:
                isolated = inputs.plan(Settings(cycle_scale=scale, split_power=power))
                offsets = coordinator_offsets(
                    scenario, isolated, folder / f"scale-{scale:g}-power-{power:g}"
                )
                candidates.append((f"cycle x{scale:g}, splits y^{power:g}", isolated, offsets))
                report(f"designed {len(candidates)}/{count}: {candidates[-1][0]}")
        values = judge([plan.with_offsets(offsets) for _, plan, offsets in candidates])
        for (label, _, _), value in zip(candidates, values, strict=True):
            history.values.append((label, value))
            report(f"{label}, tlsCoordinator offsets: {value:.2f}")
        best = min(range(len(candidates)), key=lambda i: (values[i], i))
        _, isolated, base = candidates[best]
        # Stage 2: the offsets.
        shifting = _shifting(isolated)
        best_plan, best_value = isolated.with_offsets(base), values[best]
        if shifting:
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
            study.enqueue_trial({name: 0 for name in shifting})
            peak = max(plan.cycle for period in isolated.plans for plan in period.values())
            half = int(peak // 2)
            done = 0
            while done < search.trials:
                trials = [study.ask() for _ in range(min(BATCH, search.trials - done))]
                plans = [
                    _shifted(
                        isolated, base, {n: float(t.suggest_int(n, -half, half)) for n in shifting}
                    )
                    for t in trials
                ]
                for trial, plan, value in zip(trials, plans, judge(plans), strict=True):
                    study.tell(trial, value)
                    history.values.append((f"offset shifts {trial.params}", value))
                    if value < best_value:
                        best_plan, best_value = plan, value
                done += len(trials)
                report(f"offsets: {done}/{search.trials} trials, best {best_value:.2f}")
    return best_plan, isolated, history


def _shifting(plan: TimingPlan) -> list[str]:
    """The junctions whose offsets are searched: every coordinated junction but the first
    of its group (only offsets between junctions matter)."""
    members: dict[int, list[str]] = {}
    for name in plan.junctions:
        members.setdefault(plan.plans[0][name].group, []).append(name)
    return [name for group in members.values() if len(group) > 1 for name in group[1:]]
