"""What a run measured, read from SUMO's own outputs: the options that make SUMO write them
(`outputs`, `records`), trip metrics (`trips`), the signals' record and what they did
(`records`, `signal_activity`), blocked vehicle-seconds (`blocking`), the HCM's figures and
its one control-delay definition (`hcm`, `movements`), and the catalogue of run metrics
every table, CSV and report reads (`catalogue`).

Between `envs` and `agents` in the house's order (docs/design.md): plan optimisers in
`agents` score candidates with these measures; nothing here knows who decided.
"""

# The version of the definitions here: raised when a stored figure would change (2: one
# control-delay definition for junctions, lane groups and approaches). Part of an
# experiment's identity, so a results folder never pools runs measured differently.
DEFINITIONS = 2
