"""Bad input through the command line: one line on stderr naming the option or file at
fault, exit status 2, no traceback, nothing run and nothing stored lost.

The table runs the command line's `main` in this process (the ``stopline`` script calls
it); Ctrl-C is tested on the installed script, in processes of their own."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from stopline import scenarios
from stopline.agents.training import TrainConfig
from stopline.experiments.runs.store import LOCK, SETTINGS, RunKey, Store

from conftest import cli

SPEC = """
name = "bad"
seeds = {seeds}
{extra}
[[scenarios]]
name = "single"
[[controllers]]
name = "fixed"
{controller}
"""


def _spec(
    folder: Path, name: str, extra: str = "", controller: str = "", seeds: str = "[101]"
) -> str:
    path = folder / f"{name}.toml"
    path.write_text(SPEC.format(extra=extra, controller=controller, seeds=seeds))
    return str(path)


def _stored(folder: Path, spec_hash: str) -> Path:
    """A results folder holding one finished run of another experiment (as the runner
    stores it), to test what commands do with folders they did not make."""
    store = Store(folder)
    store.record(
        spec_hash,
        RunKey("single", 1.0, "fixed", 101),
        status="done",
        versions=("0.1.0", "1.0"),
        wall_time=1.0,
        params={"controller": "fixed"},
        result={"metrics": {"mean_delay": 10.0}},
    )
    store.close()
    (folder / SETTINGS).write_text(json.dumps({"spec_hash": spec_hash, "reference": "fixed"}))
    return folder


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[dict[str, str]]:
    """Every kind of bad file the cases name, by placeholder."""
    folder = tmp_path_factory.mktemp("bad-input")
    a_file = folder / "a-file"
    a_file.write_text("mine")
    garbage = folder / "garbage"
    garbage.mkdir()
    (garbage / "results.db").write_bytes(os.urandom(4096))
    net = scenarios.load("single").net_file
    (folder / "empty.rou.xml").write_text("<routes/>\n")
    no_demand = folder / "no-demand.sumocfg"
    no_demand.write_text(
        f'<configuration><input><net-file value="{net}"/>'
        '<route-files value="empty.rou.xml"/></input></configuration>'
    )
    (folder / "bad.toml").write_text("seeds = [")
    (folder / "binary.toml").write_bytes(b"\xff\xfe\x00seeds")
    with (folder / "huge.toml").open("wb") as huge:  # sparse: 2 MB on paper, none on disk
        huge.truncate(2_000_000)
    foreign = folder / "foreign"  # someone else's SQLite file where a store would be
    foreign.mkdir()
    with sqlite3.connect(foreign / "results.db") as connection:
        connection.execute("CREATE TABLE accounts (owner TEXT)")
    connection.close()
    zero = folder / "zero"
    zero.mkdir()
    (zero / "results.db").touch()
    locked = folder / "locked"  # a folder another run is writing to (it holds the lock)
    locked.mkdir()
    holder = (locked / LOCK).open("a")
    fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    model = folder / "model"
    model.mkdir()
    (model / "model.zip").write_bytes(b"a model already trained")
    (model / "config.json").write_text("{}")
    resumable = folder / "resumable"  # a run of `single` with PPO, saved as train saves it
    resumable.mkdir()
    saved = dataclasses.asdict(TrainConfig("single"))
    (resumable / "config.json").write_text(json.dumps(saved))
    unfinished = folder / "unfinished" / "checkpoints"  # a run stopped before its end
    unfinished.mkdir(parents=True)
    (unfinished / "rl_64_steps.zip").write_bytes(b"a checkpoint")
    # Plan files: one for another net (corridor's J1), one missing single's junction C, and
    # one ending a green without yellow.
    logic = '<tlLogic id="{id}" type="static" programID="p" offset="0">{phases}</tlLogic>'
    two = '<phase duration="30" state="{0}"/><phase duration="30" state="{1}"/>'
    plans = {
        "FOREIGNPLAN": logic.format(id="J1", phases=two.format("G" * 14, "r" * 14)),
        "GAPPLAN": "",
        "UNSAFEPLAN": logic.format(
            id="C", phases=two.format("GGGgrrrrGGGgrrrr", "rrrrGGGgrrrrGGGg")
        ),
    }
    for name, body in plans.items():
        (folder / f"{name.lower()}.add.xml").write_text(f"<additional>{body}</additional>")
    yield {
        **{name: str(folder / f"{name.lower()}.add.xml") for name in plans},
        "FILE": str(a_file),
        "GARBAGE": str(garbage),
        "EMPTY": str(tmp_path_factory.mktemp("empty")),
        "OTHER": str(_stored(folder / "other", "another-experiment")),
        "NODEMAND": str(no_demand),
        "MODEL": str(model),
        "UNFINISHED": str(folder / "unfinished"),
        "RESUMABLE": str(resumable),
        "NEW": str(folder / "new"),
        "BADTOML": str(folder / "bad.toml"),
        "UNKNOWNKEY": _spec(folder, "unknown-key", extra="colour = 'red'"),
        "TWICE": _spec(folder, "twice", seeds="[101, 101]"),
        "BADENV": _spec(folder, "bad-env", extra="env = { min_green = 'x' }"),
        "BADPARAM": _spec(
            folder, "bad-param", controller='[[controllers]]\nname = "sotl"\nparams = {nosuch = 1}'
        ),
        "GOODSPEC": _spec(folder, "good"),
        "BINARYSPEC": str(folder / "binary.toml"),
        "HUGESPEC": str(folder / "huge.toml"),
        "FOREIGN": str(foreign),
        "ZERO": str(zero),
        "LOCKED": str(locked),
        "SCALESTWICE": _spec(
            folder,
            "scales-twice",
            controller='[[scenarios]]\nname = "corridor"\ndemand_scales = [1.0, 1]',
        ),
        "SCENARIOTWICE": _spec(
            folder, "scenario-twice", controller='[[scenarios]]\nname = "single"'
        ),
        "OUTNUMBER": _spec(folder, "out-number", extra="out = 42"),
        "MANYSTEPS": _spec(
            folder,
            "many-steps",
            controller='[[controllers]]\nname = "ppo"\ntrain = { timesteps = "many" }',
        ),
        "NEGATIVESTEPS": _spec(
            folder,
            "negative-steps",
            controller='[[controllers]]\nname = "ppo"\ntrain = { timesteps = -5 }',
        ),
        "FAMILYSPEC": _spec(
            folder,
            "family",
            controller='[[controllers]]\nname = "ppo"\ntrain = { family = ["corridor"] }',
        ),
    }
    holder.close()  # the lock was held while the module's tests ran


# (arguments, what the one line must say); upper-case words are files from `inputs`, and
# leading NAME=VALUE words set an environment variable for the command.
CASES = [
    # Demand from counts.
    (
        "scenarios from-counts corridor --counts FILE --out NEW",
        "FILE: no column from, to, interval, count",
    ),
    (
        "scenarios from-counts corridor --counts NEW/none.csv --out NEW",
        "NEW/none.csv: file not found",
    ),
    (
        "scenarios from-counts corridor --counts FILE --interval 0min --out NEW",
        "--interval: '0min' is not a duration like 15min, 900s or 1h",
    ),
    # Timing plans.
    (
        "plan single --periods 00:00-02:00",
        "--periods: period 00:00-02:00 is outside the scenario's window 00:00-01:00",
    ),
    (
        "plan single --periods 00:00-00:40,00:30-01:00",
        "--periods: periods 00:00-00:40 and 00:30-01:00 overlap",
    ),
    (
        "plan single --start 07:30 --periods 07:00-08:00",
        "--periods: period 07:00-08:00 is outside the scenario's window 07:30-08:30",
    ),
    ("plan single --start 25:00", "--start: must be a time of day HH:MM, got '25:00'"),
    ("plan single --objective speed", "--objective: unknown objective 'speed'; choose delay"),
    (
        "evaluate single --controller coordinated --param objective=speed",
        "objective: unknown objective 'speed'",
    ),
    ("evaluate single --controller plan:FOREIGNPLAN", "'J1' is not in single.net.xml"),
    ("evaluate single --controller plan:GAPPLAN", "no programme for junction(s) C of"),
    (
        "evaluate single --controller plan:UNSAFEPLAN",
        "'C' is unsafe: link 0 goes from green to red without yellow after phase 0",
    ),
    ("evaluate single --controller plan:NEW", "no such plan file"),
    # The scenario cache.
    (
        "STOPLINE_CACHE=/proc/stopline-cache evaluate single --controller fixed",
        "scenario cache /proc/stopline-cache/nets: cannot write there",
    ),
    # Controller parameters, checked against the documented ones before anything runs.
    ("evaluate single --controller sotl --param theta=abc", "'theta' must be a number"),
    (
        "evaluate single --controller sotl --param nosuch=1",
        "no parameter 'nosuch'; its parameters: theta, mu",
    ),
    ("evaluate single --controller sotl --param theta=-5", "'theta' must be >= 0"),
    ("evaluate single --controller sotl --param mu=1.5", "'mu' must be a whole number"),
    (
        "evaluate single --controller fixed --param cycle=90",
        "controller 'fixed' has no parameter 'cycle'",
    ),
    (
        "evaluate single --controller fixed,sotl --param theta=3",
        "--param sets the parameters of one",
    ),
    ("evaluate single --controller nosuch", "unknown controller 'nosuch'"),
    ("evaluate single --controller fixed,,sotl", "--controller 'fixed,,sotl': an empty name"),
    ("evaluate single --controller rl:EMPTY", "no model.zip and config.json"),
    ("evaluate single --controller fixed --param theta", "--param: must be KEY=VALUE"),
    # Seeds, scales, scenarios.
    ("evaluate single --controller fixed --seeds 101,101", "--seeds: seed 101 appears twice"),
    ("evaluate single --controller fixed --seeds 101,x", "--seeds: must be whole numbers"),
    ("evaluate single --controller fixed --demand-scale 0", "--demand-scale: must be a number > 0"),
    ("evaluate nosuch --controller fixed", "unknown scenario 'nosuch'"),
    ("evaluate NEW/missing.sumocfg --controller fixed", "missing.sumocfg: file not found"),
    ("evaluate NODEMAND --controller fixed", "no-demand.sumocfg: no demand"),
    # Signal settings.
    ("evaluate single --controller fixed --env min_green=abc", "min_green must be a number > 0"),
    ("evaluate single --controller fixed --env nosuch=1", "--env: unknown key 'nosuch'"),
    (
        "evaluate single --controller fixed --env min_green=30 --env max_green=10",
        "max_green must be >= min_green (30)",
    ),
    ("evaluate single --controller fixed --phases mine", "--phases: invalid choice"),
    ("bench single --env delta_time=0", "delta_time must be a number > 0"),
    ("bench single --repeats 0", "--repeats: must be a whole number >= 1"),
    # Bounds (`stopline.scenarios.bounds`): far outside, a run never ends or fails late.
    (
        "evaluate single --controller fixed --demand-scale 1e300",
        "--demand-scale: must be a number > 0 and at most 10",
    ),
    (
        "evaluate single --controller fixed --seeds 4294967296",
        "--seeds: must be whole numbers like 101,102, each a whole number from 0 to 2147483647",
    ),
    (
        "evaluate single --controller fixed --env max_green=1",
        "max_green must be >= the shortest min green (5), got 1",
    ),
    (
        "evaluate single --controller fixed --env yellow_time=100000",
        "yellow_time must be a number from 0 to 10",
    ),
    (
        "evaluate single --controller fixed --env all_red=1e9",
        "all_red must be a number from 0 to 10",
    ),
    (
        "evaluate single --controller fixed --env min_green=1e300",
        "min_green must be a number > 0 and at most 300",
    ),
    ("train single --out NEW --envs 100000", "--envs: must be a whole number from 1 to 256"),
    (
        "train single --out NEW --torch-threads 100000",
        "--torch-threads: must be a whole number from 1 to 256",
    ),
    (
        "train single --out NEW --hyper learning_rate=-1",
        "learning_rate must be a number > 0 and at most 1",
    ),
    ("train single --out NEW --hyper n_steps=0", "n_steps must be a whole number from 2 to"),
    ("train single --out NEW --hyper gamma=2", "gamma must be a number > 0 and at most 1"),
    # Output folders and stores: one rule for every command's --out.
    ("plan single --out FILE", "--out FILE: is a file, not a folder"),
    ("plan single --out FILE/sub", "--out FILE/sub: cannot create it (FILE is a file)"),
    ("scenarios build single --out FILE", "--out FILE: is a file, not a folder"),
    ("scenarios from-counts corridor --counts FILE --out FILE", "--out FILE: is a file"),
    ("distil OTHER --controller fixed --out FILE", "--out FILE: is a file, not a folder"),
    ("compare single --out FILE", "--out FILE: is a file, not a folder"),
    ("compare single --out /proc/stopline-out", "--out /proc/stopline-out: cannot create it"),
    (
        "compare single --out GARBAGE --seeds 101",
        "GARBAGE/results.db: not a Stopline results database",
    ),
    (
        "compare single --out OTHER --seeds 101 --timesteps 10",
        "OTHER holds the runs of another experiment",
    ),
    ("compare single --timesteps abc", "--timesteps: must be a whole number from 1 to"),
    ("compare single --jobs 0", "--jobs: must be a whole number from 1 to 256"),
    ("compare single --seeds 7,7", "--seeds: seed 7 appears twice"),
    ("report GARBAGE", "GARBAGE/results.db: not a Stopline results database"),
    ("report FOREIGN", "FOREIGN/results.db: not a Stopline results database (its tables are"),
    ("report ZERO", "ZERO/results.db: not a Stopline results database (it is empty)"),
    ("compare single --out FOREIGN", "FOREIGN/results.db: not a Stopline results database"),
    ("compare single --demand-scale 1,1", "--demand-scale: 1 appears twice"),
    ("report EMPTY", "EMPTY: no results.db here"),
    ("explain EMPTY", "EMPTY: no results.db here"),
    ("explain OTHER", "stored before Stopline recorded what the signals did"),
    ("distil EMPTY --controller fixed", "EMPTY: no results.db here"),
    ("distil OTHER", "the following arguments are required: --controller"),
    (
        "distil OTHER --controller nosuch",
        "--controller nosuch: no finished runs in OTHER; it holds fixed",
    ),
    (
        "report OTHER --reference nosuch",
        "--reference 'nosuch': not a strategy of OTHER; one of fixed",
    ),
    # Specs.
    ("run NEW/missing.toml", "missing.toml: file not found"),
    ("run BADTOML", "bad.toml: not valid TOML"),
    ("run TWICE", "seeds: seed 101 appears twice"),
    ("run BINARYSPEC", "binary.toml: not a text file"),
    ("run HUGESPEC", "huge.toml: 2 MB, more than a spec file can be (at most 1 MB)"),
    ("run SCALESTWICE", "scenarios[1].demand_scales: 1 appears twice"),
    ("run SCENARIOTWICE", "scenarios[1].name: single is listed twice"),
    ("run OUTNUMBER", "out: a non-empty string, not 42"),
    ("run MANYSTEPS", "controllers[1].train: timesteps must be a whole number from 1 to"),
    ("run NEGATIVESTEPS", "controllers[1].train: timesteps must be a whole number from 1 to"),
    ("run GOODSPEC --out LOCKED", "LOCKED: another stopline run is writing to it"),
    ("run UNKNOWNKEY", "colour: unknown key"),
    ("run BADENV", "env: min_green must be a number > 0"),
    ("run BADPARAM", "controllers[1].name: controller 'sotl' has no parameter 'nosuch'"),
    ("run GOODSPEC --out OTHER", "OTHER holds the runs of another experiment"),
    ("run GOODSPEC --ray-address auto", "--ray-address needs --backend ray"),
    # Training.
    ("train single --out FILE", "--out FILE: is a file, not a folder"),
    ("train single --out MODEL", "--out MODEL: already holds a trained model"),
    ("train single --out UNFINISHED", "--out UNFINISHED: holds an unfinished training run"),
    ("train single --out EMPTY --resume", "--resume: EMPTY holds no training run to resume"),
    ("train single --out MODEL --resume", "--resume: MODEL/config.json cannot be read"),
    (
        "train corridor --algo dqn --resume --out RESUMABLE",
        "--resume: RESUMABLE trained another run (differs in algo",
    ),
    ("train single --out NEW --hyper nosuch=1", "ppo has no hyper-parameter 'nosuch'"),
    ("train single --out NEW --hyper learning_rate=abc", "'learning_rate' must be float"),
    ("train single --out NEW --algo sac", "--algo: invalid choice"),
    ("train single --out NEW --env all_red=-1", "all_red must be a number from 0 to 10"),
    ("train single --out NEW --timesteps 0", "--timesteps: must be a whole number from 1 to"),
    ("train single --out NEW --torch-threads 0", "--torch-threads: must be a whole number from 1"),
    ("train single --out NEW --backend ray", "--backend ray trains networks"),
    ("train grid:2x2 --out NEW --ray-address 1.2.3.4:6379", "--ray-address needs --backend ray"),
    ("train grid:2x2 corridor --out NEW", "training on several scenarios needs an observation"),
    ("train single --out NEW --demand-spread 1.5", "--demand-spread must be >= 0 and < 1"),
    ("run FAMILYSPEC", 'controllers[1].train.family: several networks need observation = "greens"'),
    ("tune single --out NEW --algo dqn", "--algo: invalid choice"),
    ("tune single --out NEW --trials 0", "--trials: must be a whole number >= 1"),
    # Scenarios.
    ("scenarios show nosuch", "unknown scenario 'nosuch'"),
    ("scenarios show grid:99x99", "grid:99x99"),
    ("scenarios build grid:0x0", "grid size must be CxR"),
    ("scenarios show random:0", "the net's seed must be 1 to 999"),
    ("scenarios build single --demand-scale -2", "--demand-scale: must be a number > 0"),
    ("scenarios build single --seed x", "--seed: must be a whole number from 0 to 2147483647"),
    ("scenarios show /no/such/file.sumocfg", "/no/such/file.sumocfg: file not found"),
    ("scenarios frobnicate", "invalid choice: 'frobnicate'"),
]


@pytest.mark.parametrize(("command", "message"), CASES, ids=[case[0] for case in CASES])
def test_bad_input_is_one_line_and_exit_2(
    command: str,
    message: str,
    inputs: dict[str, str],
    cache_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def filled(text: str) -> str:
        for name in sorted(inputs, key=len, reverse=True):
            text = text.replace(name, inputs[name])
        return text

    stores = [Path(inputs[name]) / "results.db" for name in ("OTHER", "FOREIGN", "ZERO")]
    before = [store.read_bytes() for store in stores]
    words = filled(command).split()
    while "=" in words[0]:
        name, _, value = words.pop(0).partition("=")
        monkeypatch.setenv(name, value)
    status, _, errors = cli(capsys, *words)
    lines = errors.strip().splitlines()
    assert status == 2, errors
    assert len(lines) == 1, errors
    assert filled(message) in lines[0]
    assert [store.read_bytes() for store in stores] == before  # nothing stored is touched
    assert not Path(inputs["NEW"]).exists()


def test_the_table_covers_at_least_30_cases() -> None:
    assert len(CASES) >= 30


def _descendants(pid: int) -> list[int]:
    children = []
    for process in Path("/proc").iterdir():
        if process.name.isdigit():
            try:
                fields = (process / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                children += [int(process.name), *_descendants(int(process.name))]
    return children


def _alive(pids: list[int]) -> list[int]:
    """The processes still running (zombies waiting to be reaped are done)."""
    running = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.append(pid)
    return running


# A terminal's foreground job has Ctrl-C at its default action, but a job started in the
# background of a non-interactive shell (`cmd &`, as CI harnesses may start pytest) inherits
# SIGINT ignored, and Python then never raises KeyboardInterrupt. The command under test is
# started as a terminal would start it: SIGINT back to default, then exec.
_AS_FROM_A_TERMINAL = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.4, 1.5, 2.5, 4.0, 8.0, 14.0])
@pytest.mark.parametrize("command", ["train", "train-network", "compare"])
def test_ctrl_c_is_one_line_and_exit_130_at_any_moment(
    command: str, after: float, tmp_path: Path, cache_dir: Path
) -> None:
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) while Python
    imports, while workers start (one junction's, or whole networks'), while training and
    (compare) while evaluating."""
    arguments = {
        "train": ["train", "single", "--timesteps", "100000", "--out", str(tmp_path / "m")],
        "train-network": ["train", "grid:2x2", "--timesteps", "100000", "--out", str(tmp_path)],
        "compare": ["compare", "single", "--seeds", "101,102", "--timesteps", "200"],
    }[command]
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _AS_FROM_A_TERMINAL,
            str(Path(sys.executable).with_name("stopline")),
            *arguments,
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    time.sleep(after)
    workers = _descendants(process.pid)
    os.killpg(process.pid, signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # a failing test leaves nothing running
        raise
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == "stopline: interrupted"
    deadline = time.monotonic() + 10  # workers end as their pipes close: no orphans
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(workers)
    # Nothing half-written: a model is a whole zip, a results store passes SQLite's check.
    assert all(zipfile.is_zipfile(model) for model in tmp_path.rglob("model.zip"))
    for database in tmp_path.rglob("results.db"):
        with sqlite3.connect(database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.parametrize("after", [0.4, 1.5, 3.0])
def test_ctrl_c_during_distil_keeps_the_plans_of_an_earlier_one(
    after: float, results: Path, tmp_path: Path
) -> None:
    """Ctrl-C while distil imports, records the strategy, or prices its plans: one line,
    exit 130, and the folder keeps what an earlier distil wrote there, whole."""
    out = tmp_path / "distilled"
    out.mkdir()
    (out / "plan.add.xml").write_text("<additional/>\n")  # an earlier distil's plan
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _AS_FROM_A_TERMINAL,
            str(Path(sys.executable).with_name("stopline")),
            *("distil", str(results), "--controller", "max-pressure", "--out", str(out)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    time.sleep(after)
    os.killpg(process.pid, signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "stopline: interrupted"
    assert "Traceback" not in stderr
    assert (out / "plan.add.xml").read_text() == "<additional/>\n"
    assert sorted(path.name for path in out.iterdir()) == ["plan.add.xml"]
