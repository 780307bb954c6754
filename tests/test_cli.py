"""The ``stopline`` command as users run it: help, scenarios, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stopline import scenarios
from stopline.scenarios import sumo_tools

from conftest import DATA, stopline


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
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = stopline(*command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: stopline")


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


@pytest.mark.parametrize(
    ("arguments", "names"),
    [
        (["scenarios", "show", "atlantis"], "unknown scenario 'atlantis'"),
        (["scenarios", "build", "single", "--demand-scale", "0"], "--demand-scale"),
        (["scenarios", "build", "single", "--demand-scale", "-2"], "--demand-scale"),
        (["scenarios", "build", "single", "--seed", "x"], "--seed"),
        (["scenarios", "show", "/no/such/file.sumocfg"], "/no/such/file.sumocfg: file not found"),
        (["scenarios", "frobnicate"], "invalid choice: 'frobnicate'"),
        (["scenarios", "build", "grid:0x0"], "grid size must be CxR"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    arguments: list[str], names: str, cache_dir: Path
) -> None:
    result = stopline(*arguments)
    assert result.returncode == 2
    assert result.stdout == ""
    assert names in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


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
    rows = {line[:26].strip(): line[26:].split() for line in lines[2:4]}
    assert set(rows) == {"raw sumo binary", "env, observe-only"}
    assert int(rows["env, observe-only"][1].replace(",", "")) > 0  # env steps/s
    assert "env, observe-only / raw sumo:" in result.stdout


def test_bench_refuses_bad_repeats() -> None:
    result = stopline("bench", "single", "--repeats", "0")
    assert result.returncode == 2
    assert "argument --repeats: must be a whole number >= 1" in result.stderr


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


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--controller", "wizard"], "unknown controller 'wizard'"),
        (["--controller", "sotl", "--param", "omega=3"], "controller 'sotl' has no parameter 'omega'; its parameters: theta, mu"),
        (["--controller", "fixed,sotl", "--param", "theta=3"], "name just one"),
        (["--controller", "rl:/nowhere"], "/nowhere: no model.zip"),
        (["--controller", "fixed", "--seeds", "a,b"], "argument --seeds"),
    ],
)
def test_evaluate_bad_input(arguments: list[str], message: str, cache_dir: Path) -> None:
    result = stopline("evaluate", "single", *arguments)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--hyper", "gama=0.9"], "ppo has no hyper-parameter 'gama'"),
        (["--algo", "sac"], "argument --algo: invalid choice: 'sac'"),
        (["--timesteps", "0"], "argument --timesteps: must be a whole number >= 1"),
        (["--torch-threads", "0"], "argument --torch-threads: must be a whole number >= 1"),
    ],
)
def test_train_bad_input(arguments: list[str], message: str, tmp_path: Path) -> None:
    result = stopline("train", "single", "--out", str(tmp_path / "run"), *arguments)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


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
