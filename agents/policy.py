"""``rl:PATH``: a policy trained by `training`, acting as a controller."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sb3_contrib import MaskablePPO

from stopline.envs import EnvConfig, JunctionState
from stopline.envs.observations import observation
from stopline.envs.spaces import action_mask, requested

from .controller import Controller, Decisions
from .errors import ModelMismatchError
from .models import MODEL, model_folder, read_config
from .training import ALGORITHMS
from .training_envs import padded, padded_action, padded_mask


class RLController(Controller):
    """A trained policy acting deterministically, one decision per junction.

    It loads ``model.zip`` and ``config.json`` from PATH (the folder ``stopline train``
    wrote) and refuses a scenario whose junctions give observations or green counts the
    model was not trained for; a model with a fixed-width observation (``greens``) runs
    on any network whose junctions have at most that many greens.
    """

    name = "rl"

    def __init__(self, path: str | Path) -> None:
        # A policy acts on one small batch per decision: more PyTorch threads only contend
        # with SUMO and with the other runs (4 evaluation runs at 2 jobs on 2 cores: 27.9 s
        # with torch's default of one thread per core, 12.7 s with one). This sets the
        # process's threads; training sets its own.
        torch.set_num_threads(1)
        folder = model_folder(path)
        self.path = str(folder)
        self.config = read_config(folder)
        algorithm = ALGORITHMS[self.config["algo"]]
        self._model = algorithm.load(folder / MODEL, device="cpu")
        trained_with = EnvConfig.from_mapping(self.config["env_config"])
        self._observation = observation(trained_with.observation)
        self._env = trained_with
        self._mode = trained_with.action_mode
        self._width = int(self._model.observation_space.shape[0])  # type: ignore[index]
        self._actions = int(self._model.action_space.n)  # type: ignore[attr-defined]

    def environment(self) -> Mapping[str, Any]:
        """The env configuration the model was trained with (timings, observation...)."""
        return dict(self.config["env_config"])

    def reset(self, states: Mapping[str, JunctionState]) -> None:
        if self._observation.greens is not None:  # the same width at every junction
            width = int(self._observation.function(next(iter(states.values()))).shape[0])
            if width != self._width:
                raise ModelMismatchError(
                    f"model {self.path} reads {self._width} values of observation "
                    f"{self._observation.name!r}, which is {width} wide in this version: "
                    "train it again"
                )
            return
        trained = {tuple(shape) for shape in self.config["layout"].values()}
        for junction, state in states.items():
            shape = (int(self._observation.function(state).shape[0]), state.num_phases)
            if shape not in trained:
                seen = ", ".join(
                    f"{size} values/{greens} greens" for size, greens in sorted(trained)
                )
                raise ModelMismatchError(
                    f"model {self.path} was trained on {self.config['scenario']} for junctions "
                    f"of {seen}; junction {junction} has {shape[0]} values/{shape[1]} greens: "
                    "train a model on this scenario, or one with --observation greens"
                )

    def inputs(
        self, states: Mapping[str, JunctionState]
    ) -> tuple[list[str], np.ndarray, np.ndarray | None]:
        """The junctions, in order, their observations as the model reads them (one row
        each) and, for a maskable model, the actions each may take."""
        junctions = list(states)
        batch = np.stack(
            [padded(self._observation.function(states[j]), self._width) for j in junctions]
        )
        masks = None
        if isinstance(self._model, MaskablePPO):  # it was trained never to pick the others
            masks = np.stack(
                [padded_mask(action_mask(self._env, states[j]), self._actions) for j in junctions]
            )
        return junctions, batch, masks

    def input_names(self, state: JunctionState) -> list[str]:
        """What each value of a junction's row in `inputs` stands for."""
        names = self._observation.names(state)
        return [*names, *(f"padding {i}" for i in range(self._width - len(names)))]

    def choose(self, batch: np.ndarray, masks: np.ndarray | None) -> np.ndarray:
        """The model's deterministic action for each row of ``batch``."""
        if masks is not None and isinstance(self._model, MaskablePPO):
            actions, _ = self._model.predict(batch, deterministic=True, action_masks=masks)
        else:
            actions, _ = self._model.predict(batch, deterministic=True)
        return np.asarray(actions)

    def act(self, now: float, states: Mapping[str, JunctionState]) -> Decisions:
        junctions, batch, masks = self.inputs(states)
        decisions: Decisions = {}
        for junction, action in zip(junctions, self.choose(batch, masks), strict=True):
            state = states[junction]
            chosen = padded_action(self._mode, int(action), state.phase, state.num_phases)
            decisions[junction] = requested(self._env, state, chosen)
        return decisions
