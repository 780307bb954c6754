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


def changed(algo: str, values: dict[str, Any]) -> dict[str, Any]:
    """The hyper-parameters in ``values`` that differ from ``algo``'s defaults."""
    defaults = HYPERPARAMETERS.get(algo, {})
    return {key: value for key, value in values.items() if defaults.get(key) != value}
