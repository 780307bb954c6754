"""``fixed``: the network's own fixed-time programme, untouched."""

from __future__ import annotations

from .controller import NativeController


class FixedTime(NativeController):
    """The programme the network comes with (for built-ins, netconvert's), run by SUMO."""

    name = "fixed"
