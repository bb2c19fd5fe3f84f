"""Stable content ids: a short hash of a canonical JSON description."""

from __future__ import annotations

import hashlib
import json
from typing import Any

ID_HEX_DIGITS = 12


def canonical_json(payload: Any) -> str:
    """JSON with sorted keys and no whitespace, so equal descriptions give equal text."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def content_hash(payload: Any, digits: int = ID_HEX_DIGITS) -> str:
    """First ``digits`` hex digits of the SHA-256 of the canonical JSON of ``payload``."""
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()[:digits]


def content_id(prefix: str, payload: Any) -> str:
    """Readable stable id, e.g. ``random-3f2a9c1b7d0e``."""
    return f"{prefix}-{content_hash(payload)}"
