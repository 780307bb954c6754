"""What is simulated: built-in scenarios, a user's own SUMO files, demand, seeds, validation.

`load` is the one entry point; it returns a `Scenario`.
"""

from .build import default_cache_dir
from .catalogue import Blueprint, blueprint, names
from .errors import ScenarioError
from .loader import check_demand_scale, check_seed, load, reseeded
from .scenario import Scenario
from .seeds import EVALUATION_SEEDS, FITTING_SEEDS, TRAINING_SEEDS, VALIDATION_SEEDS

__all__ = [
    "EVALUATION_SEEDS",
    "FITTING_SEEDS",
    "TRAINING_SEEDS",
    "VALIDATION_SEEDS",
    "Blueprint",
    "Scenario",
    "ScenarioError",
    "blueprint",
    "check_demand_scale",
    "check_seed",
    "default_cache_dir",
    "load",
    "names",
    "reseeded",
]
