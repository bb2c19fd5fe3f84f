"""Errors raised by the family generators and implementation builders."""

from __future__ import annotations


class FamilyError(ValueError):
    """An unknown recipe, kind or parameter, or parameters that do not fit together."""


class VerificationError(AssertionError):
    """An implementation is not functionally equivalent to its target (names a counterexample)."""
