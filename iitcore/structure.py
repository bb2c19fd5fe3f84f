"""Phi-structures (spec 6-7): distinctions, congruence, relations and big Phi.

``phi_structure`` evaluates every mechanism of a system (powerset order),
finds its maximally irreducible cause and effect over the reference's
candidate purviews, keeps the irreducible ones, resolves ties against the
system's specified states (congruence, spec 6.4, per compat mode) and adds
the relations' totals in closed form (spec 7.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from iitcore.limits import check_structure_size
from iitcore.mechanism import (
    CAUSE,
    EFFECT,
    Parts,
    PurviewResult,
    StateResult,
    Evaluator,
    candidate_purviews,
    mip_parts,
)
from iitcore.numerics import eq, is_positive
from iitcore.relations import Relata, Relation, enumerate_relations, relation_totals, unit_states
from iitcore.sia import COMPAT_MODES, SIA, intrinsic_information, sia
from iitcore.substrate import Substrate
from iitcore.system import System, expand

Choice = tuple[tuple[int, ...], tuple[int, ...]]  # (purview, state)


@dataclass(frozen=True)
class Mice:
    """Maximally irreducible cause or effect of a mechanism (global unit indices)."""

    direction: str
    purview: tuple[int, ...]
    state: tuple[int, ...]
    phi: float
    normalized_phi: float
    ii: float
    partition: Parts
    n_state_ties: int
    n_purview_ties: int
    tied_alternatives: tuple[Choice, ...]

    @property
    def unit_states(self) -> frozenset[tuple[int, int]]:
        return unit_states(self.purview, self.state)


@dataclass(frozen=True)
class Distinction:
    """A mechanism with its congruent cause and effect; ``phi = min(cause.phi, effect.phi)``."""

    mechanism: tuple[int, ...]
    mechanism_state: tuple[int, ...]
    phi: float
    cause: Mice
    effect: Mice


@dataclass(frozen=True)
class PhiStructure:
    """Result of :func:`phi_structure`."""

    units: tuple[int, ...]
    labels: str
    state: tuple[int, ...]
    compat: str
    sia: SIA
    distinctions: tuple[Distinction, ...]
    n_candidate_distinctions: int  # irreducible mechanisms before congruence
    congruence_filter_applied: bool
    sum_phi_distinctions: float
    n_relations: int
    sum_phi_relations: float
    relations_by_degree: dict[int, int]
    big_phi: float

    def relations(self) -> list[Relation]:
        """Every relation, concretely (relata index into ``distinctions``); small structures only."""
        return enumerate_relations(_relata(self.distinctions))

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable data."""

        def mice(m: Mice) -> dict[str, Any]:
            return {
                "purview": list(m.purview),
                "state": list(m.state),
                "phi": m.phi,
                "normalized_phi": m.normalized_phi,
                "intrinsic_information": m.ii,
                "mip": [{"mechanism": list(a), "purview": list(b)} for a, b in m.partition],
                "num_state_ties": m.n_state_ties,
                "num_purview_ties": m.n_purview_ties,
                "tied_alternatives": [{"purview": list(p), "state": list(s)} for p, s in m.tied_alternatives],
            }

        return {
            "nodes": list(self.units),
            "node_labels": self.labels,
            "current_state": list(self.state),
            "compat": self.compat,
            "phi_s": self.sia.phi,
            "congruence_filter_applied": self.congruence_filter_applied,
            "num_distinctions_before_congruence": self.n_candidate_distinctions,
            "num_distinctions": len(self.distinctions),
            "distinctions": [
                {
                    "mechanism": list(d.mechanism),
                    "mechanism_state": list(d.mechanism_state),
                    "phi": d.phi,
                    "cause": mice(d.cause),
                    "effect": mice(d.effect),
                }
                for d in self.distinctions
            ],
            "sum_phi_distinctions": self.sum_phi_distinctions,
            "num_relations": self.n_relations,
            "sum_phi_relations": self.sum_phi_relations,
            "num_relations_by_degree": {str(h): c for h, c in self.relations_by_degree.items()},
            "big_phi": self.big_phi,
            "sia": self.sia.to_dict(),
        }


def _relata(distinctions: Sequence[Distinction]) -> list[Relata]:
    return [Relata(d.cause.unit_states, d.effect.unit_states, d.phi) for d in distinctions]


# ------------------------------------------------------------ congruence
def _congruent(choice: Choice, system_state: dict[int, int]) -> bool:
    purview, state = choice
    return all(system_state[u] == v for u, v in zip(purview, state))


def _choose(ties: list[PurviewResult], system_state: dict[int, int] | None, compat: str) -> tuple[PurviewResult, StateResult] | None:
    """The congruent (purview, state) among a MICE's ties (spec 6.4); None drops the distinction.
    ``ties`` are in global indices, winner first; no system state means no filter."""
    winner = ties[0]
    if system_state is None:
        return winner, winner.states[0]
    for s in winner.states:
        if _congruent((winner.purview, s.state), system_state):
            return winner, s
    others = [r for r in ties if _congruent((r.purview, r.states[0].state), system_state)]
    if not others:
        return None
    pick = max(others, key=lambda r: len(r.purview)) if compat == "iit4_2023" else others[0]
    return pick, pick.states[0]  # R-main: the largest congruent purview (first among equals)


def _mice(direction: str, mechanism: tuple[int, ...], ties: list[PurviewResult], chosen: PurviewResult, s: StateResult) -> Mice:
    options = [(ties[0].purview, x.state) for x in ties[0].states] + [(r.purview, r.states[0].state) for r in ties[1:]]
    alternatives = tuple(dict.fromkeys(o for o in options if o != (chosen.purview, s.state)))
    partition = mip_parts(mechanism, chosen.purview, s.mip_row)
    return Mice(direction, chosen.purview, s.state, s.phi, s.normalized_phi, chosen.ii, partition, len(chosen.states) - 1, len(ties) - 1, alternatives)


# ------------------------------------------------------------ distinctions
def _to_global(r: PurviewResult, units: tuple[int, ...]) -> PurviewResult:
    return PurviewResult(tuple(units[p] for p in r.purview), r.ii, r.states)


def _max_ties(results: list[PurviewResult]) -> list[PurviewResult]:
    """Purviews tied (eq) at the maximal phi, in candidate order."""
    best = max(r.phi for r in results)
    return [r for r in results if eq(r.phi, best)]


def _irreducible_sides(substrate: Substrate, units: tuple[int, ...], evaluator: Evaluator, mech: tuple[int, ...]) -> dict[str, list[PurviewResult]] | None:
    """Max-phi purview ties (global indices) per direction, or None if phi_d is not positive."""
    mech_g = tuple(units[q] for q in mech)
    sides = {}
    for direction, evaluate in ((CAUSE, evaluator.cause), (EFFECT, evaluator.effect)):
        cands = [tuple(units.index(u) for u in Z) for Z in candidate_purviews(substrate, units, mech_g, direction)]
        results = evaluate(mech, cands)
        if not results or not is_positive(max(x.phi for x in results)):
            return None
        sides[direction] = [_to_global(x, units) for x in _max_ties(results)]
    return sides


def _system_states(system: System, sia_result: SIA, compat: str) -> dict[str, dict[int, int]] | None:
    """The system's cause and effect states (unit -> value) used for congruence; None: no filter."""
    if sia_result.is_null and compat == "pyphi-feature-iit4":
        return None
    if sia_result.cause_state is not None:
        cause, effect = sia_result.cause_state.state, sia_result.effect_state.state
    else:
        info = intrinsic_information(system)
        cause, effect = info.cause_states[0], info.effect_states[0]
    return {CAUSE: dict(zip(system.units, cause)), EFFECT: dict(zip(system.units, effect))}


def phi_structure(
    substrate: Substrate,
    state: Sequence[int],
    units: Sequence[int | str] | None = None,
    *,
    compat: str = "iit4_2023",
    sia_result: SIA | None = None,
) -> PhiStructure:
    """Phi-structure of candidate ``units`` (default: all) in ``state``.

    ``compat`` as for :func:`iitcore.sia`: ``"iit4_2023"`` (default) clamps
    phi at 0 and resolves incongruent ties by the largest congruent purview;
    ``"pyphi-feature-iit4"`` takes the first congruent tie and skips the
    congruence filter when the SIA is null. ``sia_result`` reuses an SIA of
    the same system.
    """
    if compat not in COMPAT_MODES:
        raise ValueError(f"compat must be one of {COMPAT_MODES}, got {compat!r}")
    st = substrate.validate_state(state)
    us = substrate.validate_units(units)
    check_structure_size(len(us))
    if sia_result is None:
        sia_result = sia(substrate, st, us, compat=compat)
    elif tuple(sia_result.units) != us or tuple(sia_result.state) != tuple(st[u] for u in us):
        raise ValueError(f"sia_result is for units {list(sia_result.units)}, not {list(us)} in this state")
    system = expand(substrate, st, us)
    evaluator = Evaluator(system, clamp=compat == "iit4_2023")
    system_states = _system_states(system, sia_result, compat)
    n_candidates = 0
    distinctions = []
    for r in range(1, len(us) + 1):
        for mech in combinations(range(len(us)), r):
            sides = _irreducible_sides(substrate, us, evaluator, mech)
            if sides is None:
                continue
            n_candidates += 1
            mech_g = tuple(us[q] for q in mech)
            chosen = {}
            for direction, ties in sides.items():
                pick = _choose(ties, None if system_states is None else system_states[direction], compat)
                if pick is None:
                    break
                chosen[direction] = _mice(direction, mech_g, ties, *pick)
            else:
                cause, effect = chosen[CAUSE], chosen[EFFECT]
                distinctions.append(Distinction(mech_g, tuple(st[u] for u in mech_g), min(cause.phi, effect.phi), cause, effect))
    totals = relation_totals(_relata(distinctions))
    sum_d = float(sum(d.phi for d in distinctions))
    return PhiStructure(
        units=us,
        labels="".join(substrate.labels[u] for u in us),
        state=tuple(st[u] for u in us),
        compat=compat,
        sia=sia_result,
        distinctions=tuple(distinctions),
        n_candidate_distinctions=n_candidates,
        congruence_filter_applied=system_states is not None,
        sum_phi_distinctions=sum_d,
        n_relations=totals.n_relations,
        sum_phi_relations=totals.sum_phi,
        relations_by_degree=totals.by_degree,
        big_phi=sum_d + totals.sum_phi,
    )
