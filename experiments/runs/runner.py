"""Running an experiment: every (scenario, scale, controller, seed), on a backend.

Each run happens in a worker (a local process or a Ray task) and returns its metrics; the
main process stores each one as it finishes. RL entries with a training budget are trained
first, on training demand seeds, one model per scenario, in a folder named by a digest of
everything that trained it: a changed budget, env or hyper-parameter trains a new model.
"""

from __future__ import annotations

import dataclasses
import json
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from stopline import agents, scenarios
from stopline.agents.models import LEARNING_CURVE, MODEL, read_config
from stopline.envs import EnvConfig
from stopline.experiments.analysis.standing import tell_standing
from stopline.experiments.runs.backends import Backend, LocalBackend
from stopline.experiments.runs.spec import ControllerEntry, Spec, digest, training_config
from stopline.experiments.runs.store import (
    MODELS,
    NETWORKS,
    SETTINGS,
    RunKey,
    Store,
    relative_models,
    write_atomically,
)
from stopline.experiments.runs.tasks import Progress, Task, plan_progress, watched
from stopline.experiments.studies.coaching import LocalCoach
from stopline.scenarios import naming, sumo_tools
from stopline.scenarios.geometry import network_geometry


def _controller_name(entry: ControllerEntry, scenario: str, out: Path, env: dict[str, Any]) -> str:
    """The controller to run: RL entries with a budget are trained first (once per config)."""
    if entry.train is None:
        return entry.name
    from stopline.agents.training import train
    from stopline.experiments.reports.plots import learning_curve

    config = training_config(entry, scenario, env)
    key = digest(dataclasses.asdict(config))[:8]
    folder = out / MODELS / f"{entry.label}-{naming.slug(config.scenario)}-{key}"
    if not (folder / MODEL).is_file():
        print(f"training {entry.label} on {naming.slug(config.scenario)} ...", flush=True)
        train(config, folder, coach=LocalCoach(jobs=config.envs))
        learning_curve(folder, folder / LEARNING_CURVE)
        tell_standing(read_config(folder))
    return f"rl:{folder}"


def _prepare(
    entry: ControllerEntry, scenario: str, scales: tuple[float, ...], env: dict[str, Any]
) -> dict[str, str]:
    """Work a controller does once before its runs (a plan optimised into the cache), here
    in the main process so parallel runs find it ready; a plan file that does not fit the
    scenario is refused here, before any run. Returns where prepared work lives, by
    ``label on scenario xscale``."""
    if entry.train is not None or entry.name.startswith("rl:"):
        return {}
    controller = agents.make(entry.name, **entry.params)
    config = EnvConfig.from_mapping(env)
    found = {}
    for scale in scales:
        loaded = scenarios.load(scenario, demand_scale=scale)
        folder = controller.prepare(loaded, config, plan_progress)
        if folder is not None:
            found[f"{entry.label} on {naming.slug(scenario)} x{scale:g}"] = str(folder)
    return found


def plan(spec: Spec, out: Path) -> tuple[list[Task], dict[str, str], dict[str, str]]:
    """Every run the spec asks for, RL entries resolved to trained models; the trained
    models' folders, by ``label on`` the scenario each trained on; and prepared plans'."""
    tasks: dict[RunKey, Task] = {}
    models = {}
    plans = {}
    for entry_scenario in spec.scenarios:
        for entry in spec.controllers:
            name = _controller_name(entry, entry_scenario.name, out, spec.env)
            plans.update(
                _prepare(entry, entry_scenario.name, entry_scenario.demand_scales, spec.env)
            )
            if entry.train is not None:
                trained_on = [entry.train.get("scenario", entry_scenario.name)]
                trained_on += entry.train.get("family", [])
                where = ", ".join(naming.slug(each) for each in trained_on)
                models[f"{entry.label} on {where}"] = name.removeprefix("rl:")
            for scale in entry_scenario.demand_scales:
                for seed in spec.seeds:
                    key = RunKey(entry_scenario.name, scale, entry.label, seed)
                    tasks[key] = Task(key, name, entry.params, spec.env)  # each key once
    return list(tasks.values()), models, plans


def save_networks(spec: Spec, folder: Path) -> None:
    """Each scenario's road and signal geometry, for the report's maps."""
    networks = {}
    for entry in spec.scenarios:
        scenario = scenarios.load(
            entry.name, demand_scale=entry.demand_scales[0], seed=spec.seeds[0]
        )
        networks[entry.name] = network_geometry(scenario.net_file).as_dict()
    write_atomically(folder / NETWORKS, json.dumps(networks) + "\n")


def _save_settings(spec: Spec, folder: Path, models: dict[str, str], plans: dict[str, str]) -> None:
    """What the report states about the experiment: its name, reference, hash, settings and
    provenance (versions, date, trained models)."""
    settings = {
        "name": spec.name,
        "reference": spec.reference,
        "spec_hash": spec.hash,
        "identity": spec.identity(),
        "source": str(spec.source),
        "stopline_version": version("stopline"),
        "sumo_version": sumo_tools.version(),
        "started_at": time.strftime("%Y-%m-%d %H:%M %Z"),
        "models": relative_models(folder, models),
        "plans": plans,
    }
    write_atomically(folder / SETTINGS, json.dumps(settings, indent=2) + "\n")


def claim_folder(spec: Spec, folder: Path) -> None:
    """Refuse (`ExperimentError`) a folder that cannot be written or holds another
    experiment's runs, before anything runs."""
    store = Store(folder)
    try:
        store.claim(spec.hash, spec.identity())
    finally:
        store.close()


def run_spec(
    spec: Spec,
    *,
    out: Path | None = None,
    backend: Backend | None = None,
    progress: Progress | None = None,
) -> Path:
    """Run every missing run of ``spec`` into ``out``/results.db; return the folder.

    Runs execute on ``backend`` (default: one local worker process). A folder holding
    another experiment's runs is refused (`ExperimentError`), never pooled."""
    folder = out or spec.out
    store = Store(folder)
    try:
        store.claim(spec.hash, spec.identity())
        save_networks(spec, folder)
        finished = store.done(spec.hash)
        tasks, models, plans = plan(spec, folder)
        _save_settings(spec, folder, models, plans)
        tasks = [task for task in tasks if task.key not in finished]
        versions = (version("stopline"), sumo_tools.version())
        results = (backend or LocalBackend()).results(tasks)
        for task, outcome in watched(results, len(tasks), progress):
            store.record(
                spec.hash,
                task.key,
                status=outcome["status"],
                versions=versions,
                wall_time=outcome["wall_time"],
                params={"controller": task.controller, **task.params},
                result=outcome.get("result"),
                error=outcome.get("error"),
            )
    finally:
        store.close()
    return folder
