"""Canonical JSON and content hashes: the one place values become text for storage or identity."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import numpy as np


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (set, frozenset)):
        return sorted(x)
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return dataclasses.asdict(x)
    raise TypeError(f"cannot encode a {type(x).__name__} as canonical JSON: {x!r}")


def canonical_json(x: Any) -> str:
    """Compact JSON with sorted keys (numpy values, sets and dataclasses as plain data); raises on other types."""
    return json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_plain)


def text_hash(text: str, digits: int = 12) -> str:
    """First ``digits`` hex digits of the SHA-256 of ``text``."""
    return hashlib.sha256(text.encode()).hexdigest()[:digits]


def content_hash(x: Any, digits: int = 12) -> str:
    """First ``digits`` hex digits of the SHA-256 of the canonical JSON of ``x``."""
    return text_hash(canonical_json(x), digits)
