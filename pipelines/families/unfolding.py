"""Feed-forward unfolding of a target over a horizon H.

H+1 layers of n units: layer 0 is an input layer (units without inputs,
driven from outside; their table is 0.5, so every input is possible), and
unit i of layer t+1 applies target unit i's table to its inputs in layer t.
There is no recurrence. The encoding of s holds the unrolled trajectory,
layer t = f^t(s), so the last layer holds f^H(s). In one cycle the
environment drives the input layer with f(s) (the value layer 1 holds); the
new input reaches the last layer after H+1 ticks, when the state is the
encoding of f(s): K = H + 1.
"""

from __future__ import annotations

import numpy as np

from iitcore import Substrate

from pipelines.families.errors import FamilyError
from pipelines.families.ids import content_id
from pipelines.families.simulate import Stepper
from pipelines.families.targets import Target
from pipelines.families.verify import Implementation, verify


def unfolding_substrate(target: Target, horizon: int) -> Substrate:
    """Layers 0..H of copies of the target's units, each layer reading the previous one."""
    n = target.n
    tables, inputs, labels = [], [], []
    for t in range(horizon + 1):
        for i, lab in enumerate(target.labels):
            labels.append(f"{lab}@{t}")
            if t == 0:
                tables.append(np.array([0.5]))
                inputs.append([])
            else:
                tables.append(target.substrate.tables[i])
                inputs.append([(t - 1) * n + j for j in target.substrate.inputs[i]])
    return Substrate.from_units(tables, inputs, labels)


def implement_unfolding(target: Target, horizon: int = 2) -> Implementation:
    """The verified feed-forward unfolding of ``target`` over ``horizon`` steps."""
    if int(horizon) != horizon or horizon < 1:
        raise FamilyError(f"unfolding: horizon must be an integer >= 1, got {horizon!r}")
    if not target.deterministic:
        raise FamilyError(f"unfolding of {target.id}: needs a deterministic target")
    horizon, n = int(horizon), target.n
    stepper = Stepper(target.substrate)

    def encode(states: np.ndarray) -> np.ndarray:
        layers = [np.asarray(states, dtype=np.int8)]
        for _ in range(horizon):
            layers.append(stepper.step(layers[-1]))
        return np.concatenate(layers, axis=1)

    params = {"horizon": horizon}
    impl = Implementation(
        id=content_id("unfolding", {"target": target.id, "kind": "unfolding", "params": params}),
        kind="unfolding",
        target_id=target.id,
        params=params,
        substrate=unfolding_substrate(target, horizon),
        cycle_length=horizon + 1,
        unit_roles=tuple(f"layer {t}" for t in range(horizon + 1) for _ in range(n)),
        target_units=tuple(horizon * n + i for i in range(n)),
        encoder=encode,
        driven_units=tuple(range(n)),
        driver=stepper.step,
    )
    return verify(impl, target)
