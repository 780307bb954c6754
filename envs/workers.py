"""Worker processes that leave Ctrl-C to the process that started them.

A Ctrl-C reaches every process of the terminal's process group. A worker that dies of it
(printing its own traceback) before the parent reacts turns a clean interrupt into a broken
pipe in the parent. Processes started inside `shielded` inherit a blocked SIGINT (the
signal mask survives fork and exec), so only the parent sees the interrupt; it then closes
its workers. A Ctrl-C pressed while they start is held and delivered on leaving.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from multiprocessing import resource_tracker


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Start worker processes inside this block to keep Ctrl-C from them."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    # multiprocessing starts its resource tracker with SIGINT blocked and then *unblocks*
    # it, which would undo the block below: have it running first.
    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
