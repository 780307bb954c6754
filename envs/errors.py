"""Exceptions raised by the environments."""


class SimulationError(RuntimeError):
    """SUMO failed or was misused; the message carries SUMO's own words where it gave any."""


class ConfigError(ValueError):
    """An environment configuration key or value is not allowed; the message says which."""
