"""Demand seeds reserved for training and for evaluation: disjoint, so evaluation is held out.

The last training seeds are kept for validation: choosing among trained candidates (a
checkpoint, a teacher, a tuning trial) on seeds no candidate trained on.
"""

TRAINING_SEEDS = tuple(range(1, 51))
VALIDATION_SEEDS = TRAINING_SEEDS[-5:]
# What a policy trains on when it is then validated: the training seeds but the last five.
FITTING_SEEDS = TRAINING_SEEDS[:-5]
EVALUATION_SEEDS = (101, 102, 103, 104, 105)
