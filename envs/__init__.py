"""How it is simulated: SUMO sessions, the signal model, Gymnasium and PettingZoo environments."""
