"""The PyPhi reference data, from the recorded copy in ``tests/data/`` (source and version: tests/data/README.md)."""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

from iitcore import CMMismatchWarning, Substrate

REFERENCE_FILE = Path(__file__).resolve().parent / "data" / "iit4-reference.json"


@lru_cache(maxsize=1)
def networks() -> tuple[dict[str, Any], ...]:
    """Every network object of the reference file."""
    return tuple(json.loads(REFERENCE_FILE.read_text())["networks"])


def network(name: str) -> dict[str, Any]:
    return next(n for n in networks() if n["name"] == name)


def substrate(net: dict[str, Any]) -> Substrate:
    """The network as a substrate (cm mismatches are expected for pyphi_residue)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CMMismatchWarning)
        return Substrate.from_dict(net)


def close(ours: float, ref: float) -> bool:
    """The reference README's tolerance."""
    return abs(ours - ref) <= 1e-9 + 1e-7 * abs(ref)
