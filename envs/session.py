"""One SUMO simulation: started, stepped, closed; libsumo in-process by default.

libsumo runs one simulation per process: a second one is refused with a clear error rather
than silently replacing the first. TraCI (a SUMO process over a socket, about 30x slower
here) is used for the GUI or when asked for.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import subprocess
import sys
import tempfile
import uuid
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from stopline.scenarios import Scenario, sumo_tools

from .errors import SimulationError

Backend = Literal["libsumo", "traci"]


def _scratch_file(kind: str) -> Path:
    handle, name = tempfile.mkstemp(prefix="stopline-sumo-", suffix=f".{kind}")
    os.close(handle)
    return Path(name)


@contextlib.contextmanager
def stderr_to(path: Path) -> Iterator[None]:
    """Send this process's standard error (file descriptor 2: libsumo and child processes
    write there) into ``path`` for the duration."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with path.open("ab") as stream:
            os.dup2(stream.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


_SECOND_SIMULATION = (
    "libsumo runs one simulation per process and one is already running here: this one "
    "runs over TraCI instead (a sumo process over a socket, several times slower per step); "
    "give each environment a process of its own (stopline.agents.make_vec_env) for full speed"
)


def _has_display() -> bool:
    """Whether a window can open (Linux and BSD need an X or Wayland display)."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _libsumo_busy() -> bool:
    import libsumo

    return bool(libsumo.simulation.isLoaded())


class Session:
    """A running SUMO simulation of a scenario, reached through ``api``.

    ``api`` is the libsumo module or a TraCI connection: both offer the same domains
    (``api.simulation``, ``api.lane``, ``api.trafficlight``...).
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int,
        backend: Backend = "libsumo",
        gui: bool = False,
        options: Sequence[str] = (),
    ) -> None:
        if gui and not _has_display():
            warnings.warn(
                "no display (DISPLAY is not set): sumo-gui cannot open a window, so this "
                "simulation runs without one",
                RuntimeWarning,
                stacklevel=2,
            )
            gui = False
        if gui and backend == "libsumo":
            backend = "traci"  # sumo-gui is a separate program, reached over a socket
        self.backend = backend
        shown = ["--start", "--quit-on-end"] if gui else []
        self.command = scenario.sumo_command(
            [*shown, *options], seed=seed, binary="sumo-gui" if gui else "sumo"
        )
        self.api: Any = None
        self.now = math.nan  # SUMO's clock, seconds, as of the last start or step
        self._error_log: Path | None = None
        self._stderr: Path | None = None

    def start(self) -> None:
        """Start SUMO (over TraCI, with a warning, if libsumo already runs one here); errors
        (bad options, unwritable outputs) are SimulationErrors carrying SUMO's own line."""
        os.environ.setdefault("SUMO_HOME", str(sumo_tools.sumo_home()))
        if "--error-log" not in self.command:
            # SUMO's own words on failure; a TraCI exception only says the socket closed.
            self._error_log = _scratch_file("log")
        # Errors SUMO meets before its error log is open (a bad option, an unwritable
        # output) go to standard error only: catch them there while SUMO starts.
        self._stderr = _scratch_file("stderr")
        if self.backend == "libsumo" and _libsumo_busy():
            self.backend = "traci"  # said before stderr goes to the scratch file below
            warnings.warn(_SECOND_SIMULATION, RuntimeWarning, stacklevel=2)
        try:
            with stderr_to(self._stderr):
                if self.backend == "libsumo":
                    self.api = self._start_libsumo()
                else:
                    self.api = self._start_traci()
            self.now = float(self.api.simulation.getTime())
        except SimulationError:
            self._forget_log()
            raise
        except Exception as error:  # libsumo and traci raise their own hierarchies
            message = self._sumo_said() or str(error).strip() or type(error).__name__
            self._forget_log()
            raise SimulationError(f"SUMO could not start: {message}") from error

    def _full_command(self) -> list[str]:
        log = ["--error-log", str(self._error_log)] if self._error_log else []
        return [*self.command, *log]

    def _sumo_said(self) -> str:
        """SUMO's first error line, from its error log or its standard error."""
        errors: list[str] = []
        for log in (self._error_log, self._stderr):
            if log is None or not log.is_file():
                continue
            continued = False  # SUMO continues a message on indented lines
            for line in log.read_text(errors="replace").splitlines():
                if line.startswith("Error:"):
                    errors.append(line.removeprefix("Error:").strip())
                    continued = True
                elif continued and line.startswith(" "):
                    errors[-1] += " " + line.strip()
                else:
                    continued = False
        # SUMO's last lines only say it gave up ("Could not parse commandline options").
        return next((line for line in errors if not line.startswith("Could not ")), "") or (
            errors[0] if errors else ""
        )

    def _forget_log(self) -> None:
        for log in (self._error_log, self._stderr):
            if log is not None:
                log.unlink(missing_ok=True)
        self._error_log = self._stderr = None

    def _start_libsumo(self) -> Any:
        import libsumo

        try:
            libsumo.start(self._full_command())
        except Exception:
            with contextlib.suppress(Exception):  # a failed start leaves libsumo half-loaded
                libsumo.close()
            raise
        return libsumo

    def _start_traci(self) -> Any:
        import traci

        self._check_options()
        label = f"stopline-{uuid.uuid4().hex}"
        with contextlib.redirect_stdout(io.StringIO()):  # TraCI prints "Retrying in 1 seconds"
            traci.start(self._full_command(), label=label)
        return traci.getConnection(label)

    def _check_options(self) -> None:
        """Let SUMO read the options (and only that) first: TraCI, seeing SUMO exit at once,
        would retry for a minute before saying anything."""
        with tempfile.TemporaryDirectory(prefix="stopline-check-") as scratch:
            saved = Path(scratch) / "check.sumocfg"
            command = [str(sumo_tools.binary("sumo")), *self.command[1:], "-C", str(saved)]
            result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            if self._stderr is not None:  # where `_sumo_said` reads SUMO's own words
                self._stderr.write_text(result.stderr)
            raise RuntimeError(result.stderr.strip() or "sumo refused its options")

    @property
    def running(self) -> bool:
        return self.api is not None

    def step(self, until: float) -> float:
        """Simulate up to time ``until`` (seconds); return SUMO's clock, which moves in steps."""
        self.call(self.api.simulationStep, until)
        self.now = float(self.call(self.api.simulation.getTime))
        return self.now

    def call(self, function: Any, *arguments: Any) -> Any:
        """Call into SUMO; if SUMO fails, close the session and raise SimulationError."""
        try:
            return function(*arguments)
        except SimulationError:
            raise
        except Exception as error:  # libsumo and traci raise their own hierarchies
            self.close(keep_log=True)
            message = self._sumo_said() or str(error).strip() or type(error).__name__
            self._forget_log()
            raise SimulationError(f"SUMO failed: {message}") from error

    def close(self, *, keep_log: bool = False) -> None:
        """End the simulation; safe to call twice or after SUMO died."""
        api, self.api = self.api, None
        if api is not None:
            with contextlib.suppress(Exception):  # SUMO already gone: nothing left to release
                api.close()
        if not keep_log:
            self._forget_log()
