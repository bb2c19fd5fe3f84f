"""Stable content ids: a short hash of a canonical JSON description."""

from __future__ import annotations

from typing import Any

from pipelines.hashing import content_hash

__all__ = ["content_hash", "content_id"]


def content_id(prefix: str, payload: Any) -> str:
    """Readable stable id, e.g. ``random-3f2a9c1b7d0e``."""
    return f"{prefix}-{content_hash(payload)}"
