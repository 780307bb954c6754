"""The project installs as the namespace package `stopline`, from a wheel and editable."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBPACKAGES = ("scenarios", "envs", "measures", "agents", "experiments")


def _pip(*arguments: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *arguments], check=True, capture_output=True)


def test_wheel_holds_the_four_subpackages_and_no_stopline_init(tmp_path: Path) -> None:
    # Build from a copy: setuptools leaves a build/ folder in the tree it builds.
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", ".venv")
    for name in ("pyproject.toml", "README.md", "LICENSE", *SUBPACKAGES):
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            source.mkdir(exist_ok=True)
            shutil.copy(path, source / name)
    _pip("wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(source))
    (wheel,) = tmp_path.glob("stopline-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    # Every folder of the house with an __init__.py, inner ones too (agents/plans was left
    # out of the wheel once: a wheel install could not make a timing plan).
    folders = {
        str(init.parent.relative_to(ROOT))
        for package in SUBPACKAGES
        for init in (ROOT / package).rglob("__init__.py")
    }
    assert "agents/plans" in folders
    for folder in folders:
        assert f"stopline/{folder}/__init__.py" in names
    assert "stopline/__init__.py" not in names
    assert "stopline/scenarios/catalogue.py" in names
    assert "stopline/experiments/specs/quick.toml" in names
    assert "stopline/scenarios/data/helsinki.osm.pbf" in names  # the map, with its licence note
    assert "stopline/scenarios/data/README.md" in names
    assert not any(name.startswith("tests/") for name in names)
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert (
        "stopline = stopline.experiments.cli:main"
        in zipfile.ZipFile(wheel).read(entry_points).decode()
    )

    target = tmp_path / "site"
    _pip("install", "--no-deps", "-q", "--target", str(target), str(wheel))
    probe = (
        "import stopline.scenarios, stopline.envs, stopline.measures, stopline.agents,"
        " stopline.agents.plans, stopline.experiments;"
        "print(stopline.scenarios.__file__)"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {probe}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert result.stdout.strip() == str(target / "stopline" / "scenarios" / "__init__.py")


def test_installed_package_is_this_checkout() -> None:
    import stopline.scenarios

    assert Path(stopline.scenarios.__file__).resolve() == ROOT / "scenarios" / "__init__.py"
    assert (
        not hasattr(sys.modules["stopline"], "__file__") or sys.modules["stopline"].__file__ is None
    )
