"""Exceptions about controllers: bad names, bad parameters, models that do not fit."""


class AgentError(ValueError):
    """A controller cannot be built or used as asked; the message says why."""


class UnknownControllerError(AgentError):
    """A controller name or parameter that does not exist; the message lists what does."""


class ModelMismatchError(AgentError):
    """A trained model cannot drive this scenario: its junction layout differs."""
