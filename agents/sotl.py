"""``sotl``: Gershenson's self-organising traffic lights (platoon variant)."""

from __future__ import annotations

from collections.abc import Mapping

from stopline.envs import JunctionState

from .controller import Controller, Decisions


class SelfOrganising(Controller):
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

    Parameters:
        theta: vehicle-seconds at red that call for a switch (default 10: of 10, 20 and 40,
            the least total delay over single, corridor and grid on training seeds 1-2).
        mu: largest platoon moving on the green lanes that holds the switch (default 0).
    """

    name = "sotl"

    def __init__(self, theta: float = 10.0, mu: int = 0) -> None:
        self.theta = theta
        self.mu = mu
        self._counters: dict[str, float] = {}
        self._last: dict[str, tuple[float, int]] = {}

    def reset(self, states: Mapping[str, JunctionState]) -> None:
        self._counters = dict.fromkeys(states, 0.0)
        self._last = {}

    def act(self, now: float, states: Mapping[str, JunctionState]) -> Decisions:
        decisions: Decisions = {}
        for junction, state in states.items():
            previous_time, previous_phase = self._last.get(junction, (now, state.phase))
            self._last[junction] = (now, state.phase)
            if state.phase != previous_phase or state.in_transition:
                self._counters[junction] = 0.0
                continue
            served = {incoming for incoming, _ in state.layout.movements[state.phase]}
            red = [lane for lane in range(len(state.vehicles)) if lane not in served]
            self._counters[junction] += float(state.vehicles[red].sum()) * (now - previous_time)
            moving = float((state.vehicles - state.halting)[sorted(served)].sum())
            platoon = 0 < moving <= self.mu
            if self._counters[junction] > self.theta and state.min_green_passed and not platoon:
                decisions[junction] = _next_with_demand(state, served)
        return decisions


def _next_with_demand(state: JunctionState, served: set[int]) -> int:
    """The next green in programme order with vehicles on lanes it would newly serve."""
    for step in range(1, state.num_phases):
        phase = (state.phase + step) % state.num_phases
        lanes = {incoming for incoming, _ in state.layout.movements[phase]} - served
        if state.vehicles[sorted(lanes)].sum() > 0:
            return phase
    return state.phase
