"""The two 4-unit targets of Findlay et al. 2024, shipped as package data.

``networks/findlay2024.json`` holds their TPMs and labels (published facts); the
published values of their showcase states are test data (tests/data).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from iitcore import Substrate

from pipelines.families.errors import FamilyError

SHOWCASE_STATES = {"pqrs": (0, 1, 0, 1), "wxyz": (1, 1, 0, 1)}  # the paper's showcase states (label order)


@cache
def _networks() -> dict[str, Any]:
    text = resources.files("pipelines.families").joinpath("networks", "findlay2024.json").read_text()
    return json.loads(text)


def findlay_substrate(name: str) -> tuple[Substrate, dict[str, Any]]:
    """The target ``name`` (``pqrs`` or ``wxyz``) with full connectivity, and its info (showcase state, source)."""
    data = _networks()
    if name not in data["networks"]:
        raise FamilyError(f"no Findlay et al. 2024 target {name!r}; known: {sorted(data['networks'])}")
    net = data["networks"][name]
    info = {"state": list(SHOWCASE_STATES[name]), "source": data["source"]}
    return Substrate.from_tpm(net["tpm"], labels=net["labels"]), info
