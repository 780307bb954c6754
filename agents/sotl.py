"""``sotl``: Gershenson's self-organising traffic lights (platoon variant)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from stopline.envs import EXIT_FULL, JunctionState

from .controller import Decisions
from .spillback import SpillbackAware


class SelfOrganising(SpillbackAware):
    """Switch when demand waiting at red has built up, unless a small platoon is crossing.

    Every decision interval each junction adds (vehicles on its red incoming lanes x
    seconds) to a counter. Once the counter exceeds ``theta`` the junction moves to the next
    green in programme order that has vehicles waiting for it (greens nobody waits for are
    skipped: Gershenson's rule is for two phases), unless between 1 and ``mu`` vehicles are
    still moving on its green lanes (a small platoon about to cross). The counter resets at
    each switch.

    Gershenson counts the platoon within ``omega`` metres of the stop line. Stopline's
    readings cover whole lanes, where a trickle of 1-3 moving vehicles is almost always
    present and would hold every green to max green; so the platoon rule is off by default
    (``mu = 0``).

    Under congestion (default ``spillback``) only vehicles whose exit has room count, the
    next green is the one with the most vehicles that can move (cycling through greens
    that only a few wait for costs a yellow and a start-up each: on `random:1` at 1.5x
    demand, training seeds 1-3, 57.6 s of delay against 273.9 s in programme order), and a
    green whose vehicles are all held by full exits is left as soon as min green allows
    (Gershenson and Rosenblueth's rule 5; see `stopline.agents.spillback`).
    ``spillback=False`` is the rule as above, for published comparisons.

    Parameters:
        theta: vehicle-seconds at red that call for a switch (default 10: of 10, 20 and 40,
            the least total delay over single, corridor and grid on training seeds 1-2).
        mu: largest platoon moving on the green lanes that holds the switch (default 0).
        spillback, exit_full: as `SpillbackAware`'s.
    """

    name = "sotl"

    def __init__(
        self,
        theta: float = 10.0,
        mu: int = 0,
        spillback: bool = True,
        exit_full: float = EXIT_FULL,
    ) -> None:
        super().__init__(spillback, exit_full)
        self.theta = theta
        self.mu = mu
        self._counters: dict[str, float] = {}
        self._last: dict[str, tuple[float, int]] = {}

    def reset(self, states: Mapping[str, JunctionState]) -> None:
        self._counters = dict.fromkeys(states, 0.0)
        self._last = {}

    def act(self, now: float, states: Mapping[str, JunctionState]) -> Decisions:
        decisions: Decisions = {}
        full = self.full_share
        for junction, state in states.items():
            previous_time, previous_phase = self._last.get(junction, (now, state.phase))
            self._last[junction] = (now, state.phase)
            if state.phase != previous_phase or state.in_transition:
                self._counters[junction] = 0.0
                continue
            served = state.layout.served[0][state.phase] > 0
            waiting = state.vehicles * state.movable_share(full) * ~served  # at red, can move
            self._counters[junction] += float(waiting.sum()) * (now - previous_time)
            moving = float((state.vehicles - state.halting)[served].sum())
            platoon = 0 < moving <= self.mu
            movable = state.share(state.vehicles, full)
            # Rule 5: a green whose vehicles are all held by full exits is left for one
            # whose can move. Not an empty green: on a city's short approaches (a vehicle
            # or two of storage) a platoon is often still upstream, and cutting such greens
            # at min green cost `helsinki` at 1.5x 206 s against 121 (training seeds 1-4).
            held = state.vehicles[served].any() and not state.per_green(movable)[state.phase]
            stuck = full is not None and held
            due = self._counters[junction] > self.theta and not platoon
            if state.min_green_passed and (due or (stuck and waiting.any())):
                decisions[junction] = _next_with_demand(
                    state, served, movable, most=full is not None
                )
        return decisions


def _next_with_demand(
    state: JunctionState, served: np.ndarray, movable: np.ndarray, *, most: bool
) -> int:
    """The green to switch to: one with vehicles that can move (``movable``: per movement,
    `JunctionState.share`) on lanes it would newly serve; the next such in programme order,
    or with ``most`` the one with the most of them (ties: programme order)."""
    newly = state.per_green(movable, ~served[state.layout.pairs[1]])
    order = [(state.phase + step) % state.num_phases for step in range(1, state.num_phases)]
    waiting = [phase for phase in order if newly[phase] > 0]
    if not waiting:
        return state.phase
    return max(waiting, key=lambda phase: newly[phase]) if most else waiting[0]
