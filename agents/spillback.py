"""The rule the network strategies share under congestion: no green for a queue that
cannot move.

A movement's exit lane is full when its vehicles fill `EXIT_FULL` of the lane's storage
(lane length / 7.5 m), or all of it but one vehicle on a short lane
(`JunctionState.open_movements`). A queue behind a full exit gains nothing from a green:
max-pressure, SOTL and greedy count only the queues whose exits have room (Gregoire et al.
2015 and the storage-limited max-pressure variants do the same), and SOTL also leaves a
green none of whose queues can move (Gershenson and Rosenblueth 2012, rule 5).
"""

from __future__ import annotations

# Chosen on training seeds 1-3 (README, "Strategies under congestion").
EXIT_FULL = 0.85
