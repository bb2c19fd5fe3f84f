"""Target systems: generated from (recipe, params, seed), each with a stable id.

Recipes (see :data:`RECIPES`):

- ``pqrs``: the 4-unit example (P = XOR(Q,S), Q = XOR(R,S), R = OR(P,Q),
  S = AND(P,Q)); see :data:`PQRS_GATES`.
- ``reference:<name>``: a named example network (packaged; the public IIT 4.0 reference set).
- ``findlay2024:pqrs``, ``findlay2024:wxyz``: the targets of Findlay et al. 2024 (:mod:`.findlay2024`).
- ``random``: random Boolean network, n units with k inputs each.
- ``eca``: elementary cellular-automaton ring (Wolfram rule, width).
- ``yeast``: the fission-yeast cell-cycle network (:mod:`.yeast`).
- ``permutation``, ``dense``, ``phi-threshold``: targets that integrate
  (:mod:`.integrating`).

Every recipe takes ``noise`` (default 0): each unit's output is flipped with
that probability (only for deterministic systems). Parameters are validated
and completed with defaults before hashing, so ``{}`` and ``{"noise": 0.0}``
give the same id; the seed enters the id only for recipes that use it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from iitcore import Substrate

from pipelines.families.errors import FamilyError
from pipelines.families.findlay2024 import findlay_substrate
from pipelines.families.ids import content_hash, content_id
from pipelines.families.yeast import STATIONARY_G1, yeast_substrate

REFERENCE_ENV = "IITSTUDIES_REFERENCE"
DEFAULT_REFERENCE = Path(str(files("pipelines.families").joinpath("networks", "reference.json")))
DEFAULT_GATES = ("AND", "OR", "XOR", "MAJ", "COPY", "NOT", "THRESHOLD")
ONE_INPUT_GATES = ("COPY", "NOT")

# The PQRS example. XOR pairs feed an OR/AND pair that feeds them back: every
# unit reads two units and is read by two, linear and non-linear gates mix.
# In state P=1, Q=R=S=0 the whole system has phi_s = 0.83 while every proper
# subset has phi_s = 0, and PQRS is the unique maximal complex in 7 of the 16
# states, so it is a single complex (tests check this with iitcore.sia).
PQRS_GATES = (
    {"gate": "XOR", "inputs": [1, 3], "label": "P"},
    {"gate": "XOR", "inputs": [2, 3], "label": "Q"},
    {"gate": "OR", "inputs": [0, 1], "label": "R"},
    {"gate": "AND", "inputs": [0, 1], "label": "S"},
)
PQRS_STATE = (1, 0, 0, 0)


@dataclass(frozen=True, eq=False)
class Target:
    """A generated system, reproducible from (recipe, params, seed)."""

    id: str
    recipe: str
    params: dict[str, Any]
    seed: int
    substrate: Substrate
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.substrate.labels

    @property
    def n(self) -> int:
        return self.substrate.n

    @property
    def deterministic(self) -> bool:
        return self.substrate.is_deterministic

    def update(self, state: Any) -> tuple[int, ...]:
        """Next state (deterministic targets only)."""
        return self.substrate.step(self.substrate.validate_state(state))


@dataclass(frozen=True)
class Recipe:
    """A target recipe: its parameters (None = required) and builder."""

    description: str
    params: Mapping[str, Any]
    uses_seed: bool
    build: Callable[[dict[str, Any], np.random.Generator, str], tuple[Substrate, dict[str, Any]]]


# ------------------------------------------------------------------ builders
def _build_pqrs(params: dict[str, Any], rng: np.random.Generator, arg: str) -> tuple[Substrate, dict[str, Any]]:
    return Substrate.from_gates(PQRS_GATES), {"state": list(PQRS_STATE)}


def reference_path(params: Mapping[str, Any]) -> Path:
    """The reference file: ``params["path"]``, else $IITSTUDIES_REFERENCE, else the packaged example networks."""
    return Path(params.get("path") or os.environ.get(REFERENCE_ENV) or DEFAULT_REFERENCE).resolve()


def reference_networks(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Networks of the reference file by name."""
    file = reference_path({"path": path})
    try:
        data = json.loads(file.read_text())
    except FileNotFoundError as exc:
        raise FamilyError(f"reference file not found: {file} (set params['path'] or ${REFERENCE_ENV})") from exc
    return {net["name"]: net for net in data["networks"]}


def _build_reference(params: dict[str, Any], rng: np.random.Generator, name: str) -> tuple[Substrate, dict[str, Any]]:
    networks = reference_networks(params.get("path"))
    if name not in networks:
        raise FamilyError(f"no reference network {name!r}; known: {sorted(networks)}")
    net = networks[name]
    substrate = Substrate.from_dict(net)
    info = {"state": list(net["state"]), "category": net["category"], "source": net.get("source")}
    # The file location is configuration, not identity: hash the content instead.
    info["content_hash"] = content_hash({"tpm": net["tpm"], "cm": net["cm"], "labels": net["node_labels"]})
    return substrate, info


def _random_gate(name: str, candidates: list[int], k: int, rng: np.random.Generator) -> dict[str, Any]:
    arity = 1 if name in ONE_INPUT_GATES else k
    ins = sorted(int(i) for i in rng.choice(candidates, size=arity, replace=False))
    gate: dict[str, Any] = {"gate": name, "inputs": ins}
    if name == "THRESHOLD":
        weights = rng.choice([-1.0, 1.0], size=arity)
        neg, pos = int((weights < 0).sum()), int((weights > 0).sum())
        gate["weights"] = weights.tolist()
        gate["threshold"] = float(rng.integers(-neg + 1, pos + 1))  # never constant
    return gate


def _build_random(params: dict[str, Any], rng: np.random.Generator, arg: str) -> tuple[Substrate, dict[str, Any]]:
    n, k, gates = params["n"], params["k"], params["gates"]
    pool = n if params["self_loops"] else n - 1
    if not 1 <= k <= pool:
        raise FamilyError(f"random: k={k} inputs needs 1 <= k <= {pool} for n={n} (self_loops={params['self_loops']})")
    specs = []
    for i in range(n):
        candidates = [j for j in range(n) if params["self_loops"] or j != i]
        specs.append(_random_gate(gates[int(rng.integers(len(gates)))], candidates, k, rng))
    return Substrate.from_gates(specs), {"gates": specs}


def _build_eca(params: dict[str, Any], rng: np.random.Generator, arg: str) -> tuple[Substrate, dict[str, Any]]:
    rule, width = params["rule"], params["width"]
    if not 0 <= rule <= 255:
        raise FamilyError(f"eca: rule must be in 0..255, got {rule}")
    if width < 3:
        raise FamilyError(f"eca: width must be at least 3, got {width}")
    # Wolfram: new = bit (4*left + 2*centre + right) of the rule; table index
    # is little-endian over the inputs listed as (left, centre, right).
    table = [float((rule >> (4 * (i & 1) + 2 * ((i >> 1) & 1) + ((i >> 2) & 1))) & 1) for i in range(8)]
    inputs = [[(i - 1) % width, i, (i + 1) % width] for i in range(width)]
    labels = [f"C{i}" for i in range(width)]
    return Substrate.from_units([table] * width, inputs, labels), {}


def _build_yeast(params: dict[str, Any], rng: np.random.Generator, arg: str) -> tuple[Substrate, dict[str, Any]]:
    return yeast_substrate(), {"state": list(STATIONARY_G1), "source": "Davidich & Bornholdt 2008; Marshall et al. 2017"}


RECIPES: dict[str, Recipe] = {
    "pqrs": Recipe("4-unit PQRS example forming a single complex", {}, False, _build_pqrs),
    "reference": Recipe("network of the IIT 4.0 reference file, as 'reference:<name>'", {"path": ""}, False, _build_reference),
    "random": Recipe(
        "random Boolean network: n units, k inputs, gate library, optional self-loops",
        {"n": None, "k": None, "gates": list(DEFAULT_GATES), "self_loops": False},
        True,
        _build_random,
    ),
    "eca": Recipe("elementary cellular-automaton ring", {"rule": None, "width": None}, False, _build_eca),
    "yeast": Recipe("fission-yeast cell-cycle network (Davidich & Bornholdt 2008)", {}, False, _build_yeast),
    "findlay2024": Recipe("a target of Findlay et al. 2024, as 'findlay2024:pqrs' or 'findlay2024:wxyz'", {}, False,
                          lambda params, rng, name: findlay_substrate(name)),
}
NAMED_RECIPES = ("reference", "findlay2024")  # recipes that take a ':<name>' suffix
COMMON_PARAMS = {"noise": 0.0}


# ------------------------------------------------------------------ entry point
def _normalise(recipe: str, spec: Recipe, params: Mapping[str, Any]) -> dict[str, Any]:
    allowed = {**spec.params, **COMMON_PARAMS}
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise FamilyError(f"recipe {recipe!r}: unknown parameter(s) {unknown}; allowed: {sorted(allowed)}")
    out = {}
    for key, default in allowed.items():
        if key not in params and default is None:
            raise FamilyError(f"recipe {recipe!r}: missing required parameter {key!r}")
        value = params.get(key, default)
        out[key] = _coerce(recipe, key, value, default)
    return out


def _coerce(recipe: str, key: str, value: Any, default: Any) -> Any:
    try:
        if key in ("n", "k", "rule", "width"):
            if int(value) != value or isinstance(value, bool):
                raise ValueError
            return int(value)
        if key == "noise":
            value = float(value)
            if not 0.0 <= value <= 0.5:
                raise ValueError
            return value
        if key == "self_loops":
            if not isinstance(value, bool):
                raise ValueError
            return value
        if key == "state" and value != "random":  # chosen state of a sampler: bits
            return [int(b) for b in value]
        if key == "gates":
            gates = [str(g).upper() for g in value]
            bad = sorted(set(gates) - set(DEFAULT_GATES) - {"NAND", "NOR", "XNOR"})
            if not gates or bad:
                raise ValueError
            return gates
        return str(value) if isinstance(default, str) else value
    except (TypeError, ValueError):
        raise FamilyError(f"recipe {recipe!r}: invalid value for {key!r}: {value!r}") from None


def add_noise(substrate: Substrate, noise: float) -> Substrate:
    """Noisy variant of a deterministic substrate: every output flips with probability ``noise``."""
    if not substrate.is_deterministic:
        raise FamilyError("noise can only be added to a deterministic system")
    tables = [t * (1.0 - noise) + (1.0 - t) * noise for t in substrate.tables]
    return Substrate(substrate.inputs, tuple(tables), substrate.labels)


def make_target(recipe: str, params: Mapping[str, Any] | None = None, seed: int = 0) -> Target:
    """Build the target of ``recipe`` (e.g. ``"random"``, ``"reference:pyphi_basic"``)."""
    name, _, arg = recipe.partition(":")
    if name not in RECIPES:
        raise FamilyError(f"unknown recipe {recipe!r}; known: {sorted(RECIPES)} (reference as 'reference:<name>')")
    if (name in NAMED_RECIPES) != bool(arg):
        raise FamilyError(f"recipe {recipe!r}: {' and '.join(NAMED_RECIPES)} take a ':<name>' suffix, and only they")
    if int(seed) != seed:
        raise FamilyError(f"seed must be an integer, got {seed!r}")
    spec = RECIPES[name]
    norm = _normalise(recipe, spec, params or {})
    substrate, info = spec.build(norm, np.random.default_rng(int(seed)), arg)
    if norm["noise"] > 0:
        substrate = add_noise(substrate, norm["noise"])
    identity = {"recipe": recipe, "params": {k: v for k, v in norm.items() if k != "path"}}
    if spec.uses_seed:
        identity["seed"] = int(seed)
    if "content_hash" in info:
        identity["content"] = info["content_hash"]
    return Target(content_id(name, identity), recipe, norm, int(seed), substrate, info)


# Registered last: these recipes build on make_target.
from pipelines.families.integrating import RECIPES as _INTEGRATING  # noqa: E402

RECIPES.update(_INTEGRATING)
