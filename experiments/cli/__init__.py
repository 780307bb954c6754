"""The ``stopline`` command line: one module per command, each adding its parser.

Every command's bad input ends in one line on stderr naming the option or file at fault,
and exit status 2; Ctrl-C ends in one line and exit status 130. Nothing is printed as a
traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Iterator
from importlib.metadata import version
from typing import NoReturn

# Nothing heavy is imported here: a Ctrl-C while Python imports SUMO, numpy and torch
# happens inside `main`, which turns it into one line.

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class _Version(argparse.Action):
    """``--version``, asking SUMO for its version only when the flag is given."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show versions and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> NoReturn:
        from stopline.scenarios import sumo_tools

        print(f"stopline {version('stopline')} (SUMO {sumo_tools.version()})")
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, not a usage block and a line."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full ``stopline`` parser; each command sets ``handler`` to the function it runs."""
    parser = _Parser(
        prog="stopline",
        description="Traffic-signal optimisation lab on Eclipse SUMO.",
    )
    from stopline.experiments.cli import (
        bench,
        compare,
        distil,
        evaluate,
        explain,
        plan,
        report,
        run,
        scenarios,
        train,
        tune,
    )

    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    commands_in_order = (
        scenarios,
        bench,
        evaluate,
        train,
        tune,
        run,
        report,
        compare,
        plan,
        explain,
        distil,
    )
    for command in commands_in_order:
        command.add_to(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``stopline`` command line; return the process exit status."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        return _interrupted()


@contextlib.contextmanager
def _interrupt_held() -> Iterator[None]:
    """Hold a Ctrl-C until the block ends, then raise it. The parser's imports include C
    extensions (matplotlib's, numpy's): a KeyboardInterrupt raised inside one's module
    initialisation broke the import and aborted Python at exit (SIGABRT, not 130)."""
    held: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: held.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held:
        raise KeyboardInterrupt


def _run(argv: list[str] | None) -> int:
    with _interrupt_held():
        from stopline.agents import AgentError
        from stopline.envs import ConfigError, SimulationError
        from stopline.experiments.errors import ExperimentError, NoFinishedRunsError
        from stopline.scenarios import ScenarioError

    try:
        with _interrupt_held():
            parser = build_parser()
        arguments = parser.parse_args(argv)
        return int(arguments.handler(arguments))
    except (ScenarioError, ConfigError, AgentError, ExperimentError) as error:
        print(f"stopline: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SimulationError as error:
        print(f"stopline: simulation failed: {error}", file=sys.stderr)
        return 1
    except NoFinishedRunsError as error:
        print(f"stopline: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # the machine's fault, not the input's: a full disk, no fork
        where = f"{error.filename}: " if error.filename else ""
        print(f"stopline: error: {where}{error.strerror or error}", file=sys.stderr)
        return 1


def _interrupted() -> int:
    # A second Ctrl-C while workers close must not print a traceback either.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Progress bars left open would redraw themselves at exit, after the last line.
    tqdm = sys.modules.get("tqdm")
    for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", ())):
        bar.close()
    print("\nstopline: interrupted", file=sys.stderr)
    sys.stderr.flush()
    return EXIT_INTERRUPTED
