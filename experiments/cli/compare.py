"""``stopline compare [SCENARIO]``: the main job — the usual strategies and a short-trained
PPO policy on the same demand, five evaluation seeds, a table and a report."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from ..backends import LocalBackend
from ..runner import run_spec
from ..spec import Spec, parse_spec
from . import arguments
from .run import summarise

CLASSICAL = ("fixed", "webster", "actuated", "max-pressure", "sotl")
# Short enough that the whole comparison fits in about 10 minutes on 2 cores.
COMPARE_BUDGET = 60_000


def default_spec(
    scenario: str,
    seeds: list[int],
    timesteps: int,
    out: Path | None,
    demand_scales: list[float] | None = None,
    phases: str | None = None,
) -> Spec:
    """The embedded experiment behind ``stopline compare``."""
    name = Path(scenario).name.split(".")[0].replace(":", "-")
    data: dict[str, Any] = {
        "name": f"compare-{name}",
        "seeds": seeds,
        "scenarios": [{"name": scenario, "demand_scales": demand_scales or [1.0]}],
        "controllers": [{"name": controller} for controller in CLASSICAL]
        + [{"name": "ppo", "train": {"algo": "ppo", "timesteps": timesteps}}],
        "reference": "fixed",
        "env": {"phases": phases} if phases else {},
    }
    spec = parse_spec(data, Path.cwd() / "stopline-compare")
    return dataclasses.replace(spec, out=(out or Path.cwd() / "results" / spec.name).resolve())


def add_to(commands: Any) -> None:
    parser = commands.add_parser(
        "compare",
        help="the main job: compare fixed, webster, actuated, max-pressure, sotl and PPO",
        description=(
            "Compare the network's fixed-time plan, Webster, SUMO's actuated logic, "
            "max-pressure, SOTL and a PPO policy trained with a short budget on training "
            "seeds, on 5 evaluation demand seeds; print the table and write a report."
        ),
    )
    parser.add_argument(
        "scenario",
        nargs="?",
        default="corridor",
        metavar="SCENARIO",
        help="built-in name or .sumocfg path (default corridor)",
    )
    arguments.add_evaluation_seeds(parser)
    parser.add_argument(
        "--demand-scale",
        type=arguments.demand_scales,
        default=[1.0],
        metavar="X[,Y...]",
        help=(
            "what-if demand: evaluate at these multiples of the scenario's demand, e.g. "
            "0.8,1,1.2 (PPO is trained at 1)"
        ),
    )
    parser.add_argument(
        "--timesteps", type=arguments.positive_int, default=COMPARE_BUDGET, metavar="N"
    )
    parser.add_argument("--out", type=Path, default=None, metavar="DIR")
    arguments.add_phases(parser)
    arguments.add_jobs(parser)
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    scenario = arguments.scenario
    if scenario.endswith((".sumocfg", ".xml")) or "/" in scenario:
        scenario = str(Path(scenario).resolve())
    spec = default_spec(
        scenario,
        arguments.seeds,
        arguments.timesteps,
        arguments.out,
        arguments.demand_scale,
        arguments.phases,
    )
    print(f"comparing on {arguments.scenario}: {', '.join(CLASSICAL)} and ppo ...", flush=True)
    folder = run_spec(spec, backend=LocalBackend(arguments.jobs))
    print(summarise(folder, spec.reference))
    return 0
