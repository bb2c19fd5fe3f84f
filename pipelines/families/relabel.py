"""Relabelled copy of a target: the same units in a permuted order (a control)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipelines.families.errors import FamilyError
from pipelines.families.ids import content_id
from pipelines.families.targets import Target
from pipelines.families.verify import Implementation, verify


def implement_copy(target: Target, permutation: Sequence[int] | None = None, seed: int = 0) -> Implementation:
    """Copy whose unit i is target unit ``permutation[i]`` (default: a random non-identity permutation from ``seed``)."""
    n = target.n
    if permutation is None:
        rng = np.random.default_rng(int(seed))
        perm = list(range(n))
        while n > 1 and perm == list(range(n)):  # a control that permutes nothing tests nothing
            perm = [int(x) for x in rng.permutation(n)]
    else:
        perm = [int(x) for x in permutation]
        if sorted(perm) != list(range(n)):
            raise FamilyError(f"copy: permutation must be a permutation of 0..{n - 1}, got {list(permutation)}")
    position = np.argsort(perm)  # position[i] = copy unit that holds target unit i
    params = {"permutation": perm}
    impl = Implementation(
        id=content_id("copy", {"target": target.id, "kind": "copy", "params": params}),
        kind="copy",
        target_id=target.id,
        params=params,
        substrate=target.substrate.relabel(perm),
        cycle_length=1,
        unit_roles=tuple(f"copy of {target.labels[p]}" for p in perm),
        target_units=tuple(int(x) for x in position),
        encoder=lambda states: np.asarray(states, dtype=np.int8)[:, perm],
    )
    return verify(impl, target)
