"""The hyper-parameter defaults of each training algorithm, by the name config.json saves.

Kept apart from `training` (which imports torch) so that reports can say which values a
model changed without loading it.
"""

from __future__ import annotations

from typing import Any

# Visible defaults for each algorithm; every value used is saved with the model.
_PPO: dict[str, Any] = {
    "learning_rate": 3e-4,
    "n_steps": 360,
    "batch_size": 180,
    "n_epochs": 10,
    "gamma": 0.95,
    "gae_lambda": 0.95,
    "clip_range": 0.2,
    "ent_coef": 0.01,
    "policy_kwargs": {"net_arch": [64, 64]},
}
HYPERPARAMETERS: dict[str, dict[str, Any]] = {
    "ppo": _PPO,
    "maskable-ppo": _PPO,
    "dqn": {
        "learning_rate": 1e-3,
        "buffer_size": 50_000,
        "learning_starts": 500,
        "batch_size": 64,
        "gamma": 0.95,
        "train_freq": 1,
        "target_update_interval": 500,
        "exploration_fraction": 0.3,
        "exploration_final_eps": 0.02,
        "policy_kwargs": {"net_arch": [64, 64]},
    },
    "a2c": {
        "learning_rate": 7e-4,
        "n_steps": 16,
        "gamma": 0.95,
        "ent_coef": 0.01,
        "policy_kwargs": {"net_arch": [64, 64]},
    },
}


# Default budgets, in decisions (samples). A shared policy gets one per junction per step,
# so a network's budget grows with its junctions: the same simulated hours of traffic for
# every network (250,000 decisions is 50,000 steps of `corridor`; 250,000 for `helsinki`'s
# 35 junctions was 5 episodes, still learning fast). Capped so that a run fits in 15
# minutes on 2 cores (see README).
SINGLE_JUNCTION_BUDGET = 100_000
NETWORK_BUDGET_PER_JUNCTION = 50_000
NETWORK_BUDGET_CAP = 2_000_000


def default_budget(junctions: int) -> int:
    """Training decisions by default: more for a network, whose policy every junction shares."""
    if junctions == 1:
        return SINGLE_JUNCTION_BUDGET
    return min(NETWORK_BUDGET_CAP, NETWORK_BUDGET_PER_JUNCTION * junctions)


# The classical strategies a policy's teacher is chosen from (`validation.warm_start`): the
# Python rules and SUMO's own responsive logics on the phase set (fixed plans lose to them
# on every built-in).
TEACHERS = ("actuated", "delay-based", "max-pressure", "greedy", "sotl")
# Rounds in which the clone drives and its teacher is asked (DAgger). Two: on `random:1` at
# 1.5x the clone agreed with greedy at 68 % of its own decisions before the first and 91 %
# before the second (validation 660 s with none, 49.4 s after two).
DAGGER_ROUNDS = 2


def changed(algo: str, values: dict[str, Any]) -> dict[str, Any]:
    """The hyper-parameters in ``values`` that differ from ``algo``'s defaults."""
    defaults = HYPERPARAMETERS.get(algo, {})
    return {key: value for key, value in values.items() if defaults.get(key) != value}
