"""Demand seeds reserved for training and for evaluation: disjoint, so evaluation is held out."""

TRAINING_SEEDS = tuple(range(1, 51))
EVALUATION_SEEDS = (101, 102, 103, 104, 105)
