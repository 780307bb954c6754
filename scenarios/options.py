"""SUMO's command line, built in one place: options merged, and the words every run adds.

`merge_options` joins two option lists as SUMO would read them; `QUIET` keeps a tool's own
progress and warnings out of the terminal (Stopline says what matters itself);
`Scenario.sumo_command` builds every ``sumo`` command line from these.
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import ScenarioError

# Every SUMO tool Stopline runs (sumo, duarouter) runs quietly: its step log and warnings
# would bury Stopline's own lines; errors still come through.
QUIET = ("--no-step-log", "--no-warnings")

# SUMO's one-letter aliases, so an option is recognised whichever way it is written.
_ALIASES = {
    "-a": "--additional-files",
    "-r": "--route-files",
    "-n": "--net-file",
    "-c": "--configuration-file",
    "-b": "--begin",
    "-e": "--end",
}
_FILE_LISTS = ("--additional-files", "--route-files")


def _is_value(word: str) -> bool:
    if not word.startswith("-"):
        return True
    try:
        float(word)
    except ValueError:
        return False
    return True


def _parse(arguments: Sequence[str]) -> list[tuple[str, str | None]]:
    options: list[tuple[str, str | None]] = []
    index = 0
    while index < len(arguments):
        word = arguments[index]
        if not word.startswith("-"):
            raise ScenarioError(f"sumo option expected, got {word!r}")
        name = _ALIASES.get(word, word)
        following = arguments[index + 1] if index + 1 < len(arguments) else None
        if following is not None and _is_value(following):
            options.append((name, following))
            index += 2
        else:
            options.append((name, None))
            index += 1
    return options


def merge_options(base: Sequence[str], extra: Sequence[str]) -> list[str]:
    """``base`` then ``extra`` SUMO arguments: file lists are joined, other options that
    both give take ``extra``'s value (SUMO itself refuses an option given twice)."""
    merged: dict[str, str | None] = {}
    for name, value in [*_parse(base), *_parse(extra)]:
        if name in _FILE_LISTS and merged.get(name) and value:
            files = [*merged[name].split(","), *value.split(",")]  # type: ignore[union-attr]
            value = ",".join(dict.fromkeys(part for part in files if part))
        merged[name] = value
    words: list[str] = []
    for name, value in merged.items():
        words += [name] if value is None else [name, value]
    return words
