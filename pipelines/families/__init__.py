"""Families of systems for comparative studies: targets and their verified implementations.

``make_target(recipe, params, seed)`` builds a target (see :data:`RECIPES`);
``implement(target, kind, **params)`` builds an implementation of it (see
:data:`KINDS`), always verified functionally equivalent or an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipelines.families.computer import implement_computer, wiring_fingerprint
from pipelines.families.errors import FamilyError, VerificationError
from pipelines.families.relabel import implement_copy
from pipelines.families.ring_computer import implement_ring_computer
from pipelines.families.targets import RECIPES, Target, make_target, reference_networks
from pipelines.families.unfolding import implement_unfolding
from pipelines.families.verify import Implementation, verify

_BUILDERS: dict[str, tuple[Callable[..., Implementation], tuple[str, ...]]] = {
    "computer": (implement_computer, ()),
    "unfolding": (implement_unfolding, ("horizon",)),
    "copy": (implement_copy, ("permutation", "seed")),
    "ring_computer": (implement_ring_computer, ("feedback",)),
}
KINDS: dict[str, tuple[str, ...]] = {kind: params for kind, (_, params) in _BUILDERS.items()}


def implement(target: Target, kind: str, **params: Any) -> Implementation:
    """A verified implementation of ``target`` of the given kind (``computer``, ``unfolding``, ``copy``,
    ``ring_computer``)."""
    if kind not in _BUILDERS:
        raise FamilyError(f"unknown implementation kind {kind!r}; known: {sorted(_BUILDERS)}")
    build, allowed = _BUILDERS[kind]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise FamilyError(f"implementation {kind!r}: unknown parameter(s) {unknown}; allowed: {list(allowed)}")
    return build(target, **params)


__all__ = [
    "KINDS",
    "RECIPES",
    "FamilyError",
    "Implementation",
    "Target",
    "VerificationError",
    "implement",
    "make_target",
    "reference_networks",
    "verify",
    "wiring_fingerprint",
]
