"""The ``stopline`` command line.

Every command's bad input ends in one line on stderr naming the option or file at fault,
and exit status 2; nothing is printed as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version
from typing import NoReturn

from stopline.agents import AgentError
from stopline.envs import ConfigError, SimulationError
from stopline.scenarios import ScenarioError, sumo_tools

from . import (
    bench_command,
    compare_command,
    evaluate_command,
    run_command,
    scenario_commands,
    train_command,
)

EXIT_BAD_INPUT = 2


class _Version(argparse.Action):
    """``--version``, asking SUMO for its version only when the flag is given."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show versions and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> NoReturn:
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
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    scenario_commands.add_to(commands)
    bench_command.add_to(commands)
    evaluate_command.add_to(commands)
    train_command.add_to(commands)
    run_command.add_to(commands)
    run_command.add_report_to(commands)
    compare_command.add_to(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``stopline`` command line; return the process exit status."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        return int(arguments.handler(arguments))
    except (ScenarioError, ConfigError, AgentError) as error:
        print(f"stopline: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SimulationError as error:
        print(f"stopline: simulation failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopline: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
