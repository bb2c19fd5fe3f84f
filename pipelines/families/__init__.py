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
from pipelines.families.fidelity import noise_free, noisy_implementation
from pipelines.families.relabel import implement_copy
from pipelines.families.ring_computer import implement_ring_computer
from pipelines.families.targets import RECIPES, Target, make_target, reference_networks
from pipelines.families.unfolding import implement_unfolding
from pipelines.families.verify import Implementation, verify


def _computer(target: Target, gate_noise: float = 0.0) -> Implementation:
    """The computer; with ``gate_noise`` > 0 its gates flip (approximately equivalent, fidelity recorded)."""
    if not gate_noise:
        return implement_computer(target)
    return noisy_implementation(implement_computer(noise_free(target)), target, float(gate_noise))


# kind: (builder, {parameter: its type})
_BUILDERS: dict[str, tuple[Callable[..., Implementation], dict[str, type]]] = {
    "computer": (_computer, {"gate_noise": float}),
    "unfolding": (implement_unfolding, {"horizon": int}),
    "copy": (implement_copy, {"permutation": list, "seed": int}),
    "ring_computer": (implement_ring_computer, {"feedback": bool}),
}
KINDS: dict[str, tuple[str, ...]] = {kind: tuple(params) for kind, (_, params) in _BUILDERS.items()}


def check_implementation(kind: str, params: dict[str, Any]) -> None:
    """Raise :class:`FamilyError` for an unknown kind, or a parameter unknown to it or of the wrong type."""
    if kind not in _BUILDERS:
        raise FamilyError(f"unknown implementation kind {kind!r}; known: {sorted(_BUILDERS)}")
    allowed = _BUILDERS[kind][1]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise FamilyError(f"implementation {kind!r}: unknown parameter(s) {unknown}; allowed: {list(allowed)}")
    for name, value in params.items():
        wanted = allowed[name]
        if wanted is bool:
            ok = isinstance(value, bool)
        else:
            ok = not isinstance(value, bool) and isinstance(value, (int, float) if wanted is float else wanted) and (
                wanted is not list or all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            )
        if not ok:
            what = {bool: "true or false", list: "a list of integers", float: "a number"}.get(wanted, "an integer")
            raise FamilyError(f"implementation {kind!r}: parameter {name!r} must be {what}, got {value!r}")


def implement(target: Target, kind: str, **params: Any) -> Implementation:
    """A verified implementation of ``target`` of the given kind (``computer``, ``unfolding``, ``copy``,
    ``ring_computer``)."""
    check_implementation(kind, params)
    return _BUILDERS[kind][0](target, **params)


__all__ = [
    "KINDS",
    "RECIPES",
    "FamilyError",
    "Implementation",
    "Target",
    "VerificationError",
    "check_implementation",
    "implement",
    "make_target",
    "reference_networks",
    "verify",
    "wiring_fingerprint",
]
