"""The rule the network strategies share under congestion: no green for a queue that
cannot move.

A movement's exit lane is full when its vehicles fill ``exit_full`` of the lane's storage
(lane length / 7.5 m), or all of it but one vehicle on a short lane
(`JunctionState.open_exits`). A queue behind a full exit gains nothing from a green:
max-pressure, SOTL and greedy count only the queues whose exits have room (Gregoire et al.
2015 and the storage-limited max-pressure variants do the same), and SOTL also leaves a
green none of whose queues can move (Gershenson and Rosenblueth 2012, rule 5).
"""

from __future__ import annotations

from stopline.envs import EXIT_FULL

from .controller import Controller


class SpillbackAware(Controller):
    """A strategy with the spillback rule on (default) or off (its classic form).

    Parameters:
        spillback: count only the queues whose exit has room (default true; false is the
            strategy's classic rule, for comparisons with published results).
        exit_full: the share of an exit lane's storage that makes it full (default 0.85).
    """

    def __init__(self, spillback: bool = True, exit_full: float = EXIT_FULL) -> None:
        self.spillback = spillback
        self.exit_full = exit_full

    @property
    def full_share(self) -> float | None:
        """``exit_full`` where the rule is on, else None (what `JunctionState` takes)."""
        return self.exit_full if self.spillback else None
