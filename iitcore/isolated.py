"""Isolated-subgraph analysis (Findlay et al. 2024): each candidate as a substrate of its own.

The paper's method, a named, non-default option (``candidates="isolated"``
in :func:`iitcore.complexes` and :func:`iitcore.evaluate_candidates`): a
candidate is analysed as :meth:`Substrate.isolated` builds it, its units'
gates keeping only their inputs inside it, with no background. The default,
``"embedded"``, conditions each candidate on the rest of the substrate in
its current state (spec 1.5).

Candidates: every single unit (a unit whose inputs all lie outside keeps
its state, so it is a self-looped monad), and every larger subset that is
strongly connected in the substrate's wiring (isolation keeps a subset of
those edges, so no other subset can be irreducible). The isolated state of
a candidate must be reachable in the isolated substrate, else it is skipped.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

from iitcore.candidates import CandidatePlan, candidate_order_key, strong_components, strongly_connected_subsets
from iitcore.errors import InvalidSubstrateError
from iitcore.sia import SIA, Partition, sia
from iitcore.structure import Mice, PhiStructure, phi_structure
from iitcore.substrate import Substrate

MODES = ("embedded", "isolated")


def check_mode(candidates: str) -> str:
    """``candidates`` if it names a mode, else a clear error."""
    if candidates not in MODES:
        raise InvalidSubstrateError(f"candidates must be 'embedded' or 'isolated', got {candidates!r}")
    return candidates


def _in_substrate(p: Partition, units: tuple[int, ...]) -> Partition:
    return replace(
        p,
        parts=tuple(tuple(units[a] for a in part) for part in p.parts),
        severed_edges=tuple((units[a], units[b]) for a, b in p.severed_edges),
    )


def _sia_in_substrate(local: SIA, units: tuple[int, ...]) -> SIA:
    ties = {**local.ties, "mips": [_in_substrate(p, units) for p in local.ties.get("mips", [])]}
    partition = None if local.partition is None else _in_substrate(local.partition, units)
    return replace(local, units=units, partition=partition, ties=ties)


def _mice_in_substrate(m: Mice, units: tuple[int, ...]) -> Mice:
    def to(xs: Sequence[int]) -> tuple[int, ...]:
        return tuple(units[a] for a in xs)

    return replace(
        m,
        purview=to(m.purview),
        partition=tuple((to(mech), to(purview)) for mech, purview in m.partition),
        tied_alternatives=tuple((to(purview), state) for purview, state in m.tied_alternatives),
    )


def isolated_sia(substrate: Substrate, state: Sequence[int], units: Sequence[int | str], **options: Any) -> SIA:
    """phi_s of ``units`` as an isolated subgraph (``options`` as :func:`iitcore.sia`), in the substrate's indices."""
    us = substrate.validate_units(units)
    st = substrate.validate_state(state)
    return _sia_in_substrate(sia(substrate.isolated(us), tuple(st[u] for u in us), **options), us)


def isolated_phi_structure(
    substrate: Substrate, state: Sequence[int], units: Sequence[int | str], **options: Any
) -> PhiStructure:
    """Phi-structure of ``units`` as an isolated subgraph (``options`` as :func:`iitcore.phi_structure`),
    in the substrate's unit indices."""
    us = substrate.validate_units(units)
    st = substrate.validate_state(state)
    local = phi_structure(substrate.isolated(us), tuple(st[u] for u in us), **options)
    distinctions = tuple(
        replace(d, mechanism=tuple(us[a] for a in d.mechanism), cause=_mice_in_substrate(d.cause, us),
                effect=_mice_in_substrate(d.effect, us))
        for d in local.distinctions
    )
    return replace(local, units=us, sia=_sia_in_substrate(local.sia, us), distinctions=distinctions)


def plan_isolated(substrate: Substrate, max_size: int | None = None) -> CandidatePlan:
    """Candidates of the isolated analysis: every unit and every strongly connected subset of the wiring."""
    n = substrate.n
    if max_size is not None and max_size < 1:
        raise InvalidSubstrateError(f"max_size must be at least 1, got {max_size}")
    bound = n if max_size is None else min(max_size, n)
    inputs = dict(enumerate(substrate.inputs))
    search = strongly_connected_subsets(range(n), lambda s: {j: [i for i in inputs[j] if i in s] for j in s}, bound)
    candidates = sorted({(u,) for u in range(n)} | set(search.subsets), key=candidate_order_key)
    cyclic = [sorted(c) for c in strong_components(range(n), inputs)]
    covered = {u for c in cyclic for u in c}
    components = [
        {"units": comp, "complete": len(comp) <= bound, "max_size": max_size,
         "candidates": sum(1 for c in candidates if c[0] in comp)}
        for comp in sorted(cyclic + [[u] for u in range(n) if u not in covered])
    ]
    complete = all(comp["complete"] for comp in components)
    left_out = (1 << n) - 1 - len(candidates)
    reason = "not strongly connected in the wiring (isolated: phi_s = 0)" + ("" if complete else ", or beyond max_size")
    pruned = [{"reason": reason, "count": left_out}] if left_out else []
    counts = {"candidates": len(candidates), "enumerated": len(search.subsets), "pruned_records": len(pruned)}
    return CandidatePlan(candidates, pruned, components, complete, max_size, counts)
