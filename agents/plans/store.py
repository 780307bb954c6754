"""Where an optimised plan lives: a folder of SUMO files and a JSON record, built once per
everything that shapes it (scenario files, env timings, search) into the cache. This module
owns the names of the files a plan folder holds."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stopline.envs import EnvConfig
from stopline.scenarios import Scenario, build, reseeded
from stopline.scenarios.derived import digest
from stopline.scenarios.naming import slug

from .optimise import (
    CYCLE_SCALES,
    OPTIMISER_VERSION,
    SEEDS,
    SPLIT_POWERS,
    Search,
    optimise,
)
from .timing_plan import TimingPlan, write_sumo

COORDINATED = "plan.add.xml"  # the optimised plan: offsets, periods, WAUT
TIME_OF_DAY = "time-of-day.add.xml"  # the same without offsets
RECORD = "plan.json"  # every period's timings, the switches, and how they were found


def record(plan: TimingPlan) -> list[dict[str, Any]]:
    """Per period and junction, what a timing sheet shows."""
    rows = []
    switches = {
        (switch.junction, switch.period): switch
        for name in plan.junctions
        for switch in plan.switches(name)
    }
    for index, period in enumerate(plan.periods):
        for name in plan.junctions:
            junction = plan.plans[index][name]
            switch = switches.get((name, index))
            rows.append(
                {
                    "period": period.label,
                    "start": period.start,
                    "end": period.end,
                    "junction": name,
                    "group": junction.group,
                    "cycle": junction.cycle,
                    "offset": junction.offset,
                    "switch_at": switch.time if switch else None,
                    "dwell": switch.dwell if switch else None,
                    "in_step": switch.synchron if switch else True,
                    "phases": [
                        {
                            "state": state,
                            "green": green,
                            "yellow": _clearing(junction.plan.after(i), 0),
                            "all_red": _clearing(junction.plan.after(i), 1),
                            "flow_ratio": junction.flow_ratios[i],
                            "saturation": junction.saturation[i],
                        }
                        for i, (state, green) in enumerate(
                            zip(junction.plan.phases.greens, junction.greens, strict=True)
                        )
                    ],
                }
            )
    return rows


def _clearing(steps: list[tuple[str, float]], which: int) -> float:
    """The yellow (0) or all-red (1) seconds of a green's clearing steps (0 if none)."""
    return steps[which][1] if len(steps) > which else 0.0


def _key(scenario: Scenario, config: EnvConfig, search: Search) -> str:
    training = [reseeded(scenario, seed) for seed in SEEDS]
    wanted = dataclasses.asdict(search)
    del wanted["jobs"]  # the same search however many processes run it
    return build.key(
        "plan",
        {
            "files": digest(path for each in training for path in each.files),
            "window": [scenario.begin, scenario.end],
            "env": _timing_settings(config),
            "search": wanted,
            "optimiser": OPTIMISER_VERSION,
            "candidates": [CYCLE_SCALES, SPLIT_POWERS],
        },
    )


# Timing settings that shape a plan. Those added later count only when set away from their
# default, so plans already in the cache keep their keys.
_TIMING_KEYS = ("phases", "yellow_time", "all_red", "min_green", "max_green")
_LATER_TIMING_KEYS = ("min_green_rule", "intergreens")


def _timing_settings(config: EnvConfig) -> dict[str, Any]:
    default = EnvConfig()
    settings = {key: getattr(config, key) for key in _TIMING_KEYS}
    for key in _LATER_TIMING_KEYS:
        if getattr(config, key) != getattr(default, key):
            settings[key] = getattr(config, key)
    if config.intergreens == "geometry":  # its second rule: the programme's longer ones kept
        settings["intergreens"] = "geometry-2"
    return settings


def plan_folder(
    scenario: Scenario,
    config: EnvConfig,
    search: Search,
    report: Callable[[str], None] = lambda line: None,
) -> Path:
    """The folder of the plan ``search`` finds for the scenario, optimised once and then
    read from the cache. Processes asking for the same plan at once wait for the first."""
    root = build.default_cache_dir() / "plans"
    name = f"{slug(scenario.name)}-{_key(scenario, config, search)}"
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)

        def make(scratch: Path) -> None:
            started = time.monotonic()
            best, isolated, history = optimise(scenario, config, search, report)
            write_sumo(best, scratch / COORDINATED)
            write_sumo(isolated, scratch / TIME_OF_DAY)
            data = {
                "scenario": scenario.name,
                "search": dataclasses.asdict(search),
                "training_seeds": list(SEEDS),
                "periods": [period.label for period in best.periods],
                "optimise_seconds": round(time.monotonic() - started, 1),
                "history": history.values,
                "coordinated": record(best),
                "time_of_day": record(isolated),
            }
            (scratch / RECORD).write_text(json.dumps(data, indent=2) + "\n")

        return build.cached(root, name, make)
