"""Target recipes that integrate: permutation maps, dense random networks, Phi-threshold sampling.

- ``permutation``: a uniformly random permutation of the 2^n states (a
  reversible map, like the paper's PQRS): every state has exactly one cause;
  unit i's next value is bit i of the image, read from all n units.
- ``dense``: every unit reads all n units (self-loops included) through a
  uniformly random truth table (Kauffman's K = N network).
- ``phi-threshold``: pre-registered sampling. Targets of a ``base`` recipe
  are drawn with seeds taken from this recipe's seed; a draw is kept when,
  in its chosen state, its largest per-complex Phi reaches ``min_Phi``
  (the threshold is set in the config before the study runs). The chosen
  state is ``state`` (bits) or, with ``"random"``, a reachable state drawn
  from the same seed. The kept target records every draw: the number
  rejected, the acceptance rate, the Phi it reached (``info["sampler"]``),
  and its chosen state (``info["state"]``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iitcore import Formalism, InvalidFormalismError, Substrate, complexes, formalism_from_label, phi_structure

from pipelines.families.errors import FamilyError
from pipelines.families.reachability import reachable
from pipelines.families.simulate import all_states
from pipelines.families.targets import Recipe, make_target

SAMPLER = "phi-threshold"
MAX_N = 8  # truth tables over all n units: 2^n entries per unit


def _check_n(recipe: str, n: int) -> None:
    if not 2 <= n <= MAX_N:
        raise FamilyError(f"{recipe}: n must be in 2..{MAX_N}, got {n}")


def _full_substrate(tables: np.ndarray) -> Substrate:
    """Substrate whose unit i reads every unit through ``tables[i]`` (little-endian over units 0..n-1)."""
    n = tables.shape[0]
    return Substrate.from_units([t.astype(float) for t in tables], [list(range(n))] * n)


def _build_permutation(params: dict[str, Any], rng: np.random.Generator, arg: str) -> tuple[Substrate, dict[str, Any]]:
    n = params["n"]
    _check_n("permutation", n)
    image = rng.permutation(1 << n)
    tables = (image[None, :] >> np.arange(n)[:, None]) & 1
    return _full_substrate(tables), {"permutation": image.tolist()}


def _build_dense(params: dict[str, Any], rng: np.random.Generator, arg: str) -> tuple[Substrate, dict[str, Any]]:
    n = params["n"]
    _check_n("dense", n)
    tables = rng.integers(0, 2, size=(n, 1 << n))
    return _full_substrate(tables), {"tables": tables.tolist()}


def largest_phi(substrate: Substrate, state: tuple[int, ...], formalism: Formalism) -> float:
    """The largest Phi over the complexes of ``substrate`` in ``state`` under ``formalism`` (0 when it has none)."""
    found = complexes(substrate, state, formalism=formalism)
    return max((phi_structure(substrate, state, c.units, formalism=formalism).big_phi for c in found), default=0.0)


def _chosen_state(substrate: Substrate, spec: Any, rng: np.random.Generator) -> tuple[int, ...] | None:
    """The pre-registered state: given bits, or a reachable state drawn from ``rng`` (None if none is)."""
    if spec != "random":
        return substrate.validate_state(spec)
    options = np.flatnonzero(reachable(substrate))
    if not options.size:
        return None
    return tuple(int(b) for b in all_states(substrate.n)[int(rng.choice(options))])


def _build_sampled(params: dict[str, Any], rng: np.random.Generator, arg: str) -> tuple[Substrate, dict[str, Any]]:
    base, min_phi, max_draws = params["base"], params["min_Phi"], params["max_draws"]
    if base.partition(":")[0] == SAMPLER:
        raise FamilyError(f"{SAMPLER}: base must be another recipe, got {base!r}")
    if isinstance(min_phi, bool) or not isinstance(min_phi, (int, float)) or min_phi < 0:
        raise FamilyError(f"{SAMPLER}: min_Phi must be a number >= 0, got {min_phi!r}")
    if isinstance(max_draws, bool) or not isinstance(max_draws, int) or max_draws < 1:
        raise FamilyError(f"{SAMPLER}: max_draws must be an integer >= 1, got {max_draws!r}")
    try:
        formalism = formalism_from_label(str(params["formalism"]))
    except InvalidFormalismError as exc:
        raise FamilyError(f"{SAMPLER}: formalism: {exc}") from None
    phis: list[float] = []
    for draw in range(1, max_draws + 1):
        seed = int(rng.integers(2**31))
        candidate = make_target(base, params["base_params"], seed)
        state = _chosen_state(candidate.substrate, params["state"], rng)
        phi = largest_phi(candidate.substrate, state, formalism) if state is not None else 0.0
        phis.append(phi)
        if phi >= min_phi:
            record = {
                "base": base, "base_params": params["base_params"], "base_seed": seed, "base_id": candidate.id,
                "min_Phi": float(min_phi), "Phi": phi, "draws": draw, "rejected": draw - 1,
                "acceptance_rate": 1.0 / draw, "rejected_Phi": phis[:-1], "formalism": formalism.label,
            }
            return candidate.substrate, {**candidate.info, "state": list(state), "sampler": record}
    raise FamilyError(
        f"{SAMPLER}: none of {max_draws} draws of {base!r} reached Phi >= {min_phi} in its chosen state "
        f"(largest Phi seen: {max(phis):.4g}); the threshold is pre-registered, so report this rather than lower it"
    )


RECIPES: dict[str, Recipe] = {
    "permutation": Recipe("random permutation of the 2^n states (reversible); every unit reads all n", {"n": None}, True,
                          _build_permutation),
    "dense": Recipe("dense random network: every unit reads all n units (self-loops) via a random truth table",
                    {"n": None}, True, _build_dense),
    SAMPLER: Recipe(
        "targets of a base recipe kept when their chosen state reaches a pre-registered Phi threshold",
        {"base": None, "base_params": {}, "min_Phi": None, "state": "random", "max_draws": 1000, "formalism": "iit4_2023"},
        True,
        _build_sampled,
    ),
}
