"""The driver both environments share: a SUMO session, its signal models and its meter.

A decision interval runs from one decision to the next. SUMO is stepped straight to each
time at which some signal's state changes (end of a yellow, a deferred switch, max green),
so the Python side costs a handful of calls per interval whatever the yellow timings are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import traci.constants as tc

from stopline.scenarios import Scenario

from .config import EnvConfig
from .errors import SimulationError
from .layout import Layout
from .measure import READINGS, JunctionState, Meter, NetworkTotals
from .phases import PhaseSet, phase_sets
from .session import Session
from .signal import Signal
from .timing import timing_for


class TrafficSimulation:
    """One episode's simulation of a scenario with some of its junctions under control.

    Junctions not in ``junctions`` run their own programme. In observe-only mode none is
    controlled: signals follow what SUMO shows and actions are ignored. ``reads`` names the
    lane readings (`READINGS`) `observe` fills; the others are NaN.
    """

    def __init__(
        self,
        scenario: Scenario,
        config: EnvConfig,
        junctions: Sequence[str],
        reads: Iterable[str] = READINGS,
    ) -> None:
        self.config = config
        self.junctions = tuple(junctions)
        self.reads = frozenset(reads)
        self.use(scenario)
        self.session: Session | None = None
        self.signals: dict[str, Signal] = {}
        self._meter: Meter | None = None
        self._shown: dict[str, str] = {}  # the state last sent to SUMO, per junction

    def use(self, scenario: Scenario) -> None:
        """Simulate ``scenario`` from the next start on (e.g. another demand seed)."""
        sets = phase_sets(scenario, self.config.phases)
        for junction in self.junctions:
            if junction not in sets:
                raise SimulationError(
                    f"junction {junction!r} is not a signalised junction of {scenario.name}; "
                    f"it has: {', '.join(scenario.junctions)}"
                )
            if not sets[junction].controllable:
                raise SimulationError(
                    f"junction {junction!r} of {scenario.name} has one green phase: there is "
                    "nothing to decide there (it runs its own programme)"
                )
        self.scenario = scenario
        self.phase_sets: dict[str, PhaseSet] = {j: sets[j] for j in self.junctions}
        self.layouts = {j: Layout.of(scenario.net_file, sets[j]) for j in self.junctions}

    # -- lifecycle -------------------------------------------------------------------

    def start(self, sumo_seed: int) -> None:
        """(Re)start SUMO for a new episode and build the signal models from its programmes."""
        self.close()
        self.session = Session(
            self.scenario,
            seed=sumo_seed,
            backend=self.config.backend,
            gui=self.config.gui,
            options=self.config.sumo_options,
        )
        self.session.start()
        api = self.session.api
        now = self.session.now
        for junction in self.junctions:
            phases = self.phase_sets[junction]
            shown = self.session.call(api.trafficlight.getRedYellowGreenState, junction)
            if len(shown) != len(phases.greens[0]):
                self.close()
                raise SimulationError(
                    f"junction {junction!r}: SUMO signals {len(shown)} links, its programme "
                    f"{len(phases.greens[0])}"
                )
            signal = Signal(phases, timing_for(phases, self.config), now)
            self.signals[junction] = signal
            if self.config.observe_only:
                state = (tc.TL_RED_YELLOW_GREEN_STATE,)
                self.session.call(api.trafficlight.subscribe, junction, state)
        subscribe = self.session.backend == "traci"  # direct calls are socket round trips
        self._meter = self.session.call(
            lambda: Meter(api, list(self.layouts.values()), self.reads, subscribe=subscribe)
        )
        self._shown = {}
        if self.config.observe_only:
            self._follow(now)
        else:
            self._send()

    def blank_states(self) -> dict[str, JunctionState]:
        """Every controlled junction empty, on its first green: what spaces are sized by."""
        return {
            j: JunctionState.blank(self.layouts[j], len(self.phase_sets[j].greens))
            for j in self.junctions
        }

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
        self.session, self._meter = None, None
        self.signals, self._shown = {}, {}

    # -- running ---------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.session is not None and self.session.running

    def _live(self) -> Session:
        if self.session is None or not self.session.running:
            raise SimulationError("the simulation is not running: call reset() first")
        return self.session

    def time(self) -> float:
        return self._live().now

    @property
    def done(self) -> bool:
        return self.time() >= self.scenario.end

    def apply(self, phases: Mapping[str, int | None]) -> None:
        """Ask each named signal for a green (None keeps the current one)."""
        if self.config.observe_only:
            return
        now = self.time()
        for junction, phase in phases.items():
            if phase is not None:
                self.signals[junction].request(phase, now)
        self._send()

    def advance(self) -> None:
        """Simulate one decision interval (or up to the window's end)."""
        session = self._live()
        now = session.now
        until = min(now + self.config.delta_time, self.scenario.end)
        if self.config.observe_only:
            session.step(until)
            self._follow(until)
            return
        while now < until:
            now = session.step(min([until, *(s.next_event() for s in self.signals.values())]))
            for signal in self.signals.values():
                signal.advance(now)
            self._send()

    def _send(self) -> None:
        """Send SUMO every state the signal models changed since they were last sent."""
        session = self._live()
        for junction, signal in self.signals.items():
            if self._shown.get(junction) != signal.state:
                session.call(
                    session.api.trafficlight.setRedYellowGreenState, junction, signal.state
                )
                self._shown[junction] = signal.state

    def _follow(self, now: float) -> None:
        api = self._live().api
        states = self._live().call(api.trafficlight.getAllSubscriptionResults)
        for junction, signal in self.signals.items():
            signal.follow(states[junction][tc.TL_RED_YELLOW_GREEN_STATE], now)

    # -- measuring -------------------------------------------------------------------

    def observe(self) -> tuple[dict[str, JunctionState], NetworkTotals]:
        """Read every controlled lane and the network totals once."""
        session = self._live()
        assert self._meter is not None
        table, totals = session.call(self._meter.read, session.now)
        rows = list(table)
        states = {
            junction: self._meter.junction_state(self.layouts[junction], signal, totals.time, rows)
            for junction, signal in self.signals.items()
        }
        return states, totals
