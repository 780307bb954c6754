"""A trained policy's card: what it observes and is rewarded for, how it was trained, and
which of its inputs move its decisions.

Importance is permutation importance on the observations the policy met in one recorded
run: at each junction, one input (or every input of a kind, e.g. all its queues) is
shuffled across that junction's recorded decisions, and the share of decisions the policy
then takes differently is the input's importance. Only decisions that take effect are
recorded: none while a transition is under way (the signal model ignores them there; one
made before min green is held until min green, so it counts). The shuffle is seeded, so a
card is reproducible.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from stopline import scenarios
from stopline.agents import run_episode
from stopline.agents.models import model_folder, read_config
from stopline.envs import EnvConfig, JunctionState
from stopline.envs.observations import observation
from stopline.envs.rewards import reward
from stopline.experiments.runs.backends import LocalBackend
from stopline.experiments.runs.store import RunKey
from stopline.experiments.runs.tasks import Task, outcome

SHUFFLE_SEED = 0
TOP_INPUTS = 10


def kind(name: str) -> str:
    """An input's kind: its name without the lane, edge or green it is about ("queue
    W_J0_0" and "queue N_J0_1" are both "queue")."""
    words = [w for w in name.split() if not (w.isdigit() or "_" in w or ":" in w)]
    return " ".join(words) or name


def _record(task: Task) -> dict[str, Any]:
    """A worker: the policy over the scenario on the task's seed, its inputs recorded."""
    from stopline.agents.policy import RLController  # torch: only for policies

    class Recording(RLController):
        def __init__(self, path: str) -> None:
            super().__init__(path)
            self.rows: dict[str, list[list[float]]] = defaultdict(list)
            self.masks: dict[str, list[list[bool]]] = defaultdict(list)
            self.names: dict[str, list[str]] = {}

        def act(self, now: float, states: Mapping[str, JunctionState]) -> Any:
            junctions, batch, masks = self.inputs(states)
            for index, junction in enumerate(junctions):
                state = states[junction]
                if state.in_transition:
                    continue
                self.names.setdefault(junction, self.input_names(state))
                self.rows[junction].append(batch[index].tolist())
                if masks is not None:
                    self.masks[junction].append(masks[index].tolist())
            return super().act(now, states)

    def work() -> dict[str, Any]:
        policy = Recording(task.controller.removeprefix("rl:"))
        scenario = scenarios.load(
            task.key.scenario, demand_scale=task.key.demand_scale, seed=task.key.seed
        )
        with tempfile.TemporaryDirectory(prefix="stopline-card-") as scratch:
            run_episode(
                policy, scenario, sumo_seed=task.key.seed, folder=Path(scratch), config=task.env
            )
        return {
            junction: {
                "names": policy.names[junction],
                "rows": rows,
                "masks": policy.masks.get(junction),
            }
            for junction, rows in policy.rows.items()
        }

    return outcome(work)


def _changed(policy: Any, batch: np.ndarray, masks: np.ndarray | None, base: np.ndarray) -> float:
    return float(np.mean(policy.choose(batch, masks) != base))


def importance(
    model: str, recorded: Mapping[str, Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Permutation importance from ``recorded`` decisions: per input kind (every input of
    the kind shuffled together, averaged over junctions by their decisions) and the
    `TOP_INPUTS` single inputs that change most decisions."""
    from stopline.agents.policy import RLController

    policy = RLController(model)
    rng = np.random.default_rng(SHUFFLE_SEED)
    kinds: dict[str, list[tuple[float, int]]] = defaultdict(list)
    single: list[dict[str, Any]] = []
    for junction, record in sorted(recorded.items()):
        batch = np.asarray(record["rows"], dtype=np.float32)
        masks = np.asarray(record["masks"], dtype=bool) if record["masks"] else None
        if len(batch) < 2:
            continue
        base = policy.choose(batch, masks)
        order = rng.permutation(len(batch))
        columns: dict[str, list[int]] = defaultdict(list)
        for index, name in enumerate(record["names"]):
            if not name.startswith("padding"):
                columns[kind(name)].append(index)
                shuffled = batch.copy()
                shuffled[:, index] = batch[order, index]
                share = _changed(policy, shuffled, masks, base)
                single.append({"junction": junction, "input": name, "changed": share})
        for what, indices in columns.items():
            shuffled = batch.copy()
            shuffled[:, indices] = batch[order][:, indices]
            kinds[what].append((_changed(policy, shuffled, masks, base), len(batch)))
    by_kind: list[dict[str, Any]] = [
        {
            "input": what,
            "changed": sum(share * n for share, n in values) / sum(n for _, n in values),
            "junctions": len(values),
        }
        for what, values in kinds.items()
    ]
    by_kind.sort(key=lambda row: -row["changed"])
    single.sort(key=lambda row: -row["changed"])
    return by_kind, single[:TOP_INPUTS]


def policy_card(
    model: str, scenario: str, seed: int, *, demand_scale: float = 1.0, env: Mapping[str, Any]
) -> dict[str, Any]:
    """The card of the policy in folder ``model``, its importance read from one run on
    ``scenario`` at ``seed`` (in a process of its own, as every measured run)."""
    folder = model_folder(model)
    config = read_config(folder)
    trained = EnvConfig.from_mapping(config.get("env_config", {}))
    task = Task(RunKey(scenario, demand_scale, "card", seed), f"rl:{folder}", {}, dict(env))
    [(_, outcome)] = list(LocalBackend(1, worker=_record).results([task]))
    if outcome["status"] != "done":
        raise RuntimeError(f"recording the policy in {folder}: {outcome['error']}")
    by_kind, top = importance(str(folder), outcome["result"])
    seeds = config.get("training_seeds", [])
    seen = observation(trained.observation)
    rewarded = reward(trained.reward)
    return {
        "model": str(folder),
        "algorithm": config.get("algo"),
        "trained_on": ", ".join([config.get("scenario", "?"), *config.get("family", [])]),
        "budget": config.get("timesteps"),
        "training_seeds": f"{min(seeds)}-{max(seeds)}" if seeds else "?",
        "seed": config.get("seed"),
        "observation": f"{seen.name}: {seen.doc}",
        "reward": f"{rewarded.name}: {rewarded.doc}",
        "env": {
            key: value
            for key, value in dataclasses.asdict(trained).items()
            if key
            in ("action_mode", "delta_time", "yellow_time", "min_green", "max_green", "phases")
        },
        "hyperparameters": config.get("hyperparameters", {}),
        "recorded": {
            "scenario": scenario,
            "seed": seed,
            "decisions": sum(len(r["rows"]) for r in outcome["result"].values()),
        },
        "by_kind": by_kind,
        "top": top,
    }
