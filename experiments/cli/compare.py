"""``stopline compare [SCENARIO]``: the main job — the usual strategies and a short-trained
PPO policy on the same demand, five evaluation seeds, a table and a report."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from stopline.experiments.cli import arguments
from stopline.experiments.cli.arguments import env_config
from stopline.experiments.cli.progress import ProgressBar
from stopline.experiments.cli.run import summarise
from stopline.experiments.runs.backends import LocalBackend
from stopline.experiments.runs.runner import claim_folder, run_spec
from stopline.experiments.runs.spec import Spec, parse_spec
from stopline.scenarios import naming

CLASSICAL = ("fixed", "webster", "coordinated", "actuated", "max-pressure", "sotl")
# Short enough that the whole comparison fits in about 10 minutes on 2 cores.
COMPARE_BUDGET = 60_000


def default_spec(
    scenario: str,
    seeds: list[int],
    timesteps: int,
    out: Path | None,
    demand_scales: list[float] | None = None,
    env: dict[str, Any] | None = None,
) -> Spec:
    """The embedded experiment behind ``stopline compare``."""
    data: dict[str, Any] = {
        "name": f"compare-{naming.slug(scenario)}",
        "seeds": seeds,
        "scenarios": [{"name": scenario, "demand_scales": demand_scales or [1.0]}],
        "controllers": [{"name": controller} for controller in CLASSICAL]
        + [{"name": "ppo", "train": {"algo": "ppo", "timesteps": timesteps}}],
        "reference": "fixed",
        "env": dict(env or {}),
    }
    spec = parse_spec(data, Path.cwd() / "stopline-compare")
    return dataclasses.replace(spec, out=(out or Path.cwd() / "results" / spec.name).resolve())


def add_to(commands: Any) -> None:
    parser = commands.add_parser(
        "compare",
        help=(
            "the main job: compare fixed, webster, coordinated, actuated, max-pressure, sotl "
            "and PPO"
        ),
        description=(
            "Compare the network's fixed-time plan, Webster, an optimised coordinated "
            "time-of-day plan (as stopline plan makes), SUMO's actuated logic, max-pressure, "
            "SOTL and a PPO policy trained with a short budget on training seeds, on 5 "
            "evaluation demand seeds; print the table and write a report. "
            "A results folder holds one experiment: rerunning with the same options resumes "
            "it; with other options it is refused (choose another --out)."
        ),
    )
    arguments.add_scenario(parser, default="corridor")
    arguments.add_evaluation_seeds(parser)
    parser.add_argument(
        "--demand-scale",
        type=arguments.demand_scales,
        default=[1.0],
        metavar="X[,Y...]",
        help=(
            "what-if demand: evaluate at these multiples of the scenario's demand, e.g. "
            "0.8,1,1.2 (default 1; PPO is trained at 1)"
        ),
    )
    parser.add_argument(
        "--timesteps",
        type=arguments.bounded("timesteps"),
        default=COMPARE_BUDGET,
        metavar="N",
        help=(
            f"PPO's training budget in decisions, all junctions of a network counted "
            f"(default {COMPARE_BUDGET})"
        ),
    )
    arguments.add_out(
        parser, "results folder (default results/compare-SCENARIO in the working directory)"
    )
    arguments.add_env(parser)
    arguments.add_jobs(parser)
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    spec = default_spec(
        arguments.scenario,
        arguments.seeds,
        arguments.timesteps,
        arguments.out,
        arguments.demand_scale,
        env_config(arguments),
    )
    claim_folder(spec, spec.out)  # a folder it cannot use: one line before anything runs
    print(f"comparing on {arguments.scenario}: {', '.join(CLASSICAL)} and ppo ...", flush=True)
    with ProgressBar("evaluation runs") as progress:
        folder = run_spec(spec, backend=LocalBackend(arguments.jobs), progress=progress)
    print(summarise(folder, spec.reference))
    return 0
