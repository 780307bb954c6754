"""The one exception type for anything wrong with a scenario's input."""


class ScenarioError(ValueError):
    """Bad scenario input; the message is one line naming the file or option at fault."""
