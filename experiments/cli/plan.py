"""``stopline plan SCENARIO``: an optimised, coordinated time-of-day timing plan, with its
timing sheet, SUMO file and time-space diagrams."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from stopline import scenarios
from stopline.agents.plans import Search, check_objective, parse_periods, plan_folder
from stopline.agents.plans.arterials import arterials
from stopline.agents.plans.isolated import DesignInputs
from stopline.agents.plans.optimise import OBJECTIVES, SEEDS
from stopline.agents.plans.store import COORDINATED, RECORD, TIME_OF_DAY
from stopline.envs import EnvConfig
from stopline.experiments.cli import arguments
from stopline.experiments.cli.arguments import env_config
from stopline.experiments.reports.time_space import time_space_diagram
from stopline.experiments.reports.timing_sheet import (
    INTERGREEN_TEXT,
    LANE_GROUPS_CSV,
    TIMING_CSV,
    TIMING_HTML,
    at_clock,
    oversaturated,
    phase_pictures,
    with_movements,
    write_csv,
    write_html,
    write_lane_groups_csv,
)
from stopline.experiments.runs.store import check_folder, make_folder, write_atomically
from stopline.experiments.runs.tasks import plan_progress
from stopline.scenarios import naming

DEFAULT_TRIALS = Search().trials
# A plan is keyed into a street controller, so it gets ITE's intergreens unless --env says
# otherwise; comparisons keep one rule for every strategy, the programmes' by default
# (README, "What a street controller needs").
PLAN_ENV = {"intergreens": "geometry"}
DIAGRAM_WINDOW = 600.0  # s of the busiest period drawn


def add_to(commands: Any) -> None:
    parser = commands.add_parser(
        "plan",
        help="optimise a coordinated time-of-day fixed-time plan and write its timing sheet",
        description=(
            "Split the window into periods where the training demand changes (or as given), "
            "design each period's plan from its flows (Webster splits, a common cycle per "
            "group of nearby signals, half cycles for minor ones), optimise cycle and offsets "
            "by SUMO runs on training demand seeds, and write the plan: plan.add.xml (one "
            "tlLogic per junction and period, WAUTs switching them; loads in plain sumo -a), "
            "time-of-day.add.xml (the same without offsets), timing.csv (per phase), "
            "timing-lane-groups.csv (each lane group's planned flow, capacity and v/c), "
            "timing.html and a time-space diagram per arterial. Yellows and all-reds are "
            "ITE's from the net's geometry (never shorter than the programme's); --env "
            "intergreens=programme takes the programmes' own, as comparisons run them."
        ),
    )
    arguments.add_scenario(parser)
    parser.add_argument(
        "--periods",
        default="auto",
        metavar="auto|HH:MM-HH:MM,...",
        help="time-of-day periods (default auto: where the training demand changes); with "
        "--start, in that day's clock time",
    )
    parser.add_argument(
        "--start",
        type=arguments.time_of_day,
        default=0.0,
        metavar="HH:MM",
        help="the time of day the scenario's simulation second 0 stands for (default 00:00): "
        "the sheet's periods and switch times, and --periods, are in that clock",
    )
    parser.add_argument(
        "--objective",
        default="delay",
        metavar="|".join(OBJECTIVES),
        help="what the search minimises: mean delay (default), mean stops, or (maximises) "
        "the two-way green bandwidth of the arterials",
    )
    parser.add_argument(
        "--trials",
        type=arguments.positive_int,
        default=DEFAULT_TRIALS,
        metavar="N",
        help=f"offset-search trials, each judged on {len(SEEDS)} training seeds "
        f"(default {DEFAULT_TRIALS})",
    )
    arguments.add_out(parser, "where the plan is written (default results/plan-SCENARIO)")
    arguments.add_demand_scale(parser, "plan for this multiple of the scenario's demand")
    arguments.add_env(parser)  # --env intergreens=programme: the programmes' own
    arguments.add_jobs(parser)
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    check_objective(arguments.objective)
    config = EnvConfig.from_mapping({**PLAN_ENV, **env_config(arguments)})
    name = arguments.scenario
    scenario = scenarios.load(name, demand_scale=arguments.demand_scale)
    periods = arguments.periods
    if periods != "auto":  # given in clock time: to simulation time (outside: one line)
        chosen = parse_periods(periods, scenario.begin, scenario.end, clock_start=arguments.start)
        periods = ",".join(period.label for period in chosen)
    out = check_folder((arguments.out or Path("results") / f"plan-{naming.slug(name)}").resolve())
    search = Search(arguments.objective, periods, arguments.trials, arguments.jobs)
    started = time.monotonic()
    folder = plan_folder(scenario, config, search, plan_progress)
    elapsed = time.monotonic() - started
    make_folder(out)
    for file in (COORDINATED, TIME_OF_DAY, RECORD):  # whole files: a rerun's Ctrl-C keeps
        write_atomically(out / file, (folder / file).read_text())  # the plan before it
    record = at_clock(json.loads((folder / RECORD).read_text()), arguments.start)
    record["intergreens"] = config.intergreens
    flows = DesignInputs.read(scenario, config, search.periods).flows_by_start()
    record["coordinated"] = with_movements(record["coordinated"], scenario.net_file, flows)
    write_csv(record["coordinated"], out / TIMING_CSV)
    write_lane_groups_csv(record["coordinated"], out / LANE_GROUPS_CSV)
    diagrams = []
    start, end = _busiest(record["coordinated"])
    middle = (start + end) / 2
    window = (max(scenario.begin, middle - DIAGRAM_WINDOW / 2), middle + DIAGRAM_WINDOW / 2)
    training = scenarios.reseeded(scenario, SEEDS[0])
    for number, arterial in enumerate(arterials(scenario), start=1):
        image = out / f"time-space-{number}.png"
        diagrams.append(
            (
                arterial.name,
                time_space_diagram(training, out / COORDINATED, arterial, image, window),
            )
        )
    pictures = phase_pictures(record["coordinated"], scenario.net_file)
    write_html(record, diagrams, out / TIMING_HTML, pictures=pictures)
    for junction, period, worst in oversaturated(record["coordinated"]):
        print(
            f"stopline: warning: junction {junction}, period {period}: degree of saturation "
            f"{worst:.2f} > 1; the cycle cannot serve the demand",
            file=sys.stderr,
        )
    _summary(record, out, elapsed)
    return 0


def _busiest(rows: list[dict[str, Any]]) -> tuple[float, float]:
    """The period with the highest sum of critical flow ratios over its junctions."""
    load: dict[tuple[float, float], float] = {}
    for row in rows:
        key = (row["start"], row["end"])
        load[key] = load.get(key, 0.0) + sum(phase["flow_ratio"] for phase in row["phases"])
    return max(load, key=lambda key: (load[key], -key[0]))


def _summary(record: dict[str, Any], out: Path, elapsed: float) -> None:
    rows = record["coordinated"]
    print(f"plan for {record['scenario']}: periods {', '.join(record['periods'])}")
    print(f"  intergreens: {INTERGREEN_TEXT[record['intergreens']]}")
    for period in record["periods"]:
        cycles = sorted({row["cycle"] for row in rows if row["period"] == period})
        print(f"  {period}: cycles {', '.join(f'{c:g}' for c in cycles)} s")
    history = record["history"]
    first = history[0][1]
    took = record["optimise_seconds"]
    # A plan read from the cache took its time when it was made, not now.
    when = f"{took:.0f} s" if elapsed >= took else f"{took:.0f} s when made; from the cache now"
    print(
        f"{record['search']['objective']} on training seeds: Webster's cycle and splits with "
        f"tlsCoordinator offsets {first:.2f}, optimised {min(v for _, v in history):.2f} "
        f"({when})"
    )
    print(
        f"written to {out}: {COORDINATED}, {TIME_OF_DAY}, {TIMING_CSV}, {LANE_GROUPS_CSV}, "
        f"{TIMING_HTML}"
    )
