"""The results store: each run's rows once, one writer per folder, foreign files untouched."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from stopline.experiments.errors import ExperimentError
from stopline.experiments.runs.store import SETTINGS, RunKey, Store, read_settings, relative_models

KEY = RunKey("single", 1.0, "fixed", 101)


def _result(delay: float) -> dict[str, Any]:
    """A finished run's result with two lane-group rows."""
    rows = [{"period": "window", "junction": "C", "lane_group": group} for group in ("T", "L")]
    return {"metrics": {"mean_delay": delay}, "movements": rows}


def _record(store: Store, status: str, delay: float = 10.0) -> None:
    store.record(
        "spec",
        KEY,
        status=status,
        versions=("0", "0"),
        wall_time=1.0,
        params={"controller": "fixed"},
        result=_result(delay) if status == "done" else None,
        error="it failed" if status == "failed" else None,
    )


def test_a_run_stored_twice_keeps_its_first_rows_once(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _record(store, "failed")
    _record(store, "done", 10.0)
    _record(store, "done", 99.0)  # the same run again (a repeated scale, a second process)
    runs = list(store.runs("spec"))
    assert [(run.status, run.metrics["mean_delay"]) for run in runs] == [("done", 10.0)]
    assert len(store.movements("spec")) == 2
    store.close()


def test_one_process_writes_a_folder_at_a_time(tmp_path: Path) -> None:
    first = Store(tmp_path)
    with pytest.raises(ExperimentError, match="another stopline run is writing to it"):
        Store(tmp_path)
    assert Store(tmp_path, create=False)  # reading (the report) is not writing
    first.close()
    Store(tmp_path).close()  # the lock went with the first store


@pytest.mark.parametrize("create", [True, False])
def test_a_foreign_sqlite_file_is_refused_and_left_as_it_was(tmp_path: Path, create: bool) -> None:
    path = tmp_path / "results.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE runs (who TEXT)")  # a table of that name, not ours
    connection.close()
    before = path.read_bytes()
    with pytest.raises(ExperimentError, match="not a Stopline results database"):
        Store(tmp_path, create=create)
    assert path.read_bytes() == before
    path.unlink()
    Store(tmp_path).close()  # the refused store let the folder's lock go


def test_a_moved_results_folder_names_its_own_models(tmp_path: Path) -> None:
    first = tmp_path / "first"
    inside, elsewhere = first / "models" / "ppo-single", tmp_path / "mine"
    saved = relative_models(first, {"ppo": str(inside), "theirs": str(elsewhere)})
    assert saved == {"ppo": "models/ppo-single", "theirs": str(elsewhere)}
    first.mkdir()
    (first / SETTINGS).write_text(json.dumps({"models": saved}))
    moved = first.rename(tmp_path / "moved")
    models = read_settings(moved)["models"]
    assert models == {"ppo": str(moved / "models" / "ppo-single"), "theirs": str(elsewhere)}
