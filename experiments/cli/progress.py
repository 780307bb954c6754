"""A progress line on stderr for commands that run longer than a few seconds: runs done,
failed, and the time left (tqdm's estimate)."""

from __future__ import annotations

from types import TracebackType
from typing import Any


class ProgressBar:
    """Call with (done, failed, total) as work finishes; use as a context manager."""

    def __init__(self, description: str, unit: str = "run") -> None:
        self._description, self._unit = description, unit
        self._bar: Any = None  # shown from the first call (after any training's own bar)

    def __call__(self, done: int, failed: int, total: int) -> None:
        if self._bar is None:
            from tqdm import tqdm  # only commands that show progress pay for the import

            self._bar = tqdm(
                total=total,
                desc=self._description,
                unit=self._unit,
                mininterval=1,
                dynamic_ncols=True,
            )
        self._bar.total = total
        self._bar.set_postfix(done=done, failed=failed, refresh=False)
        self._bar.update(done + failed - self._bar.n)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.close()
