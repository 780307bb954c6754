"""The scenario cache: whole folders or nothing, keyed by every parameter."""

from __future__ import annotations

from pathlib import Path

import pytest

from stopline.scenarios import ScenarioError, blueprint, build


def test_a_failed_build_leaves_no_folder_behind(tmp_path: Path) -> None:
    def broken(scratch: Path) -> None:
        (scratch / "half.xml").write_text("<routes>")
        raise ScenarioError("duarouter failed: simulated")

    with pytest.raises(ScenarioError, match="simulated"):
        build.cached(tmp_path, "single-x", broken)
    assert list(tmp_path.iterdir()) == []


def test_every_parameter_has_its_own_folder(tmp_path: Path) -> None:
    single = blueprint("single")
    folders = {
        build.build(single, demand_scale=1.0, seed=0, cache_dir=tmp_path),
        build.build(single, demand_scale=1.0, seed=1, cache_dir=tmp_path),
        build.build(single, demand_scale=1.5, seed=0, cache_dir=tmp_path),
    }
    assert len(folders) == 3
    # The network is built once and shared; every scenario folder holds its own copy.
    assert len(list((tmp_path / "nets").iterdir())) == 1
    assert all((folder / "single.net.xml").is_file() for folder in folders)


def test_default_cache_dir_honours_stopline_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOPLINE_CACHE", str(tmp_path / "mine"))
    assert build.default_cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("STOPLINE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert build.default_cache_dir() == tmp_path / "xdg" / "stopline"
