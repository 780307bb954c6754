"""Experiments end to end: specs, the store, resuming after a kill, failures, the summary."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from stopline.experiments.analysis.summary import against_best, compare
from stopline.experiments.runs.backends import LocalBackend
from stopline.experiments.runs.runner import run_spec
from stopline.experiments.runs.spec import SpecError, load_spec
from stopline.experiments.runs.store import RunKey, Store, load_rows, read_runs

from conftest import cli, stopline

SMALL = """
name = "small"
seeds = [101, 102]
env = {{ delta_time = 5 }}
[[scenarios]]
name = "{scenario}"
demand_scales = {scales}
[[controllers]]
name = "fixed"
[[controllers]]
name = "max-pressure"
{extra}
"""


def _spec(folder: Path, scenario: str = "single", extra: str = "", scales: str = "[1.0]") -> Path:
    path = folder / "small.toml"
    path.write_text(SMALL.format(scenario=scenario, extra=extra, scales=scales))
    return path


def _short_single(folder: Path) -> str:
    """`single` cut to a 10-minute window, as a user .sumocfg, to keep runs short."""
    result = stopline("scenarios", "build", "single", "--out", str(folder / "net"))
    assert result.returncode == 0, result.stderr
    config = folder / "net" / "single.sumocfg"
    config.write_text(config.read_text().replace('value="3600"', 'value="600"'))
    return str(config)


def test_a_small_spec_end_to_end(tmp_path: Path, cache_dir: Path) -> None:
    spec = load_spec(_spec(tmp_path, _short_single(tmp_path)))
    folder = run_spec(spec, out=tmp_path / "out", backend=LocalBackend(2))
    rows = load_rows(folder)
    assert len(rows) == 4 and all(row["status"] == "done" for row in rows)
    table = compare(rows, "fixed")
    by_controller = {row.controller: row for row in table}
    fixed = [row["mean_delay"] for row in rows if row["controller"] == "fixed"]
    assert by_controller["fixed"].mean_delay == pytest.approx(sum(fixed) / 2)
    assert by_controller["fixed"].delay_vs_reference == 0
    stored = sqlite3.connect(folder / "results.db").execute(
        "SELECT scenario, demand_scale, controller, seed, status, series FROM runs"
    )
    for *_, status, series in stored:
        assert status == "done" and '"halting"' in series


@pytest.mark.slow
def test_rerun_resumes_without_duplicates_and_failures_are_recorded(
    tmp_path: Path, cache_dir: Path
) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    (broken / "model.zip").write_text("not a model")
    extra = f'[[controllers]]\nname = "rl:{broken}"\nlabel = "broken"'
    spec = load_spec(_spec(tmp_path, _short_single(tmp_path), extra))
    run_spec(spec, out=tmp_path / "out", backend=LocalBackend(2))
    run_spec(spec, out=tmp_path / "out", backend=LocalBackend(2))
    rows = load_rows(tmp_path / "out")
    assert len(rows) == 6
    failed = [row for row in rows if row["status"] == "failed"]
    assert {row["controller"] for row in failed} == {"broken"}
    assert failed[0]["error"]
    assert sum(row["status"] == "done" for row in rows) == 4


def _crashing_model(folder: Path) -> str:
    """An `rl:` model whose loading kills the worker with SIGSEGV, as a crash inside SUMO
    would kill the process hosting libsumo: a spec entry naming it."""
    import base64
    import ctypes
    import json
    import pickle
    import zipfile

    class Segfault:
        def __reduce__(self) -> tuple[Any, tuple[int]]:
            return ctypes.string_at, (0,)  # reads address 0

    folder.mkdir()
    (folder / "config.json").write_text('{"algo": "ppo", "env_config": {}}')
    payload = base64.b64encode(pickle.dumps(Segfault())).decode()
    with zipfile.ZipFile(folder / "model.zip", "w") as archive:
        archive.writestr("data", json.dumps({"policy_class": {":serialized:": payload}}))
    return f'[[controllers]]\nname = "rl:{folder}"\nlabel = "crashes"'


@pytest.mark.slow
def test_a_worker_that_dies_fails_only_its_own_run(tmp_path: Path, cache_dir: Path) -> None:
    extra = _crashing_model(tmp_path / "crashing-model")
    spec = load_spec(_spec(tmp_path, _short_single(tmp_path), extra))
    run_spec(spec, out=tmp_path / "out", backend=LocalBackend(2))
    rows = load_rows(tmp_path / "out")
    status = {(row["controller"], row["seed"]): row["status"] for row in rows}
    assert status == {
        **{(name, seed): "done" for name in ("fixed", "max-pressure") for seed in (101, 102)},
        ("crashes", 101): "failed",
        ("crashes", 102): "failed",
    }
    errors = {row["error"] for row in rows if row["status"] == "failed"}
    assert errors == {"RuntimeError: the worker process died during the run (a crash in SUMO?)"}


@pytest.mark.slow
def test_killing_the_run_loses_only_runs_in_progress(tmp_path: Path, cache_dir: Path) -> None:
    path = _spec(tmp_path, _short_single(tmp_path))
    path.write_text(path.read_text().replace("seeds = [101, 102]", "seeds = [101, 102, 103, 104]"))
    command = [str(Path(sys.executable).with_name("stopline")), "run", str(path)]
    out = ["--out", str(tmp_path / "out"), "--jobs", "1"]
    process = subprocess.Popen(
        [*command, *out],
        start_new_session=True,
        stderr=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    database = tmp_path / "out" / "results.db"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if (
            database.exists()
            and sqlite3.connect(database).execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        ):
            break
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    first = len(load_rows(tmp_path / "out"))
    assert 1 <= first < 8
    result = subprocess.run([*command, *out], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    rows = load_rows(tmp_path / "out")
    keys = [(row["controller"], row["seed"]) for row in rows]
    assert len(keys) == len(set(keys)) == 8


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seeds = []", "seeds: a non-empty list"),
        ('seeds = [1]\ncolour = "red"', "colour: unknown key; allowed:"),
        ('seeds = [1]\n[[scenarios]]\nname = "single"\ndemand_scales = [0]', "demand_scales"),
        (
            'seeds = [1]\n[[scenarios]]\nname = "single"\n[[controllers]]\nname = "wizard"',
            "controllers[0].name: unknown controller 'wizard'",
        ),
        ("seeds = [1", "not valid TOML"),
        (
            'seeds = [1]\n[[scenarios]]\nname = "single"\n[[controllers]]\nname = "ppo"\n'
            "train = { scenario = 5 }",
            "controllers[0].train.scenario: a built-in name or a .sumocfg path",
        ),
        (
            'seeds = [1]\n[[scenarios]]\nname = "single"\n[[controllers]]\nname = "ppo"\n'
            'train = { teacher = "webster" }',
            "controllers[0].train.teacher: auto, none or one of actuated, delay-based",
        ),
        (
            'seeds = [1]\n[[scenarios]]\nname = "single"\n[[controllers]]\nname = "ppo"\n'
            "train = { dagger_rounds = -1 }",
            "controllers[0].train.dagger_rounds: a whole number >= 0",
        ),
    ],
)
def test_bad_specs_name_file_and_key(
    text: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_spec(path)
    status, _, errors = cli(capsys, "run", str(path))
    assert status == 2
    assert str(path) in errors and len(errors.strip().splitlines()) == 1


@pytest.mark.slow
def test_a_policy_trained_on_one_scenario_is_evaluated_on_every_scenario(
    tmp_path: Path, cache_dir: Path
) -> None:
    """``train.scenario``: one model, trained where the entry says, evaluated zero-shot on
    the spec's other scenario (here the turning-mix variant) as on its own."""
    short = _short_single(tmp_path)
    extra = (
        '[[scenarios]]\nname = "single:turns"\n[[controllers]]\nname = "ppo"\n'
        f'train = {{ timesteps = 64, scenario = "{short}", '
        "hyperparameters = { n_steps = 64, batch_size = 32, n_epochs = 2 } }"
    )
    spec = load_spec(_spec(tmp_path, short, extra))
    folder = run_spec(spec, out=tmp_path / "out", backend=LocalBackend(2))
    models = sorted(path.name for path in (folder / "models").iterdir())
    assert len(models) == 1 and models[0].startswith("ppo-single-")
    rows = load_rows(folder)
    assert {row["scenario"] for row in rows if row["controller"] == "ppo"} == {
        short,
        "single:turns",
    }
    assert all(row["status"] == "done" for row in rows)
    saved = json.loads((folder / "experiment.json").read_text())
    assert list(saved["models"]) == ["ppo on single"]


@pytest.mark.slow
def test_python_api_runs_a_spec_and_reads_rows_back(tmp_path: Path, cache_dir: Path) -> None:
    from stopline.experiments import run

    rows = run(_spec(tmp_path, _short_single(tmp_path)), out=tmp_path / "out")
    assert {(row["controller"], row["seed"]) for row in rows} == {
        (c, s) for c in ("fixed", "max-pressure") for s in (101, 102)
    }


def test_shipped_specs_are_valid() -> None:
    folder = Path(__file__).parents[1] / "experiments" / "specs"
    specs = {path.stem: load_spec(path) for path in folder.glob("*.toml")}
    assert {"quick", "corridor-what-if", "grid-rl"} <= set(specs)
    quick = specs["quick"]
    assert [s.name for s in quick.scenarios] == ["single"] and len(quick.controllers) == 3
    assert specs["corridor-what-if"].scenarios[0].demand_scales == (0.8, 1.0, 1.2)
    assert [c.label for c in specs["grid-rl"].controllers if c.train] == ["ppo"]


@pytest.mark.slow
def test_report_names_every_controller_and_matches_the_store(
    tmp_path: Path, cache_dir: Path
) -> None:
    from html.parser import HTMLParser

    from stopline.experiments.reports.report import write_report

    spec = load_spec(_spec(tmp_path, _short_single(tmp_path), scales="[1.0, 1.5]"))
    folder = run_spec(spec, out=tmp_path / "out", backend=LocalBackend(2))
    report = write_report(folder).page

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.cells: list[str] = []
            self.images = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.images += tag == "img" and (dict(attrs).get("src") or "").startswith(
                "data:image/png"
            )

        def handle_data(self, data: str) -> None:
            self.cells.append(data.strip())

    parser = Cells()
    parser.feed(report.read_text())
    assert {"fixed", "max-pressure"} <= set(parser.cells)
    # Delay with CI bars, delay against demand scale, a LOS map and a queue heat map per
    # scale, halting over time.
    assert parser.images == 7
    assert "Queues by junction over time: single.sumocfg, demand x1" in parser.cells
    assert "Delay against demand scale" in parser.cells
    assert "Level of service map: single.sumocfg, demand x1.5" in parser.cells
    rows = [row for row in load_rows(folder) if row["demand_scale"] == 1.5]
    mean = sum(r["mean_delay"] for r in rows if r["controller"] == "max-pressure") / 2
    assert f"{mean:.1f} ±" in " ".join(parser.cells)
    co2 = sum(r["co2_total"] for r in rows if r["controller"] == "max-pressure") / 2
    assert f"{co2:.0f}" in parser.cells and co2 > 0
    assert "HCM 6th edition" in report.read_text()
    header = (folder / "junctions.csv").read_text().splitlines()[0]
    assert header.endswith("control_delay,los,graded")
    # queues.csv: junction C's queue in the first 5 minutes is the mean of the stored
    # minute-by-minute series over those minutes and over seeds.
    stored = [
        sum(run.series["queues"]["C"][:5]) / 5
        for run in read_runs(folder)
        if (run.key.controller, run.key.demand_scale) == ("fixed", 1.0)
    ]
    with (folder / "queues.csv").open() as stream:
        first = next(
            row
            for row in csv.DictReader(stream)
            if (row["controller"], row["demand_scale"], row["time_s"]) == ("fixed", "1.0", "0.0")
        )
    assert first["junction"] == "C"
    assert float(first["queue_veh"]) == pytest.approx(sum(stored) / len(stored))
    csv_text = (folder / "comparison.csv").read_text()
    assert csv_text.splitlines()[0].startswith("scenario,demand_scale,controller,runs")
    assert "max-pressure" in (folder / "summary.md").read_text()
    # A folder from before maps (no networks.json) still gets its report, without maps.
    (folder / "networks.json").unlink()
    again = Cells()
    again.feed(write_report(folder).page.read_text())
    assert again.images == 5 and not any("service map" in cell for cell in again.cells)


@pytest.mark.slow
def test_compare_runs_the_default_experiment(tmp_path: Path, cache_dir: Path) -> None:
    out = tmp_path / "compare"
    result = stopline(
        "compare", _short_single(tmp_path), "--seeds", "101", "--timesteps", "1",
        "--demand-scale", "0.5,1", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for controller in (
        "fixed",
        "webster",
        "coordinated",
        "actuated",
        "max-pressure",
        "sotl",
        "ppo",
    ):
        for scale in ("0.5", "1"):
            assert f"| single.sumocfg | {scale} | {controller} |" in result.stdout
    assert "Delay against demand scale" in (out / "report.html").read_text()
    assert len(list((out / "models").iterdir())) == 1  # PPO trained once, at scale 1
    bad = stopline("compare", "single", "--demand-scale", "1,0")
    assert bad.returncode == 2 and "--demand-scale: must be numbers like 0.8,1,1.2" in bad.stderr


def test_report_of_a_folder_without_results(tmp_path: Path) -> None:
    result = stopline("report", str(tmp_path))
    assert result.returncode == 2 and "no results.db here" in result.stderr


def test_a_folder_whose_runs_all_failed_says_so_and_exits_1(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for seed in range(101, 108):
        store.record(
            "spec",
            RunKey("single", 1.0, "broken", seed),
            status="failed",
            versions=("0", "0"),
            wall_time=1.0,
            params={"controller": "rl:broken"},
            error=f"Traceback ...\nModelMismatchError: seed {seed} did not fit",
        )
    store.close()
    result = stopline("report", str(tmp_path))
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"stopline: {tmp_path}: every run failed (7), nothing to compare:"
    assert lines[1] == "  broken on single x1 seed 101: ModelMismatchError: seed 101 did not fit"
    assert lines[-1].startswith("  ... and 2 more") and "Traceback" not in result.stderr
    assert not (tmp_path / "report.html").exists()


@pytest.mark.slow
def test_local_ray_gives_the_same_runs_as_local_processes(tmp_path: Path, cache_dir: Path) -> None:
    pytest.importorskip(
        "ray", reason="Ray is not installed: pip install -e '.[ray]' (CI installs it)"
    )
    extra = _crashing_model(tmp_path / "crashing-model")
    spec_path = _spec(tmp_path, _short_single(tmp_path), extra)
    local = run_spec(load_spec(spec_path), out=tmp_path / "local", backend=LocalBackend(2))
    result = stopline(
        "run", str(spec_path), "--backend", "ray", "--jobs", "2", "--out", str(tmp_path / "ray")
    )
    assert result.returncode == 0, result.stderr
    assert "| max-pressure |" in result.stdout

    def measured(folder: Path) -> dict[RunKey, tuple[Any, ...]]:
        return {
            run.key: (run.status, run.metrics, run.junctions, run.series)
            for run in read_runs(folder)
        }

    on_ray = measured(tmp_path / "ray")
    statuses = sorted((key.controller, status) for key, (status, *_) in on_ray.items())
    assert (
        statuses
        == [("crashes", "failed")] * 2 + [("fixed", "done")] * 2 + [("max-pressure", "done")] * 2
    )
    assert on_ray == measured(local)


def test_ray_address_needs_the_ray_backend(tmp_path: Path) -> None:
    spec_path = _spec(tmp_path)
    result = stopline("run", str(spec_path), "--ray-address", "auto", "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == "stopline: error: --ray-address needs --backend ray"


def test_ray_backend_without_ray_installed_is_one_clear_line(tmp_path: Path) -> None:
    # Ray made unimportable in a fresh interpreter, as on an install without the extra.
    program = (
        "import sys; sys.modules['ray'] = None\n"
        "from stopline.experiments.cli import main\n"
        "sys.exit(main(sys.argv[1:]))"
    )
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-c", program, "run", str(_spec(tmp_path)), "--backend", "ray",
         "--out", str(out)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "stopline: error: --backend ray: Ray is not installed; "
        "install it with pip install 'stopline[ray]'"
    )
    assert not out.exists()


def test_a_learned_policy_is_paired_with_the_classical_strategy_of_lowest_mean_delay() -> None:
    def row(controller: str, seed: int, delay: float, status: str = "done") -> dict[str, Any]:
        return {
            "scenario": "corridor", "demand_scale": 1.0, "controller": controller,
            "seed": seed, "mean_delay": delay, "status": status,
        }  # fmt: skip

    rows = [
        *(row("fixed", s, 90.0) for s in (1, 2, 3)),
        *(row("sotl", s, d) for s, d in zip((1, 2, 3), (30.0, 32.0, 28.0), strict=True)),
        *(row("greedy", s, d) for s, d in zip((1, 2, 3), (29.0, 31.0, 33.0), strict=True)),
        *(row("ppo", s, d) for s, d in zip((1, 2, 3), (27.0, 33.0, 24.0), strict=True)),
        row("ppo-other", 1, 10.0),  # learned too: never "the best classical"
        row("ppo-other", 2, 0.0, status="failed"),
    ]
    found = {entry.controller: entry for entry in against_best(rows, {"ppo", "ppo-other"})}
    ppo = found["ppo"]
    assert (ppo.best, ppo.seeds, ppo.wins) == ("sotl", 3, 2)  # sotl 30.0 beats greedy 31.0
    assert ppo.difference == pytest.approx(-2.0) and ppo.ratio == pytest.approx(28.0 / 30.0)
    other = found["ppo-other"]
    assert (other.best, other.seeds, other.best_delay) == ("sotl", 1, 30.0)
