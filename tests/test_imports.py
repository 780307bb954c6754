"""The house's arrows (docs/design.md): experiments -> agents -> measures -> envs ->
scenarios.
Nothing lower imports anything higher."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("scenarios", "envs", "measures", "agents", "experiments")


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
    assert _imported_layers("from stopline.agents import make\n", ("measures",)) == {"agents"}
    assert _imported_layers("from ..store import Store\n", ("experiments", "cli")) == {
        "experiments"
    }


def _imports_of(path: Path) -> set[str]:
    """Every module name ``path`` imports, relative imports made absolute (stopline.*)."""
    package = path.relative_to(ROOT).parent.parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(("stopline", *base, *filter(None, [node.module])))
            else:
                module = node.module or ""
            found |= {module, *(f"{module}.{alias.name}" for alias in node.names)}
    return found


@pytest.mark.parametrize(
    ("inner", "allowed"),
    [
        # The command line is the top of `experiments`: nothing in it imports the shell.
        ("experiments/cli", set()),
        # Timing plans are controllers found by name: only the registry reaches them.
        ("agents/plans", {"agents/registry.py"}),
    ],
)
def test_inner_folders_are_reached_only_from_where_they_belong(
    inner: str, allowed: set[str]
) -> None:
    outer, name = inner.split("/")
    target = f"stopline.{outer}.{name}"
    reaching = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / outer).rglob("*.py")
        if not path.is_relative_to(ROOT / inner)
        and any(module == target or module.startswith(f"{target}.") for module in _imports_of(path))
    )
    assert set(reaching) == allowed
