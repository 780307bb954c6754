"""``coordinated``, ``time-of-day`` and ``plan:PATH``: timing plans as controllers SUMO runs."""

from __future__ import annotations

from pathlib import Path

from stopline.envs import EnvConfig
from stopline.scenarios import Scenario

from ..controller import NativeController, Report, silent
from .optimise import Search, check_objective
from .periods import check_periods
from .saved import check_plan, plan_file
from .store import COORDINATED, TIME_OF_DAY, plan_folder


class Coordinated(NativeController):
    """The optimised time-of-day plan of ``stopline plan``, offsets and all, run by SUMO.

    Per period (``auto``: where the training demand changes), a common cycle per group of
    nearby signals and Webster splits, then cycle and offsets optimised by SUMO runs on
    training demand; WAUTs switch the periods' programmes. Built once per scenario and
    settings, then read from the cache.

    Parameters:
        objective: ``delay`` (default), ``stops`` or ``bandwidth``.
        periods: ``auto`` or ``HH:MM-HH:MM,...``.
        trials: offset-search trials (default 40).
    """

    name = "coordinated"
    file = COORDINATED

    def __init__(self, objective: str = "delay", periods: str = "auto", trials: int = 40) -> None:
        check_objective(objective, "objective")
        check_periods(periods, "periods")
        self.objective = objective
        self.periods = periods
        self.trials = trials

    def prepare(
        self, scenario: Scenario, config: EnvConfig, report: Report = silent
    ) -> Path | None:
        return self._folder(scenario, config, report)

    def install(self, scenario: Scenario, folder: Path, config: EnvConfig) -> list[str]:
        return ["--additional-files", str(self._folder(scenario, config) / self.file)]

    def _folder(self, scenario: Scenario, config: EnvConfig, report: Report = silent) -> Path:
        search = Search(self.objective, self.periods, self.trials)
        return plan_folder(scenario, config, search, report)


class TimeOfDay(Coordinated):
    """The same plan as ``coordinated`` (periods, cycles, splits) without its offsets: what
    coordination adds is the difference between the two."""

    name = "time-of-day"
    file = TIME_OF_DAY


class SavedPlan(NativeController):
    """``plan:PATH``: a plan file written earlier (a plan folder or its ``.add.xml``, also
    one edited by hand), checked against the scenario and run by SUMO as it is."""

    name = "plan"

    def __init__(self, path: str) -> None:
        self.path = str(plan_file(path))

    def prepare(
        self, scenario: Scenario, config: EnvConfig, report: Report = silent
    ) -> Path | None:
        check_plan(Path(self.path), scenario, config)
        return None

    def install(self, scenario: Scenario, folder: Path, config: EnvConfig) -> list[str]:
        check_plan(Path(self.path), scenario, config)
        return ["--additional-files", self.path]
