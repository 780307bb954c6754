"""The ``stopline`` command as users run it: help, scenarios, and one-line errors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from stopline import scenarios
from stopline.scenarios import sumo_tools

from conftest import DATA, cli, stopline


def test_version_names_stopline_and_sumo() -> None:
    result = stopline("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"stopline 0.1.0 (SUMO {sumo_tools.version()})"


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["scenarios"],
        ["scenarios", "list"],
        ["scenarios", "show"],
        ["scenarios", "build"],
        ["bench"],
        ["evaluate"],
        ["train"],
        ["run"],
        ["report"],
        ["compare"],
        ["plan"],
    ],
)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(capsys, *command, "--help")
    assert status == 0
    assert out.startswith("usage: stopline")


def test_list_names_every_builtin() -> None:
    result = stopline("scenarios", "list")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()[1:4]]
    assert names == ["single", "corridor", "grid"]


def test_show_describes_junctions_window_and_demand(cache_dir: Path) -> None:
    result = stopline("scenarios", "show", "corridor", "--seed", "2")
    assert result.returncode == 0, result.stderr
    assert "signalised junctions  5: J0, J1, J2, J3, J4" in result.stdout
    assert "window                0-3600 s" in result.stdout
    assert "seed 2, scale 1" in result.stdout


def test_build_out_copies_files_and_keeps_others(cache_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = stopline("scenarios", "build", "single", "--demand-scale", "1.2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "notes.txt").read_text() == "mine"
    assert {path.name for path in out.iterdir()} >= {
        "single.net.xml",
        "single.rou.xml",
        "single.sumocfg",
        "notes.txt",
    }
    assert f"sumo -c {out / 'single.sumocfg'}" in result.stdout


def test_user_sumocfg_from_the_command_line(town: Path) -> None:
    result = stopline("scenarios", "show", str(town / "town.sumocfg"))
    assert result.returncode == 0, result.stderr
    assert "cluster_5_6" in result.stdout


def test_bad_user_files_are_one_line_errors(town: Path, tmp_path: Path) -> None:
    routes = tmp_path / "bad.rou.xml"
    routes.write_text('<routes><vehicle id="v" depart="0"><route edges="zz"/></vehicle></routes>')
    result = stopline("scenarios", "show", str(town / "town.net.xml"), "--routes", str(routes))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"stopline: error: {routes}: vehicle 'v' uses edge 'zz', "
        "which is not in the network town.net.xml"
    )


def test_out_for_a_user_file_is_refused(town: Path, tmp_path: Path) -> None:
    result = stopline("scenarios", "build", str(town / "town.sumocfg"), "--out", str(tmp_path))
    assert result.returncode == 2
    assert "--out copies built-in scenarios" in result.stderr


def test_bench_prints_rates_and_the_ratio_to_raw_sumo(cache_dir: Path) -> None:
    result = stopline("scenarios", "show", "single")  # build outside the timed part
    result = stopline("bench", "single", "--repeats", "1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("bench single: 1 junction, window 0-3600 s")
    rows = {line[:26].strip(): line[26:].split() for line in lines[2:5]}
    assert set(rows) == {"raw sumo binary", "env, observe-only", "env, in control"}
    for env in ("env, observe-only", "env, in control"):
        assert int(rows[env][1].replace(",", "")) > 0  # env steps/s
        assert f"{env} / raw sumo:" in result.stdout


def test_train_says_how_to_evaluate_at_the_demand_it_trained_on(
    tmp_path: Path, cache_dir: Path
) -> None:
    out = tmp_path / "peak"
    result = stopline(
        "train", "single", "--demand-scale", "1.5", "--timesteps", "64", "--teacher", "none",
        "--hyper", "n_steps=64", "--hyper", "batch_size=32", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"stopline evaluate single --demand-scale 1.5 --controller rl:{out}" in result.stdout


@pytest.mark.slow
def test_evaluate_json_has_one_object_per_seed(cache_dir: Path) -> None:
    result = stopline(
        "evaluate", "single", "--controller", "greedy", "--seeds", "101,102", "--json"
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["seed"] for row in rows] == [101, 102]
    for row in rows:
        assert {"mean_delay", "mean_travel_time", "throughput", "unfinished", "teleports"} <= set(
            row
        )
        assert row["throughput"] > 1000 and row["teleports"] == 0


def test_evaluate_compares_several_with_confidence_intervals(cache_dir: Path) -> None:
    result = stopline("evaluate", "single", "--controller", "fixed,random", "--seeds", "101,102")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "95 % confidence intervals" in lines[0]
    assert [line.split()[0] for line in lines[2:]] == ["fixed", "random"]
    assert "±" in lines[2]


def test_evaluate_says_when_a_strategy_gridlocks(cache_dir: Path) -> None:
    """`single` at four times its demand: the random strategy leaves some 2,000 vehicles
    unable to enter; the caution under the table says so, as `run`'s does."""
    result = stopline(
        "evaluate", "single", "--demand-scale", "4", "--controller", "random", "--seeds", "101"
    )
    assert result.returncode == 0, result.stderr
    [caution] = [line for line in result.stdout.splitlines() if line.startswith("caution:")]
    assert caution.startswith("caution: gridlock on single x4: random (")
    assert "vehicles never able to enter per run" in caution


@pytest.mark.slow
def test_import_an_openstreetmap_extract(tmp_path: Path, cache_dir: Path) -> None:
    out = tmp_path / "lindenau"
    result = stopline(
        "scenarios", "import", str(DATA / "lindenau.osm"), "--seed", "2", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} == {
        "lindenau.net.xml",
        "lindenau.rou.xml",
        "lindenau.sumocfg",
        "ATTRIBUTION.txt",
    }
    assert "OpenStreetMap contributors" in (out / "ATTRIBUTION.txt").read_text()
    evaluated = stopline(
        "evaluate", str(out / "lindenau.sumocfg"), "--controller", "max-pressure", "--seeds", "101"
    )
    assert evaluated.returncode == 0, evaluated.stderr


@pytest.mark.slow
def test_import_cuts_to_a_bounding_box(tmp_path: Path, cache_dir: Path) -> None:
    whole, part = tmp_path / "whole", tmp_path / "part"
    source = str(PBF)
    assert stopline("scenarios", "import", source, "--out", str(whole)).returncode == 0
    box = "24.938,60.166,24.948,60.172"
    assert (
        stopline("scenarios", "import", source, "--bbox", box, "--out", str(part)).returncode == 0
    )
    lights = [scenarios.load(f / "helsinki.sumocfg").junctions for f in (whole, part)]
    assert 0 < len(lights[1]) < len(lights[0])


PBF = Path(scenarios.__file__).parent / "data" / "helsinki.osm.pbf"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["/nowhere.osm"], "/nowhere.osm: file not found"),
        (["GARBLED"], "cannot be read as OpenStreetMap data"),
        (["NOSIGNALS"], "no traffic signals in the imported area"),
        ([str(PBF), "--bbox", "1,2,3"], "argument --bbox: expected W,S,E,N"),
        ([str(PBF), "--bbox", "25,60,25.1,60.1"], "no roads of helsinki.osm.pbf inside it"),
        ([str(DATA / "lindenau.osm"), "--density", "-3"], "argument --density"),
    ],
)
def test_import_bad_input(arguments: list[str], message: str, tmp_path: Path) -> None:
    garbled = tmp_path / "garbled.osm.pbf"
    garbled.write_bytes(b"\x00\x01 not a map" * 50)
    unsignalled = tmp_path / "plain.osm"
    unsignalled.write_text((DATA / "lindenau.osm").read_text().replace("traffic_signals", "stop"))
    named = {"GARBLED": str(garbled), "NOSIGNALS": str(unsignalled)}
    arguments = [named.get(argument, argument) for argument in arguments]
    result = stopline("scenarios", "import", *arguments, "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # nothing half-made


@pytest.mark.slow
def test_a_failing_strategy_does_not_throw_away_the_others(tmp_path: Path, cache_dir: Path) -> None:
    folder = tmp_path / "broken-model"
    folder.mkdir()
    (folder / "config.json").write_text('{"algo": "ppo", "env_config": {}, "layout": {}}')
    (folder / "model.zip").write_bytes(b"not a zip")
    result = stopline(
        "evaluate", "single", "--controller", f"fixed,rl:{folder},max-pressure", "--seeds", "7"
    )
    assert result.returncode == 1
    assert "fixed" in result.stdout and "max-pressure" in result.stdout
    assert f"run failed: rl:{folder} on seed 7" in result.stderr
    assert "seeds 7 are training demand seeds" in result.stderr  # and says so


def _commands(parser: argparse.ArgumentParser, path: str = "stopline") -> list[tuple[str, Any]]:
    """Every (sub)command's parser, by its command line."""
    found = [(path, parser)]
    for action in parser._actions:  # argparse keeps subparsers nowhere public
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _commands(child, f"{path} {name}")
    return found


def test_every_option_says_what_it_means_and_its_default() -> None:
    from stopline.experiments.cli import build_parser

    missing = []
    for command, parser in _commands(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
                continue
            name = "/".join(action.option_strings) or action.dest
            if not action.help:
                missing.append(f"{command} {name}: no help")
            elif (
                action.option_strings
                and action.default not in (None, False, [], argparse.SUPPRESS)
                and "default" not in action.help
            ):
                missing.append(f"{command} {name}: default {action.default!r} not said")
    assert missing == []
