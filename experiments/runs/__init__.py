"""Running an experiment: the spec, the runner and its backends (local processes, Ray),
one measured run (`measured`), `evaluate`'s runs, and the results store."""
