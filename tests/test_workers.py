"""Worker processes started inside `shielded` never see Ctrl-C; the parent sees it late."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stopline.envs.workers import shielded


def test_a_ctrl_c_inside_is_held_until_the_block_ends() -> None:
    # The handler before the block: Python's own, or SIG_IGN when pytest runs as a
    # background job (`cmd &` in a script starts it with SIGINT ignored).
    before = signal.getsignal(signal.SIGINT)
    reached_the_end = False
    with pytest.raises(KeyboardInterrupt), shielded():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.2)
        reached_the_end = True
    assert reached_the_end
    assert signal.getsignal(signal.SIGINT) is before


def test_processes_started_inside_have_sigint_blocked() -> None:
    with shielded():
        child = subprocess.run(
            [sys.executable, "-c", "print(open('/proc/self/status').read())"],
            capture_output=True,
            text=True,
            check=True,
        )
    blocked = int(child.stdout.split("SigBlk:")[1].split()[0], 16)
    assert blocked & (1 << (signal.SIGINT - 1))
    status = Path("/proc/self/status").read_text()  # and this process is as it was
    assert not int(status.split("SigBlk:")[1].split()[0], 16) & (1 << (signal.SIGINT - 1))
