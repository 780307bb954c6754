"""A results folder and its store: one SQLite row per finished run, in its own transaction.

A run is keyed by (spec hash, scenario, demand scale, controller, seed). Rows of runs that
finished (``done``) are never written again, nor their lane-group rows, so rerunning an
experiment resumes it; a ``failed`` row is replaced when the run is tried again. A run's
rows are written in one transaction, and one process at a time writes a folder (its lock
file). Killing the process loses only the runs in progress: every run is committed the
moment it ends.

A folder holds one experiment: `Store.claim` refuses a spec whose hash differs from the
runs already stored, naming the settings that differ, so runs of two experiments are never
pooled. This module owns the names of every file a results folder holds.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stopline.experiments.errors import ExperimentError

# The files of a results folder.
DATABASE = "results.db"
SETTINGS = "experiment.json"  # the spec's name, reference, hash and settings, for the report
NETWORKS = "networks.json"  # each scenario's road and signal geometry, for the report's maps
MODELS = "models"  # one folder per trained policy, named by what trained it
REPORT = "report.html"
SUMMARY = "summary.md"
COMPARISON_CSV = "comparison.csv"
JUNCTIONS_CSV = "junctions.csv"
QUEUES_CSV = "queues.csv"
MOVEMENTS_CSV = "movements.csv"  # HCM lane groups and approaches, mean over seeds
SIGNALS_CSV = "signals.csv"  # what the signals did per 15 minutes, run by run
EXPLAIN = "explain.html"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    spec_hash TEXT NOT NULL,
    scenario TEXT NOT NULL,
    demand_scale REAL NOT NULL,
    controller TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    error TEXT,
    wall_time REAL,
    stopline_version TEXT,
    sumo_version TEXT,
    params TEXT,
    metrics TEXT,
    junctions TEXT,
    series TEXT,
    finished_at REAL,
    signals TEXT,
    UNIQUE (spec_hash, scenario, demand_scale, controller, seed)
)
"""
RUN_KEY = ("scenario", "demand_scale", "controller", "seed")
# One row per lane group of a signalised junction, period and run (`movements`), for SQL
# users; ``period`` is "window" or a 15-minute analysis period HH:MM-HH:MM.
MOVEMENT_COLUMNS = (
    "period",
    "junction",
    "approach",
    "lane_group",
    "lanes",
    "volume",
    "capacity",
    "v_c",
    "green_share",
    "control_delay",
    "los",
    "queue_95",
    "queue_95_vehicles",
    "vehicles",
)
_MOVEMENTS = f"""
CREATE TABLE IF NOT EXISTS movements (
    spec_hash TEXT NOT NULL,
    scenario TEXT NOT NULL,
    demand_scale REAL NOT NULL,
    controller TEXT NOT NULL,
    seed INTEGER NOT NULL,
    {", ".join(MOVEMENT_COLUMNS)}
)
"""


@dataclass(frozen=True)
class RunKey:
    """Which run: the same key means the same demand, strategy and seed."""

    scenario: str
    demand_scale: float
    controller: str
    seed: int


@dataclass(frozen=True)
class RunRecord:
    """A stored run, its metrics decoded."""

    key: RunKey
    status: str
    error: str | None
    wall_time: float
    metrics: dict[str, Any]
    junctions: dict[str, Any]
    series: dict[str, Any]
    signals: dict[str, Any] = field(default_factory=dict)  # `signal_activity`, per junction
    params: dict[str, Any] = field(default_factory=dict)  # the controller it ran, its params

    @property
    def controller_name(self) -> str:
        """The controller as `stopline.agents.make` names it (``rl:DIR`` for a policy)."""
        return str(self.params.get("controller", self.key.controller))

    def as_row(self) -> dict[str, Any]:
        """The run as one flat dict: its key, status, error, wall time and metrics."""
        return {
            "scenario": self.key.scenario,
            "demand_scale": self.key.demand_scale,
            "controller": self.key.controller,
            "seed": self.key.seed,
            "status": self.status,
            "error": self.error,
            "wall_time": self.wall_time,
            **self.metrics,
        }


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (an interrupt leaves the old file)."""
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        scratch.write_text(text)
        scratch.replace(path)
    except OSError as error:
        scratch.unlink(missing_ok=True)
        raise ExperimentError(f"{path}: cannot write ({error.strerror or error})") from None


def write_rows(path: Path, fields: Sequence[str], rows: Iterable[dict[str, Any]]) -> Path:
    """A CSV file of ``rows`` under the header ``fields``, written whole or not at all."""
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=list(fields))
    writer.writeheader()
    writer.writerows(rows)
    write_atomically(path, text.getvalue())
    return path


def check_folder(folder: Path, option: str = "--out") -> Path:
    """Refuse, in one line, an output folder no command could write into: a file, a
    folder that is not writable, or one whose nearest existing parent is not. Nothing is
    created (a command checks before it works, and makes the folder when it writes)."""
    if folder.exists() and not folder.is_dir():
        raise ExperimentError(f"{option} {folder}: is a file, not a folder")
    existing = next(
        (parent for parent in (folder, *folder.absolute().parents) if parent.exists()), None
    )
    if existing is not None and existing.is_dir() and not os.access(existing, os.W_OK):
        where = (
            "not writable"
            if existing == folder
            else f"cannot create it ({existing} is not writable)"
        )
        raise ExperimentError(f"{option} {folder}: {where}")
    if existing is not None and not existing.is_dir():
        raise ExperimentError(f"{option} {folder}: cannot create it ({existing} is a file)")
    return folder


def make_folder(folder: Path, option: str = "--out") -> Path:
    """Create a results or model folder, or say in one line why it cannot be."""
    check_folder(folder, option)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExperimentError(
            f"{option} {folder}: cannot create it ({error.strerror or error})"
        ) from None
    if not os.access(folder, os.W_OK):
        raise ExperimentError(f"{option} {folder}: not writable")
    return folder


# The `runs` columns that make a SQLite file a Stopline store (older stores lack later ones).
_OWN_COLUMNS = frozenset({"spec_hash", "scenario", "demand_scale", "controller", "seed", "status"})
LOCK = ".lock"  # held by the process writing a folder's runs (`Store` with ``create``)


class Store:
    """The ``results.db`` of one output folder.

    ``create`` (a run writing into the folder): makes the folder and store, and holds the
    folder's lock for as long as the store is open, so a second run into the same folder
    is refused, not interleaved. Without it (reading: the report): the store must exist and
    be Stopline's. Either way a SQLite file that is not a Stopline store is refused and
    never written into.
    """

    def __init__(self, folder: Path, *, create: bool = True) -> None:
        self.path = folder / DATABASE
        self._lock: Any = None
        if create:
            make_folder(folder)
            self._lock = hold_lock(folder)
        elif not self.path.is_file():
            raise ExperimentError(f"{folder}: no {DATABASE} here (run stopline run first)")
        try:
            self._connection = sqlite3.connect(self.path, timeout=30)
            self._check_ours(create)
            with self._connection:
                self._connection.execute(_SCHEMA)
                self._connection.execute(_MOVEMENTS)
                columns = {row[1] for row in self._connection.execute("PRAGMA table_info(runs)")}
                if "signals" not in columns:  # a folder from before runs recorded signals
                    self._connection.execute("ALTER TABLE runs ADD COLUMN signals TEXT")
                moved = {row[1] for row in self._connection.execute("PRAGMA table_info(movements)")}
                if "period" not in moved:  # lane groups stored before 15-minute periods
                    self._connection.execute("ALTER TABLE movements ADD COLUMN period TEXT")
        except sqlite3.DatabaseError as error:
            self.close()
            raise ExperimentError(
                f"{self.path}: not a Stopline results database ({error}); "
                "move it away or choose another --out"
            ) from None
        except BaseException:
            self.close()
            raise

    def _check_ours(self, create: bool) -> None:
        """Refuse a SQLite file that is not a Stopline store before anything is written:
        one without a `runs` table of ours (an empty file only when creating)."""
        tables = {
            row[0]
            for row in self._connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if not tables and create:
            return  # a new (or empty) store
        columns = {row[1] for row in self._connection.execute("PRAGMA table_info(runs)")}
        if not _OWN_COLUMNS.issubset(columns):
            what = f"its tables are {', '.join(sorted(tables))}" if tables else "it is empty"
            raise ExperimentError(
                f"{self.path}: not a Stopline results database ({what}); "
                "move it away or choose another --out"
            )

    def close(self) -> None:
        if hasattr(self, "_connection"):
            self._connection.close()
        if self._lock is not None:
            self._lock.close()  # closing the file releases the lock
            self._lock = None

    def hashes(self) -> set[str]:
        """The spec hashes of every stored run."""
        return {row[0] for row in self._connection.execute("SELECT DISTINCT spec_hash FROM runs")}

    def claim(self, spec_hash: str, settings: dict[str, Any]) -> None:
        """Refuse to add this spec's runs to a folder holding another experiment's runs."""
        others = self.hashes() - {spec_hash}
        if not others:
            return
        folder = self.path.parent
        stored_settings = read_settings(folder)
        if stored_settings.get("spec_hash") in others and "identity" in stored_settings:
            what = ", ".join(differences(stored_settings["identity"], settings)) or "settings"
        else:
            what = "an earlier experiment's settings"
        raise ExperimentError(
            f"{folder} holds the runs of another experiment (differs in {what}); "
            f"choose a new --out, or delete {self.path} to start this one there"
        )

    def done(self, spec_hash: str) -> set[RunKey]:
        """Keys of the runs of this spec that finished."""
        rows = self._connection.execute(
            "SELECT scenario, demand_scale, controller, seed FROM runs "
            "WHERE spec_hash = ? AND status = 'done'",
            (spec_hash,),
        )
        return {RunKey(*row) for row in rows}

    def record(
        self,
        spec_hash: str,
        key: RunKey,
        *,
        status: str,
        versions: tuple[str, str],
        wall_time: float,
        params: dict[str, Any],
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        """Store one run in its own transaction (replacing a failed attempt, never a done one)."""
        result = result or {}
        with self._connection:
            written = self._connection.execute(
                "INSERT INTO runs (spec_hash, scenario, demand_scale, controller, seed, status, "
                "error, wall_time, stopline_version, sumo_version, params, metrics, junctions, "
                "series, finished_at, signals) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (spec_hash, scenario, demand_scale, controller, seed) DO UPDATE SET "
                "status = excluded.status, error = excluded.error, wall_time = excluded.wall_time, "
                "stopline_version = excluded.stopline_version, "
                "sumo_version = excluded.sumo_version, params = excluded.params, "
                "metrics = excluded.metrics, junctions = excluded.junctions, "
                "series = excluded.series, finished_at = excluded.finished_at, "
                "signals = excluded.signals WHERE runs.status != 'done'",
                (
                    spec_hash,
                    key.scenario,
                    key.demand_scale,
                    key.controller,
                    key.seed,
                    status,
                    error,
                    wall_time,
                    *versions,
                    json.dumps(params, default=str),
                    json.dumps(result.get("metrics", {})),
                    json.dumps(result.get("junctions", {})),
                    json.dumps(result.get("series", {})),
                    time.time(),
                    json.dumps(result.get("signals", {})),
                ),
            )
            if status == "done" and written.rowcount:  # never a done run's rows again
                where = (spec_hash, key.scenario, key.demand_scale, key.controller, key.seed)
                self._connection.execute(
                    "DELETE FROM movements WHERE spec_hash = ? AND scenario = ? "
                    "AND demand_scale = ? AND controller = ? AND seed = ?",
                    where,
                )
                marks = ", ".join("?" * (len(where) + len(MOVEMENT_COLUMNS)))
                names = ", ".join(("spec_hash", *RUN_KEY, *MOVEMENT_COLUMNS))
                self._connection.executemany(
                    f"INSERT INTO movements ({names}) VALUES ({marks})",
                    [
                        (*where, *(row.get(column) for column in MOVEMENT_COLUMNS))
                        for row in result.get("movements", [])
                    ],
                )

    def runs(self, spec_hash: str | None = None) -> Iterator[RunRecord]:
        """Every stored run (of one spec, if given), in a stable order."""
        query = (
            "SELECT scenario, demand_scale, controller, seed, status, error, wall_time, "
            "metrics, junctions, series, signals, params FROM runs"
        )
        arguments: tuple[str, ...] = ()
        if spec_hash is not None:
            query += " WHERE spec_hash = ?"
            arguments = (spec_hash,)
        query += " ORDER BY scenario, demand_scale, controller, seed"
        for row in self._connection.execute(query, arguments):
            yield RunRecord(
                RunKey(*row[:4]),
                row[4],
                row[5],
                row[6] or 0.0,
                json.loads(row[7] or "{}"),
                json.loads(row[8] or "{}"),
                json.loads(row[9] or "{}"),
                json.loads(row[10] or "{}"),
                json.loads(row[11] or "{}"),
            )

    def movements(self, spec_hash: str | None = None) -> list[dict[str, Any]]:
        """Every stored lane-group row (of one spec, if given): the run's key, then
        `MOVEMENT_COLUMNS`."""
        query = "SELECT * FROM movements"
        arguments: tuple[str, ...] = ()
        if spec_hash is not None:
            query += " WHERE spec_hash = ?"
            arguments = (spec_hash,)
        query += (
            " ORDER BY scenario, demand_scale, controller, seed, junction, approach, lane_group"
        )
        cursor = self._connection.execute(query, arguments)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names[1:], row[1:], strict=True)) for row in cursor]


def hold_lock(folder: Path) -> Any:
    """The folder's lock file, locked by this process; refused while another holds it."""
    path = folder / LOCK
    try:
        handle = path.open("a")
    except OSError as error:
        raise ExperimentError(f"{folder}: cannot lock it ({error.strerror or error})") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise ExperimentError(
            f"{folder}: another stopline run is writing to it; wait for it to finish or "
            "choose another --out"
        ) from None
    return handle


def read_settings(folder: Path) -> dict[str, Any]:
    """What the runner saved about the folder's experiment (empty for older folders), the
    trained models' folders found in this folder (`relative_models`), wherever it now is."""
    path = folder / SETTINGS
    try:
        settings = dict(json.loads(path.read_text())) if path.is_file() else {}
    except (json.JSONDecodeError, TypeError, ValueError):
        raise ExperimentError(f"{path}: not valid JSON; rerun the experiment") from None
    models = settings.get("models", {})
    settings["models"] = {label: str(folder / model) for label, model in models.items()}
    return settings


def relative_models(folder: Path, models: Mapping[str, str]) -> dict[str, str]:
    """Trained models' folders as saved: relative to the results ``folder`` when inside it,
    so a copied or moved results folder reports its own models, not the original's."""
    saved = {}
    for label, model in models.items():
        path = Path(model)
        inside = path.is_relative_to(folder.resolve())
        saved[label] = str(path.relative_to(folder.resolve())) if inside else model
    return saved


def spec_env(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The signal settings the experiment's runs used."""
    return dict(settings.get("identity", {}).get("env", {}))


def spec_order(settings: Mapping[str, Any]) -> list[str]:
    """The strategies' labels in the order the experiment's spec lists them."""
    return [entry["label"] for entry in settings.get("identity", {}).get("controllers", [])]


def differences(old: Any, new: Any, where: str = "") -> list[str]:
    """Where two settings trees differ, as ``key old -> new`` phrases."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(set(old) | set(new), key=str):
            path = f"{where}.{key}" if where else str(key)
            found += differences(old.get(key), new.get(key), path)
        return found
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [
            phrase
            for index, (a, b) in enumerate(zip(old, new, strict=True))
            for phrase in differences(a, b, f"{where}[{index}]")
        ]
    return [] if old == new else [f"{where or 'settings'} {_short(old)} -> {_short(new)}"]


def _short(value: Any) -> str:
    if value is None:
        return "(unset)"
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def read_runs(folder: Path) -> list[RunRecord]:
    """The runs of the experiment a results folder holds (its saved spec hash's runs)."""
    store = Store(folder, create=False)
    try:
        return list(store.runs(read_settings(folder).get("spec_hash")))
    finally:
        store.close()


def read_movements(folder: Path) -> list[dict[str, Any]]:
    """The lane-group rows of the experiment a results folder holds."""
    store = Store(folder, create=False)
    try:
        return store.movements(read_settings(folder).get("spec_hash"))
    finally:
        store.close()


def load_rows(folder: Path) -> list[dict[str, Any]]:
    """A results folder's runs as flat dicts (key, status and metrics), for researchers."""
    return [run.as_row() for run in read_runs(folder)]
