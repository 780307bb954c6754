"""The warm start: a new actor-critic policy made to act as its teacher before RL begins.

Behaviour cloning (the actor's log-likelihood of the teacher's actions) and, at once, the
critic fitted to the discounted returns the teacher earned, so that the first PPO updates
see advantages of the teacher's level rather than a random critic's noise, which would
otherwise pull the cloned actor away from the teacher (as the literature on learning from
demonstrations finds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.policies import ActorCriticPolicy

from .training_envs import padded

if TYPE_CHECKING:
    from .demonstrations import Trajectory


@dataclass(frozen=True)
class CloneFit:
    """How well the clone acts as its teacher, on the demonstrations it learnt from."""

    samples: int
    agreement: float  # share of samples where the clone's deterministic action is the teacher's
    value_error: float  # root mean square error of the critic on the returns


def clone(
    model: BaseAlgorithm,
    trajectories: Sequence[Trajectory],
    *,
    updates: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
) -> CloneFit:
    """Fit ``model``'s actor to the teacher's actions and its critic to the returns, over
    ``updates`` minibatches (whole passes over the shuffled samples, the last one cut
    short): a count of updates, not of passes, so that one junction's few thousand samples
    are fitted as well as a city's hundred thousand."""
    policy = _actor_critic(model)
    observations, actions, returns = _samples(model, trajectories)
    optimiser = torch.optim.Adam(policy.parameters(), lr=learning_rate)
    order = torch.Generator().manual_seed(seed)
    policy.set_training_mode(True)
    batches: list[torch.Tensor] = []
    while len(batches) < updates:
        batches += torch.randperm(len(actions), generator=order).split(batch_size)
    for batch in batches[:updates]:
        distribution = policy.get_distribution(observations[batch])
        values = policy.predict_values(observations[batch]).flatten()
        imitation = -distribution.log_prob(actions[batch]).mean()
        loss = imitation + 0.5 * torch.nn.functional.mse_loss(values, returns[batch])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    policy.set_training_mode(False)
    with torch.no_grad():
        error = policy.predict_values(observations).flatten() - returns
    return CloneFit(
        samples=len(actions),
        agreement=agreement(model, trajectories),
        value_error=float(error.pow(2).mean().sqrt()),
    )


def agreement(model: BaseAlgorithm, trajectories: Sequence[Trajectory]) -> float:
    """The share of the samples where ``model``'s deterministic action is the teacher's."""
    policy = _actor_critic(model)
    observations, actions, _ = _samples(model, trajectories)
    with torch.no_grad():
        chosen = policy.get_distribution(observations).get_actions(deterministic=True)
    return float((chosen == actions).float().mean())


def _actor_critic(model: BaseAlgorithm) -> ActorCriticPolicy:
    if not isinstance(model.policy, ActorCriticPolicy):
        kind = type(model.policy).__name__
        raise TypeError(f"a warm start needs an actor-critic policy, not {kind}")
    return model.policy


def _samples(
    model: BaseAlgorithm, trajectories: Sequence[Trajectory]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Observations (padded to the model's width), actions and returns, as tensors."""
    width = int(model.observation_space.shape[0])  # type: ignore[index]
    observations = torch.as_tensor(
        np.concatenate([[padded(row, width) for row in t.observations] for t in trajectories]),
        device=model.policy.device,
    )
    actions = torch.as_tensor(np.concatenate([t.actions for t in trajectories]))
    returns = torch.as_tensor(np.concatenate([t.returns for t in trajectories]))
    return observations, actions, returns
