"""Timing plans an engineer deploys: per time-of-day period, a cycle, splits and offsets
for every signal, optimised by simulation on training demand and written as SUMO files.

`plan_folder` optimises (or finds cached) the plan of a scenario; the controllers
``coordinated``, ``time-of-day`` and ``plan:PATH`` run plans in SUMO.
"""

from .controllers import Coordinated, SavedPlan, TimeOfDay
from .isolated import isolated_plan, plan_periods
from .optimise import OBJECTIVES, Search, check_objective, optimise
from .periods import TimePeriod, auto_periods, parse_periods
from .store import plan_folder
from .timing_plan import TimingPlan, write_sumo

__all__ = [
    "OBJECTIVES",
    "Coordinated",
    "SavedPlan",
    "Search",
    "TimeOfDay",
    "TimePeriod",
    "TimingPlan",
    "auto_periods",
    "check_objective",
    "isolated_plan",
    "optimise",
    "parse_periods",
    "plan_folder",
    "plan_periods",
    "write_sumo",
]
