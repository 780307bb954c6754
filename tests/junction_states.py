"""Hand-built junction states (no SUMO), for decisions and readings worked by hand."""

from __future__ import annotations

import dataclasses

import numpy as np

from stopline.envs import JunctionState, Layout


def two_green_state(
    halting: list[float], out_halting: list[float], phase: int = 0
) -> JunctionState:
    """Two greens: 0 serves lanes a and b (into x and y), 1 serves lane c (into z); 40
    places a lane; ``halting`` and ``out_halting`` also stand for the vehicles on them."""
    layout = Layout(
        junction="J",
        incoming=("a", "b", "c"),
        outgoing=("x", "y", "z"),
        in_capacity=np.full(3, 40.0),
        out_capacity=np.full(3, 40.0),
        in_speed_limit=np.full(3, 13.89),
        movements=(((0, 0), (1, 1)), ((2, 2),)),
    )
    zeros = np.zeros(3)
    return JunctionState(
        layout=layout,
        phase=phase,
        num_phases=2,
        green_time=20.0,
        min_green_passed=True,
        in_transition=False,
        vehicles=np.array(halting),
        halting=np.array(halting),
        waiting=zeros,
        speed=zeros,
        out_vehicles=np.array(out_halting),
        out_halting=np.array(out_halting),
    )


def blocked_junction(phase: int = 0) -> dict[str, JunctionState]:
    """Green 1's only exit (lane z, 12 places) is full: 11 vehicles stand on it. Green 1's
    queue of 20 is the longest, and its classic pressure (20 - 11) the highest. Green 0
    has 3 + 2 halted vehicles into empty exits."""
    state = two_green_state([3, 2, 20], [0, 0, 11], phase=phase)
    layout = dataclasses.replace(state.layout, out_capacity=np.array([40.0, 40.0, 12.0]))
    return {"J": state._replace(layout=layout)}
