"""Any signal layout SUMO builds: every strategy runs on it, safely, and training runs too.

The nets (see the `layouts` fixture): one-phase lights, T-junctions and five-arm junctions,
pedestrian crossings, joined clusters, hand-made programmes with transitional greens and
several programmes, links always off or always green. Safety is read from SUMO's own record
of the signal states (SaveTLSStates).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from stopline import agents, scenarios
from stopline.agents.training import TrainConfig, train
from stopline.envs import (
    EnvConfig,
    Layout,
    Session,
    Signal,
    controllable,
    phase_sets,
    timing_for,
)
from stopline.envs.layout import VEHICLE_SPACE
from stopline.experiments.runs.evaluate import evaluate
from stopline.scenarios import sumo_tools

from conftest import LAYOUTS, random_trips, write_sumocfg
from tls_record import Limits, read_record, recording_options, violations

PYTHON = ("max-pressure", "sotl", "greedy", "random")
NATIVE = ("webster", "actuated", "delay-based")
SUMO_OWN = ("fixed", "sumo-actuated", "sumo-delay-based")  # SUMO's programmes, untouched


def _installed_limits(path: Path) -> dict[str, Limits]:
    """What a plan Stopline installed promises, read back from its tlLogic file."""
    limits = {}
    for junction, body in re.findall(
        r'<tlLogic id="([^"]+)".*?>(.*?)</tlLogic>', path.read_text(), re.S
    ):
        phases = [
            dict(re.findall(r'(\w+)="([^"]*)"', phase))
            for phase in re.findall(r"<phase [^>]*>", body)
        ]
        greens = [
            p for p in phases if "y" not in p["state"] and any(c in "Ggs" for c in p["state"])
        ]
        yellows = [float(p["duration"]) for p in phases if "y" in p["state"]]
        limits[junction] = Limits(
            frozenset(p["state"] for p in phases),
            {p["state"]: float(p.get("minDur") or p["duration"]) for p in greens},
            {p["state"]: float(p.get("maxDur") or p["duration"]) for p in greens},
            min(yellows, default=0.0),
            1.0,  # SUMO switches on whole seconds
        )
    return limits


@pytest.mark.parametrize("phases", ["rebuilt", "own"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_strategy_runs_safely(
    layout: str, phases: str, layouts: dict[str, Path], tmp_path: Path
) -> None:
    scenario = scenarios.load(layouts[layout])
    sets = phase_sets(scenario, phases)
    controlled = controllable(scenario, phases)
    assert controlled  # something to decide on every layout
    config = EnvConfig(phases=phases)
    for name in (*SUMO_OWN, *NATIVE, *PYTHON):
        folder = tmp_path / name
        folder.mkdir()
        options, record = recording_options(folder, scenario.junctions)
        totals = agents.run_episode(
            agents.make(name),
            scenario,
            sumo_seed=1,
            folder=folder,
            config={"phases": phases},
            sumo_options=options,
        )
        assert totals.inserted > 50, name
        states = read_record(record)
        assert set(states) == set(scenario.junctions), name
        for junction in set(scenario.junctions) - set(controlled):  # one green: its own
            assert {state for _, state in states[junction]} <= set(sets[junction].greens) | {
                state for state in _programme_states(scenario, junction)
            }
        if name in SUMO_OWN:
            continue
        if name in NATIVE:
            limits = _installed_limits(folder / f"{name}.add.xml")
        else:
            limits = {
                j: Limits.of(Signal(sets[j], timing_for(sets[j], config), 0.0), 5.0)
                for j in controlled
            }
        problems = [
            f"{name} {junction}: {problem}"
            for junction in controlled
            for problem in violations(states[junction], limits[junction])
        ]
        assert problems == []


def _programme_states(scenario: scenarios.Scenario, junction: str) -> set[str]:
    from stopline.envs.phases import read_programmes

    programme = read_programmes([scenario.net_file, *scenario.additional_files])[junction]
    return {phase.state for phase in programme}


def test_one_phase_lights_are_left_to_their_programme(layouts: dict[str, Path]) -> None:
    scenario = scenarios.load(layouts["grid-one-phase-corners"])
    sets = phase_sets(scenario, "own")
    corners = [j for j, s in sets.items() if not s.controllable]
    assert len(corners) == 4
    assert set(controllable(scenario, "own")) == set(scenario.junctions) - set(corners)


def test_handmade_programmes_fold_transitional_greens(layouts: dict[str, Path]) -> None:
    """The town's hand-made programme has a 2 s lead-in before each green: not a decision."""
    scenario = scenarios.load(layouts["city-programmes"])
    own = phase_sets(scenario, "own")
    for junction, programme in _programmes(scenario).items():
        leads = [s for s, d in programme if d == 2 and "y" not in s and any(c in "Gg" for c in s)]
        assert not set(leads) & set(own[junction].greens)
        assert own[junction].yellow in (4.0, 5.0) and own[junction].all_red == 2.0


def _programmes(scenario: scenarios.Scenario) -> dict[str, list[tuple[str, float]]]:
    from stopline.envs.phases import read_programmes

    programmes = read_programmes([scenario.net_file, *scenario.additional_files])
    return {j: [(p.state, p.duration) for p in phases] for j, phases in programmes.items()}


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["random", "city-programmes"])
def test_training_runs_on_odd_layouts(
    layout: str, layouts: dict[str, Path], tmp_path: Path
) -> None:
    tiny = {"n_steps": 32, "batch_size": 32, "n_epochs": 1}
    train(TrainConfig(str(layouts[layout]), timesteps=64, hyperparameters=tiny), tmp_path)
    (result,) = evaluate(f"rl:{tmp_path}", str(layouts[layout]), [101])
    assert result.metrics["vehicles"] > 50


@pytest.mark.parametrize("layout", LAYOUTS)
def test_lanes_read_from_the_net_file_are_those_sumo_controls(
    layout: str, layouts: dict[str, Path]
) -> None:
    """Environments size their spaces from the net file before SUMO starts: the lanes must
    be SUMO's own, in its link order (crossings, joined clusters, shared link indices)."""
    scenario = scenarios.load(layouts[layout])
    session = Session(scenario, seed=1)
    session.start()
    try:
        for junction, phases in phase_sets(scenario, "own").items():
            found = Layout.of(scenario.net_file, phases)
            links = session.api.trafficlight.getControlledLinks(junction)
            assert found.incoming == tuple(dict.fromkeys(a for group in links for a, _, _ in group))
            assert found.outgoing == tuple(dict.fromkeys(b for group in links for _, b, _ in group))
            lengths = [session.api.lane.getLength(lane) for lane in found.incoming]
            assert found.in_capacity == pytest.approx(
                np.maximum(1.0, np.array(lengths) / VEHICLE_SPACE)
            )
    finally:
        session.close()


CONGESTED = ("random", "city-programmes", "grid-one-phase-corners")


@pytest.mark.parametrize("layout", CONGESTED)
def test_network_strategies_hold_under_congestion(layout: str, layouts: dict[str, Path]) -> None:
    """At twice the demand (a peak that saturates the small nets; the grid's exits fill),
    max-pressure, SOTL and greedy never end worse than the junctions' own fixed plan, and
    wait at greens into full exits no more than it does (blocked vehicle-seconds, read
    from SUMO's record). Before they counted only the queue that can move, greedy and SOTL
    reached 58 and 43 s on `random` at 2x where these reach 41 and 39 (fixed: 64)."""
    path = str(layouts[layout])
    (fixed,) = evaluate("fixed", path, [1], demand_scale=2.0)
    for name in ("max-pressure", "sotl", "greedy"):
        (result,) = evaluate(name, path, [1], demand_scale=2.0)
        assert result.metrics["mean_delay"] <= fixed.metrics["mean_delay"], name
        assert result.metrics["blocked"] <= fixed.metrics["blocked"], name
        assert result.metrics["teleports"] <= fixed.metrics["teleports"], name


@pytest.fixture(scope="module")
def heavy_arterial_grid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A netgenerate 4x4 grid of two-lane arterials, 200 m blocks, every junction
    signalised, 10 minutes of random trips at one every 0.6 s (run at 2x: saturated)."""
    folder = tmp_path_factory.mktemp("arterial")
    net = folder / "arterial.net.xml"
    sumo_tools.run(
        [
            sumo_tools.binary("netgenerate"),
            *("--grid", "--grid.number", "4", "--grid.length", "200"),
            *("--default.lanenumber", "2", "--default-junction-type", "traffic_light"),
            *("--no-turnarounds", "-o", net),
        ],
        what="netgenerate",
    )
    routes = random_trips(net, folder, end=600, period=0.6)
    config = write_sumocfg(folder / "arterial.sumocfg", net, routes)
    config.write_text(config.read_text().replace('<end value="300"/>', '<end value="600"/>'))
    return config


@pytest.mark.parametrize(
    "ours, sumo", [("actuated", "sumo-actuated"), ("delay-based", "sumo-delay-based")]
)
def test_sumo_logics_keep_parity_on_a_heavy_arterial_grid(
    ours: str, sumo: str, heavy_arterial_grid: Path
) -> None:
    """Stopline's `actuated` is SUMO's own actuated logic on the same greens: on a saturated
    multi-lane grid it lands within 2 % of `sumo-actuated` (the same figure, measured), and
    `delay-based` no worse than 1.02x `sumo-delay-based`."""
    (mine,) = evaluate(ours, str(heavy_arterial_grid), [1], demand_scale=2.0)
    (reference,) = evaluate(sumo, str(heavy_arterial_grid), [1], demand_scale=2.0)
    assert mine.metrics["mean_delay"] <= 1.02 * reference.metrics["mean_delay"]
    if ours == "actuated":
        assert mine.metrics["mean_delay"] >= reference.metrics["mean_delay"] / 1.02
