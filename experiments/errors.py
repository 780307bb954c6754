"""Errors of experiments: each message is one line naming the file or option at fault."""

from __future__ import annotations


class ExperimentError(Exception):
    """An experiment that cannot run or be read as asked (bad spec, a folder holding another
    experiment, an unreadable results store)."""
