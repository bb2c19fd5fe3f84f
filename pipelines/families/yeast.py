"""The fission-yeast cell-cycle Boolean network.

Source of the rules: M. I. Davidich and S. Bornholdt (2008), "Boolean network
model predicts cell cycle sequence of fission yeast", PLoS ONE 3(2):e1672,
Fig. 1 and Eq. (1); analysed with IIT by L. Marshall, H. Kim, S. I. Walker,
G. Tononi, L. Albantakis (2017), "How causal analysis can reveal autonomy in
models of biological systems", Phil. Trans. R. Soc. A 375:20160358.

Threshold rule (Davidich & Bornholdt, Eq. 1), with a_ij = +1 for an
activation and -1 for an inhibition of i by j:

    S_i(t+1) = 1 if sum_j a_ij S_j(t) > theta_i
               0 if sum_j a_ij S_j(t) < theta_i
               S_i(t) if the sum equals theta_i

theta_i = 0 for every node except Cdc2/Cdc13 (-0.5) and Cdc2/Cdc13* (+0.5).
Start, SK, Slp1 and PP, which no other node inhibits, degrade themselves
(a self-inhibition, a_ii = -1).
"""

from __future__ import annotations

import numpy as np

from iitcore import Substrate

LABELS = ("Start", "SK", "Cdc2/Cdc13", "Ste9", "Rum1", "Slp1", "Cdc2/Cdc13*", "Wee1/Mik1", "Cdc25", "PP")

# (source, target, sign) edges of Davidich & Bornholdt's Fig. 1.
EDGES = (
    ("Start", "SK", +1),
    ("SK", "Ste9", -1),
    ("SK", "Rum1", -1),
    ("Cdc2/Cdc13", "Ste9", -1),
    ("Cdc2/Cdc13", "Rum1", -1),
    ("Cdc2/Cdc13", "Wee1/Mik1", -1),
    ("Cdc2/Cdc13", "Cdc25", +1),
    ("Ste9", "Cdc2/Cdc13", -1),
    ("Ste9", "Cdc2/Cdc13*", -1),
    ("Rum1", "Cdc2/Cdc13", -1),
    ("Rum1", "Cdc2/Cdc13*", -1),
    ("Slp1", "Cdc2/Cdc13", -1),
    ("Slp1", "Cdc2/Cdc13*", -1),
    ("Slp1", "PP", +1),
    ("Cdc2/Cdc13*", "Ste9", -1),
    ("Cdc2/Cdc13*", "Rum1", -1),
    ("Cdc2/Cdc13*", "Slp1", +1),
    ("Wee1/Mik1", "Cdc2/Cdc13*", -1),
    ("Cdc25", "Cdc2/Cdc13*", +1),
    ("PP", "Ste9", +1),
    ("PP", "Rum1", +1),
    ("PP", "Wee1/Mik1", +1),
    ("PP", "Cdc25", -1),
    ("Start", "Start", -1),
    ("SK", "SK", -1),
    ("Slp1", "Slp1", -1),
    ("PP", "PP", -1),
)
THRESHOLDS = {"Cdc2/Cdc13": -0.5, "Cdc2/Cdc13*": 0.5}

# Davidich & Bornholdt, Table 2: the wild-type sequence from the excited G1
# state (Start on) to the stationary G1 state (Ste9, Rum1, Wee1/Mik1 on).
TRAJECTORY = (
    ("Start", (1, 0, 0, 1, 1, 0, 0, 1, 0, 0)),
    ("G1", (0, 1, 0, 1, 1, 0, 0, 1, 0, 0)),
    ("G1/S", (0, 0, 0, 0, 0, 0, 0, 1, 0, 0)),
    ("G2", (0, 0, 1, 0, 0, 0, 0, 1, 0, 0)),
    ("G2", (0, 0, 1, 0, 0, 0, 0, 0, 1, 0)),
    ("G2/M", (0, 0, 1, 0, 0, 0, 1, 0, 1, 0)),
    ("G2/M", (0, 0, 1, 0, 0, 1, 1, 0, 1, 0)),
    ("M", (0, 0, 0, 0, 0, 1, 0, 0, 1, 1)),
    ("M", (0, 0, 0, 1, 1, 0, 0, 1, 0, 1)),
    ("G1 (stationary)", (0, 0, 0, 1, 1, 0, 0, 1, 0, 0)),
)
STATIONARY_G1 = TRAJECTORY[-1][1]


def yeast_substrate() -> Substrate:
    """Davidich & Bornholdt's network as a substrate.

    A unit's inputs are its regulators, plus itself where the tie rule
    ("keep the current state when the sum equals the threshold") can apply,
    i.e. where the threshold is an integer.
    """
    index = {lab: i for i, lab in enumerate(LABELS)}
    weights = np.zeros((len(LABELS), len(LABELS)), dtype=int)  # weights[target, source]
    for src, dst, sign in EDGES:
        weights[index[dst], index[src]] = sign
    tables, inputs = [], []
    for i, lab in enumerate(LABELS):
        theta = THRESHOLDS.get(lab, 0.0)
        ins = sorted(set(np.flatnonzero(weights[i]).tolist()) | ({i} if float(theta).is_integer() else set()))
        table = []
        for idx in range(1 << len(ins)):
            bits = {j: (idx >> a) & 1 for a, j in enumerate(ins)}
            total = sum(weights[i, j] * b for j, b in bits.items())
            table.append(1.0 if total > theta else 0.0 if total < theta else float(bits[i]))
        tables.append(table)
        inputs.append(ins)
    return Substrate.from_units(tables, inputs, LABELS)
