"""Who decides: the `Controller` interface, classical baselines and RL policies."""
