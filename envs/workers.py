"""Worker processes that leave Ctrl-C to the process that started them.

A Ctrl-C reaches every process of the terminal's process group. A worker that dies of it
(printing its own traceback) before the parent reacts turns a clean interrupt into a broken
pipe in the parent; a parent interrupted half-way through starting a worker leaves it
reading a message that never comes. Inside `shielded`, SIGINT is blocked (the signal mask
survives fork and exec, so the workers started there never see it) and a Ctrl-C reaching
this process is held: it is raised as KeyboardInterrupt on leaving the block, once the
workers are started and known to the caller, who then ends them.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from multiprocessing import resource_tracker
from typing import Any


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Start worker processes inside this block to keep Ctrl-C from them; a Ctrl-C meanwhile
    is raised when the block ends."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not (
        threading.main_thread()
    ):  # Windows has no signal masks; only the main thread may set handlers
        yield
        return
    # multiprocessing starts its resource tracker with SIGINT blocked and then *unblocks*
    # it, which would undo the block below: have it running first.
    resource_tracker.ensure_running()
    held: list[int] = []

    def hold(number: int, frame: Any) -> None:
        held.append(number)

    # Other threads (PyTorch's, tqdm's) still receive the signal: hold it, not raise it.
    handler = signal.signal(signal.SIGINT, hold)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGINT, handler)
    if held:
        raise KeyboardInterrupt
