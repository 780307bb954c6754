"""Where a trained policy lives: a folder written by ``stopline train``, checked without
loading it (loading imports torch, which takes seconds)."""

from __future__ import annotations

from pathlib import Path

from .errors import ModelMismatchError


def model_folder(path: str | Path) -> Path:
    """The folder holding ``model.zip`` and ``config.json`` (``path`` may name the zip)."""
    folder = Path(path)
    if folder.is_file():
        folder = folder.parent
    if not (folder / "config.json").is_file() or not (folder / "model.zip").is_file():
        raise ModelMismatchError(f"{folder}: no model.zip and config.json from stopline train")
    return folder
