"""Errors of experiments: each message is one line naming the file or option at fault."""

from __future__ import annotations


class ExperimentError(Exception):
    """An experiment that cannot run or be read as asked (bad spec, a folder holding another
    experiment, an unreadable results store)."""


class NoFinishedRunsError(Exception):
    """An experiment none of whose runs finished: nothing to compare. The message lists
    the failures; the command line exits 1 (the runs failed, not the input)."""
