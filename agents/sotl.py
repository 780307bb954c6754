"""``sotl``: Gershenson's self-organising traffic lights (platoon variant)."""

from __future__ import annotations

from collections.abc import Mapping

from stopline.envs import JunctionState

from .controller import Controller, Decisions


class SelfOrganising(Controller):
    """Switch when demand waiting at red has built up, unless a small platoon is crossing.

    Every decision interval each junction adds (vehicles on its red incoming lanes x
    seconds) to a counter. Once the counter exceeds ``theta`` the junction moves to its next
    green, unless between 1 and ``mu`` vehicles are still moving on its green lanes (a small
    platoon about to cross: letting it pass is cheaper than splitting it). The counter
    resets at each switch. Gershenson counts vehicles within ``omega`` metres of the stop
    line; the readings here are per whole lane, so ``omega`` is the lane itself.

    Parameters:
        theta: vehicle-seconds at red that call for a switch (default 100).
        mu: largest platoon on green that holds the switch (default 3).
    """

    name = "sotl"

    def __init__(self, theta: float = 100.0, mu: int = 3) -> None:
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
                decisions[junction] = (state.phase + 1) % state.num_phases
        return decisions
