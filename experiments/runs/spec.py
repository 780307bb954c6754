"""Experiment specs: a TOML file saying what to compare, on which demand, over which seeds.

```toml
name = "quick"
out = "results/quick"            # relative to the spec file
seeds = [101, 102]               # evaluation demand seeds

[[scenarios]]
name = "single"                  # a built-in name or a .sumocfg path (relative to the spec)
demand_scales = [1.0]

[[controllers]]
name = "fixed"

[[controllers]]
name = "sotl"
params = { theta = 20 }

[[controllers]]
name = "ppo"                     # a label; `train` makes it an RL entry trained first
train = { algo = "ppo", timesteps = 20000 }

[[controllers]]
name = "ppo-from-single"         # trained on one scenario, evaluated on all (zero-shot)
train = { algo = "ppo", timesteps = 20000, scenario = "single" }
```
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stopline import agents
from stopline.agents.hyperparameters import TEACHERS
from stopline.envs import OBSERVATIONS, ConfigError, EnvConfig
from stopline.experiments.errors import ExperimentError
from stopline.measures import DEFINITIONS
from stopline.scenarios import ScenarioError, bounds, check_demand_scale, check_seed, naming

_TOP_KEYS = {"name", "out", "seeds", "scenarios", "controllers", "reference", "env"}
_SCENARIO_KEYS = {"name", "demand_scales"}
_CONTROLLER_KEYS = {"name", "params", "train", "label"}
_TRAIN_KEYS = {
    "algo",
    "timesteps",
    "envs",
    "seed",
    "observation",
    "reward",
    "hyperparameters",
    "scenario",  # train there, evaluate on every scenario (robustness, zero-shot)
    "family",  # and on these at once: one generalist policy (observation "greens")
    "demand_spread",
    "teacher",  # auto (the default), none, or a classical strategy to warm start from
    "dagger_rounds",  # rounds the clone drives with its teacher asked (0: none)
}


class SpecError(ExperimentError):
    """A spec that cannot be run; the message names the file, the key and what is allowed."""


@dataclass(frozen=True)
class ScenarioEntry:
    name: str
    demand_scales: tuple[float, ...] = (1.0,)


@dataclass(frozen=True)
class ControllerEntry:
    """A strategy to compare: a controller name with parameters, or an RL policy to train."""

    label: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] | None = None


@dataclass(frozen=True)
class Spec:
    """A whole experiment."""

    name: str
    out: Path
    seeds: tuple[int, ...]
    scenarios: tuple[ScenarioEntry, ...]
    controllers: tuple[ControllerEntry, ...]
    reference: str = "fixed"
    env: dict[str, Any] = field(default_factory=dict)
    source: Path | None = None

    def identity(self) -> dict[str, Any]:
        """Everything that shapes the results (not where they are written), as JSON data."""
        return json.loads(
            json.dumps(
                {
                    "seeds": self.seeds,
                    "scenarios": [
                        {"name": s.name, "demand_scales": s.demand_scales} for s in self.scenarios
                    ],
                    "controllers": [
                        {"label": c.label, "name": c.name, "params": c.params, "train": c.train}
                        for c in self.controllers
                    ],
                    "env": self.env,
                    # Runs measured under other definitions are not pooled with these.
                    "metric definitions": DEFINITIONS,
                },
                default=str,
            )
        )

    @property
    def hash(self) -> str:
        """A digest of `identity`: runs with the same hash are runs of the same experiment."""
        return digest(self.identity())


def digest(data: Any) -> str:
    """A short stable digest of JSON-able data."""
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _fail(path: Path, key: str, problem: str) -> SpecError:
    return SpecError(f"{path}: {key}: {problem}")


def _unknown(path: Path, where: str, table: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise _fail(
            path, f"{where}{extra[0]}", f"unknown key; allowed: {', '.join(sorted(allowed))}"
        )


def load_spec(path: Path) -> Spec:
    """Read and check a spec file; every problem is a SpecError naming file and key."""
    try:
        bounds.check_size(path, "spec file")
        data = tomllib.loads(path.read_text())
    except bounds.BoundError as error:
        raise SpecError(str(error)) from None
    except FileNotFoundError:
        raise SpecError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a text file (a spec is TOML)") from None
    except OSError as error:
        raise SpecError(f"{path}: cannot read it ({error.strerror or error})") from None
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: not valid TOML ({error})") from None
    return parse_spec(data, path)


def parse_spec(data: dict[str, Any], path: Path) -> Spec:
    """Check a spec's contents (``path`` names it in errors and anchors relative paths)."""
    _unknown(path, "", data, _TOP_KEYS)
    base = path.parent
    seeds = data.get("seeds")
    if not isinstance(seeds, list) or not seeds:
        raise _fail(path, "seeds", "a non-empty list of evaluation demand seeds, e.g. [101, 102]")
    try:
        checked_seeds = tuple(check_seed(seed) for seed in seeds)
    except ScenarioError as error:
        raise _fail(path, "seeds", str(error)) from None
    repeated = sorted({seed for seed in checked_seeds if checked_seeds.count(seed) > 1})
    if repeated:
        raise _fail(path, "seeds", f"seed {repeated[0]} appears twice; each seed once")
    scenario_tables = data.get("scenarios")
    if not isinstance(scenario_tables, list) or not scenario_tables:
        raise _fail(path, "scenarios", "a non-empty list of [[scenarios]] tables with a name")
    scenario_entries: list[ScenarioEntry] = []
    for index, table in enumerate(scenario_tables):
        where = f"scenarios[{index}]."
        _unknown(path, where, table, _SCENARIO_KEYS)
        name = table.get("name")
        if not isinstance(name, str) or not name:
            raise _fail(path, f"{where}name", "a built-in scenario name or a .sumocfg path")
        name = naming.resolve(name, base)
        scales = table.get("demand_scales", [1.0])
        try:
            checked = tuple(check_demand_scale(scale) for scale in scales)
        except (ScenarioError, TypeError):
            raise _fail(path, f"{where}demand_scales", "a list of numbers > 0") from None
        # A run is keyed by scenario and scale: a repeat would run (and count) it twice.
        if len(set(checked)) < len(checked):
            twice = next(scale for scale in checked if checked.count(scale) > 1)
            raise _fail(path, f"{where}demand_scales", f"{twice:g} appears twice; each once")
        if any(entry.name == name for entry in scenario_entries):
            raise _fail(
                path, f"{where}name", f"{name} is listed twice; give one entry all its scales"
            )
        scenario_entries.append(ScenarioEntry(name, checked))
    controller_tables = data.get("controllers")
    if not isinstance(controller_tables, list) or not controller_tables:
        raise _fail(path, "controllers", "a non-empty list of [[controllers]] tables")
    entries = [_controller(path, index, table) for index, table in enumerate(controller_tables)]
    labels = [entry.label for entry in entries]
    duplicate = next((label for label in labels if labels.count(label) > 1), None)
    if duplicate:
        raise _fail(path, "controllers", f"label {duplicate!r} appears twice; give each a label")
    reference = data.get("reference", "fixed" if "fixed" in labels else labels[0])
    if reference not in labels:
        raise _fail(path, "reference", f"{reference!r} is not a controller; one of {labels}")
    env = data.get("env", {})
    if not isinstance(env, dict):
        raise _fail(path, "env", "a table of signal settings, e.g. { min_green = 7 }")
    try:
        settings = EnvConfig.from_mapping(env)
    except ConfigError as error:
        raise _fail(path, "env", str(error).removeprefix("config ")) from None
    for index, entry in enumerate(entries):
        train = entry.train or {}
        seen = train.get("observation", settings.observation)
        if "family" in train and seen in OBSERVATIONS and OBSERVATIONS[seen].greens is None:
            raise _fail(
                path,
                f"controllers[{index}].train.family",
                f'several networks need observation = "greens" (one width), not {seen!r}',
            )
    name = data.get("name", path.stem)
    for key, value in (("name", name), ("out", data.get("out", "results"))):
        if not isinstance(value, str) or not value:
            raise _fail(path, key, f"a non-empty string, not {value!r}")
    for index, entry in enumerate(entries):  # every setting checked before anything runs
        if entry.train is not None:
            try:
                training_config(entry, scenario_entries[0].name, dict(env))
            except (agents.AgentError, TypeError, ValueError) as error:
                raise _fail(path, f"controllers[{index}].train", str(error)) from None
    out = base / data.get("out", f"results/{name}")
    return Spec(
        name=name,
        out=out.resolve(),
        seeds=checked_seeds,
        scenarios=tuple(scenario_entries),
        controllers=tuple(entries),
        reference=reference,
        env=dict(env),
        source=path.resolve(),
    )


def training_config(entry: ControllerEntry, scenario: str, env: dict[str, Any]) -> Any:
    """The entry's TrainConfig: on the scenario evaluated unless the entry names one, with
    the spec's env settings (phase set, timings), so the policy is evaluated as it trained,
    and the entry's observation and reward on top."""
    from stopline.agents.training import TrainConfig  # torch is heavy: only for RL entries

    settings = dict(entry.train or {})
    scenario = settings.pop("scenario", scenario)
    env_config: dict[str, Any] = dict(env)
    env_config.update(
        {key: settings.pop(key) for key in ("observation", "reward") if key in settings}
    )
    return TrainConfig(scenario=scenario, env_config=env_config, **settings)


def _controller(path: Path, index: int, table: dict[str, Any]) -> ControllerEntry:
    where = f"controllers[{index}]."
    _unknown(path, where, table, _CONTROLLER_KEYS)
    name = table.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(
            path, f"{where}name", f"one of {', '.join(agents.CONTROLLERS)}, rl:PATH or plan:PATH"
        )
    for prefix in ("rl:", "plan:"):  # paths are relative to the spec's folder
        if name.startswith(prefix):
            name = prefix + str((path.parent / name.removeprefix(prefix)).resolve())
    params = table.get("params", {})
    train = table.get("train")
    if train is not None:
        if not isinstance(train, dict):
            raise _fail(path, f"{where}train", 'a table like { algo = "ppo", timesteps = 20000 }')
        _unknown(path, f"{where}train.", train, _TRAIN_KEYS)
        if "scenario" in train:
            if not isinstance(train["scenario"], str) or not train["scenario"]:
                raise _fail(path, f"{where}train.scenario", "a built-in name or a .sumocfg path")
            train = {**train, "scenario": naming.resolve(train["scenario"], path.parent)}
        if "family" in train:
            family = train["family"]
            if not isinstance(family, list) or not all(isinstance(n, str) and n for n in family):
                raise _fail(path, f"{where}train.family", 'a list of scenarios, e.g. ["grid:3x3"]')
            train = {**train, "family": [naming.resolve(n, path.parent) for n in family]}
        if train.get("teacher", "auto") not in ("auto", "none", *TEACHERS):
            raise _fail(
                path, f"{where}train.teacher", f"auto, none or one of {', '.join(TEACHERS)}"
            )
        rounds = train.get("dagger_rounds", 0)
        if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 0:
            raise _fail(path, f"{where}train.dagger_rounds", "a whole number >= 0")
    elif not name.startswith("rl:"):
        try:
            agents.check(name, **params)
        except agents.AgentError as error:
            raise _fail(path, f"{where}name", str(error)) from None
    return ControllerEntry(str(table.get("label", table.get("name"))), name, dict(params), train)
