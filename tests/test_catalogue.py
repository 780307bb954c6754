"""Built-in scenarios: they build, run cleanly in SUMO, and are reproducible by seed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stopline import scenarios
from stopline.envs import SignalParallelEnv
from stopline.scenarios import ScenarioError

from conftest import run_sumo, teleports

EXPECTED_JUNCTIONS = {"single": 1, "corridor": 5, "grid": 16, "grid:3x2": 6}


@pytest.mark.parametrize("name", sorted(EXPECTED_JUNCTIONS))
def test_builtin_runs_its_whole_window_without_teleports(
    name: str, cache_dir: Path, tmp_path: Path
) -> None:
    scenario = scenarios.load(name)
    assert len(scenario.junctions) == EXPECTED_JUNCTIONS[name]
    assert scenario.builtin and scenario.duration == 3600
    statistics = run_sumo(scenario, tmp_path)
    vehicles = statistics.find("vehicles")
    assert vehicles is not None
    assert int(vehicles.get("inserted", "0")) > 500
    assert teleports(statistics) == 0


def test_single_has_four_green_phases_with_protected_lefts(cache_dir: Path) -> None:
    net = scenarios.load("single").net_file.read_text()
    states = re.findall(r'<phase duration="[^"]+"\s+state="([^"]+)"', net)
    greens = [state for state in states if "y" not in state]
    assert len(greens) == 4
    # Links 3 and 7 are the north and east left turns (leftmost lane, left only).
    assert {state[3] for state in greens} == {"g", "G", "r"}
    protected = [state for state in greens if state[3] == "G"]
    assert len(protected) == 1 and protected[0].count("G") == 2


def test_corridor_gives_the_arterial_a_protected_left(cache_dir: Path) -> None:
    net = scenarios.load("corridor").net_file.read_text()
    logic = re.search(r'<tlLogic id="J2".*?</tlLogic>', net, re.S)
    assert logic is not None
    greens = [s for s in re.findall(r'state="([^"]+)"', logic.group()) if "y" not in s]
    assert len(greens) == 3


def _without_comments(path: Path) -> str:
    return re.sub(r"<!--.*?-->", "", path.read_text(), flags=re.S)


def test_same_seed_same_files_and_other_seed_other_vehicles(tmp_path: Path) -> None:
    first = scenarios.load("corridor", seed=3, cache_dir=tmp_path / "a")
    again = scenarios.load("corridor", seed=3, cache_dir=tmp_path / "b")
    other = scenarios.load("corridor", seed=4, cache_dir=tmp_path / "a")
    assert first.route_files[0] != again.route_files[0]  # really built twice
    for mine, theirs in zip(first.files, again.files, strict=True):
        assert _without_comments(mine) == _without_comments(theirs), mine.name
    assert _without_comments(first.net_file) == _without_comments(other.net_file)
    assert _without_comments(first.route_files[0]) != _without_comments(other.route_files[0])


def _departures(scenario: scenarios.Scenario) -> list[float]:
    text = scenario.route_files[0].read_text()
    return [float(value) for value in re.findall(r'<vehicle id="[^"]+".*?depart="([\d.]+)"', text)]


def test_demand_follows_profile_and_scale(cache_dir: Path) -> None:
    base = _departures(scenarios.load("grid"))
    doubled = _departures(scenarios.load("grid", demand_scale=2.0))
    assert 1.8 < len(doubled) / len(base) < 2.2
    shoulder = sum(1 for t in base if t < 900) / 900
    peak = sum(1 for t in base if 1500 <= t < 2400) / 900
    assert 1.4 < peak / shoulder < 1.95  # profile factors 0.6 and 1.0


@pytest.mark.parametrize(
    ("name", "through", "turning"),
    [("single", 0.70, 0.15), ("single:turns", 0.35, 0.325)],
)
def test_turning_proportions_at_the_single_junction(
    name: str, through: float, turning: float, cache_dir: Path
) -> None:
    """The turning-mix variant: the same flows, through traffic giving half its share to
    the turns in proportion to theirs (robustness checks evaluate policies on it)."""
    scenario = scenarios.load(name, demand_scale=3.0)
    text = scenario.route_files[0].read_text()
    routes = re.findall(r'<route edges="N_C (C_\w)"', text)
    shares = {exit: routes.count(exit) / len(routes) for exit in ("C_E", "C_S", "C_W")}
    assert shares["C_S"] == pytest.approx(through, abs=0.05)
    assert shares["C_E"] == pytest.approx(turning, abs=0.04)  # left
    assert shares["C_W"] == pytest.approx(turning, abs=0.04)  # right
    base = scenarios.load("single", demand_scale=3.0).route_files[0].read_text()
    assert abs(text.count("<vehicle ") - base.count("<vehicle ")) < 0.1 * base.count("<vehicle ")


def test_cached_scenario_is_reused_not_rebuilt(cache_dir: Path) -> None:
    first = scenarios.load("single", seed=11)
    stamp = first.route_files[0].stat().st_mtime_ns
    again = scenarios.load("single", seed=11)
    assert again.route_files == first.route_files
    assert again.route_files[0].stat().st_mtime_ns == stamp


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("roundabout", "unknown scenario 'roundabout'"),
        ("grid:1x4", "grid size must be CxR"),
        ("grid:13x2", "grid size must be CxR"),
        ("grid:four", "grid size must be CxR"),
        ("single:2", "takes no size"),
        ("corridor:left", "'corridor:turns' is its turning-mix variant"),
        ("random:0", "seed must be 1 to 999"),
        ("random:x", "seed must be 1 to 999"),
    ],
)
def test_bad_names_are_refused_by_name(name: str, message: str, cache_dir: Path) -> None:
    with pytest.raises(ScenarioError, match=message):
        scenarios.load(name)


@pytest.mark.parametrize("scale", [0, -1.5, float("nan"), float("inf")])
def test_demand_scale_must_be_positive(scale: float, cache_dir: Path) -> None:
    with pytest.raises(ScenarioError, match="demand scale must be a number > 0"):
        scenarios.load("single", demand_scale=scale)


def test_seed_must_be_a_natural_number(cache_dir: Path) -> None:
    with pytest.raises(ScenarioError, match="seed must be a whole number"):
        scenarios.load("single", seed=-1)


@pytest.mark.slow
def test_helsinki_is_a_real_city_busy_but_not_gridlocked(cache_dir: Path, tmp_path: Path) -> None:
    scenario = scenarios.load("helsinki")
    assert 30 <= len(scenario.junctions) <= 40
    assert any(j.startswith(("cluster", "GS_cluster", "joinedS")) for j in scenario.junctions)
    statistics = run_sumo(scenario, tmp_path)
    vehicles = statistics.find("vehicles")
    assert vehicles is not None and int(vehicles.get("inserted", "0")) > 1200
    assert teleports(statistics) <= 5  # the own fixed plan: busy, not gridlocked
    again = scenarios.load("helsinki", seed=0)
    assert again.route_files[0].read_bytes() == scenario.route_files[0].read_bytes()
    other = scenarios.load("helsinki", seed=1)
    assert other.route_files[0].read_bytes() != scenario.route_files[0].read_bytes()


def test_random_nets_are_signalised_city_like_and_their_seed_decides(cache_dir: Path) -> None:
    """``random:N``: netgenerate's random net, about 20 signalised junctions of varied
    layout (one to six greens); the same N the same net, another N another."""
    first = scenarios.load("random:2")
    env = SignalParallelEnv(first)
    greens = {int(env.action_space(agent).n) for agent in env.possible_agents}
    env.close()
    assert 15 <= len(first.junctions) <= 30 and len(greens) >= 2
    assert scenarios.load("random:2", seed=5).net_file.read_bytes() == first.net_file.read_bytes()
    assert scenarios.load("random:3").net_file.read_bytes() != first.net_file.read_bytes()
