"""Ray, when asked for: imported on demand (it is an optional extra) and started once.

Experiments run as Ray tasks and network training runs its simulations as Ray actors; both
start Ray the same way here.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from pathlib import Path
from typing import Any

from stopline.envs import ConfigError
from stopline.envs.session import stderr_to


def import_ray() -> Any:
    """The ``ray`` module, or a ConfigError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "--backend ray: Ray is not installed; install it with pip install 'stopline[ray]'"
        ) from None
    return ray


def start_ray(address: str | None, cpus: int) -> bool:
    """Connect to the Ray cluster at ``address``, or start a local Ray with ``cpus`` CPUs,
    unless Ray already runs here; True if this call started it (and so should end it)."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"address": address} if address else {"num_cpus": cpus}
    # Ray's core logs each failed attempt to reach a cluster on standard error, once a
    # second for 20 s: keep that aside and say a failure in one line.
    with tempfile.NamedTemporaryFile(prefix="stopline-ray-") as scratch:
        try:
            with stderr_to(Path(scratch.name)) if address else contextlib.nullcontext():
                ray.init(
                    **options,
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level=logging.WARNING,
                )
        except ConnectionError as error:  # no cluster answers at that address
            raise ConfigError(f"--ray-address {address}: {error}") from None
    return True
