"""The results store: one SQLite row per finished run, written in its own transaction.

A run is keyed by (spec hash, scenario, demand scale, controller, seed). Rows of runs that
finished (``done``) are never written again, so rerunning an experiment resumes it; a
``failed`` row is replaced when the run is tried again. Killing the process loses only the
runs in progress: every row is committed the moment its run ends.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATABASE = "results.db"
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
    UNIQUE (spec_hash, scenario, demand_scale, controller, seed)
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


class Store:
    """The ``results.db`` of one output folder."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / DATABASE
        self._connection = sqlite3.connect(self.path, timeout=30)
        with self._connection:
            self._connection.execute(_SCHEMA)

    def close(self) -> None:
        self._connection.close()

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
            self._connection.execute(
                "INSERT INTO runs (spec_hash, scenario, demand_scale, controller, seed, status, "
                "error, wall_time, stopline_version, sumo_version, params, metrics, junctions, "
                "series, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (spec_hash, scenario, demand_scale, controller, seed) DO UPDATE SET "
                "status = excluded.status, error = excluded.error, wall_time = excluded.wall_time, "
                "stopline_version = excluded.stopline_version, "
                "sumo_version = excluded.sumo_version, params = excluded.params, "
                "metrics = excluded.metrics, junctions = excluded.junctions, "
                "series = excluded.series, finished_at = excluded.finished_at "
                "WHERE runs.status != 'done'",
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
                ),
            )

    def runs(self, spec_hash: str | None = None) -> Iterator[RunRecord]:
        """Every stored run (of one spec, if given), in a stable order."""
        query = (
            "SELECT scenario, demand_scale, controller, seed, status, error, wall_time, "
            "metrics, junctions, series FROM runs"
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
            )


def read_runs(folder: Path) -> list[RunRecord]:
    """Every run stored in a results folder."""
    store = Store(folder)
    try:
        return list(store.runs())
    finally:
        store.close()


def load_rows(folder: Path) -> list[dict[str, Any]]:
    """A results folder's runs as flat dicts (key, status and metrics), for researchers."""
    return [run.as_row() for run in read_runs(folder)]
