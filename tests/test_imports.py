"""The house's arrows (docs/design.md): experiments -> agents -> envs -> scenarios.
Nothing lower imports anything higher."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("scenarios", "envs", "agents", "experiments")


def _imported_layers(source: str, package: tuple[str, ...]) -> set[str]:
    """The Stopline folders a module of ``package`` (e.g. ("experiments", "cli")) imports,
    absolute or relative."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names = [".".join(("stopline", *base, *(node.module or "").split(".")))]
            else:
                names = [node.module or ""]
                if node.module == "stopline":
                    names = [f"stopline.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "stopline" and len(parts) > 1 and parts[1] in LAYERS:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_no_folder_imports_against_the_arrows(layer: str) -> None:
    rank = LAYERS.index(layer)
    wrong = {
        str(path.relative_to(ROOT)): sorted(
            other
            for other in _imported_layers(path.read_text(), path.relative_to(ROOT).parent.parts)
            if LAYERS.index(other) > rank
        )
        for path in sorted((ROOT / layer).rglob("*.py"))
    }
    assert {path: layers for path, layers in wrong.items() if layers} == {}


def test_the_check_sees_imports_against_the_arrows() -> None:
    source = "from stopline.experiments import run\nfrom ..agents import make\nimport os\n"
    assert _imported_layers(source, ("envs",)) == {"experiments", "agents"}
    assert _imported_layers("from ..store import Store\n", ("experiments", "cli")) == {
        "experiments"
    }
