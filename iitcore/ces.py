"""The cause-effect structure of a system for given specified system states (spec 6-7).

:func:`candidate_distinctions` evaluates every mechanism of a system
(powerset order) and keeps the irreducible ones with their maximally
irreducible cause and effect purviews (ties included); that depends on the
system only. :func:`cause_effect_structure` then resolves each candidate's
ties against the system's specified states (congruence, spec 6.4, as the
formalism says) and adds the relations' totals in closed form (spec 7.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations, product
from typing import Any

from iitcore.formalism import Formalism
from iitcore.mechanism import CAUSE, EFFECT, Evaluator, Parts, PurviewResult, StateResult, candidate_purviews, mip_parts
from iitcore.numerics import eq, is_positive
from iitcore.relations import Relata, RelationTotals, relation_totals, unit_states
from iitcore.s1 import best_joint_choice
from iitcore.substrate import Substrate
from iitcore.system import System

Choice = tuple[tuple[int, ...], tuple[int, ...]]  # (purview, state)
Pick = tuple[PurviewResult, StateResult]
StatePair = tuple[tuple[int, ...], tuple[int, ...]]  # (cause, effect) states of the system's units


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
class Candidate:
    """An irreducible mechanism and its max-phi purview ties per direction (global indices, winner first)."""

    mechanism: tuple[int, ...]
    mechanism_state: tuple[int, ...]
    sides: dict[str, list[PurviewResult]]


@dataclass(frozen=True)
class CES:
    """Distinctions congruent with one choice of system states, and their relations' totals."""

    distinctions: tuple[Distinction, ...]
    congruence_filter_applied: bool
    totals: RelationTotals
    sum_phi_distinctions: float
    ties: dict[str, Any]  # S1 joint choice of tied distinctions, if any

    @property
    def big_phi(self) -> float:
        return self.sum_phi_distinctions + self.totals.sum_phi

    @property
    def rank(self) -> tuple[int, int]:
        """Label-free order among structures tied in Phi: more distinctions, then more relations."""
        return len(self.distinctions), self.totals.n_relations


def relata(distinctions: Sequence[Distinction]) -> list[Relata]:
    return [Relata(d.cause.unit_states, d.effect.unit_states, d.phi) for d in distinctions]


# ------------------------------------------------------------ candidates
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


def candidate_distinctions(substrate: Substrate, system: System, formalism: Formalism) -> list[Candidate]:
    """Every irreducible mechanism of ``system`` (powerset order), before congruence."""
    us = system.units
    evaluator = Evaluator(system, clamp=formalism.clamp_phi)
    out = []
    for r in range(1, len(us) + 1):
        for mech in combinations(range(len(us)), r):
            sides = _irreducible_sides(substrate, us, evaluator, mech)
            if sides is not None:
                out.append(Candidate(tuple(us[q] for q in mech), tuple(system.state[q] for q in mech), sides))
    return out


# ------------------------------------------------------------ congruence
def _congruent(choice: Choice, system_state: dict[int, int]) -> bool:
    purview, state = choice
    return all(system_state[u] == v for u, v in zip(purview, state))


def _choose(ties: list[PurviewResult], system_state: dict[int, int], rule: str) -> Pick | None:
    """The congruent (purview, state) among a MICE's ties by the enumeration rules (spec 6.4); None drops it."""
    winner = ties[0]
    for s in winner.states:
        if _congruent((winner.purview, s.state), system_state):
            return winner, s
    others = [r for r in ties if _congruent((r.purview, r.states[0].state), system_state)]
    if not others:
        return None
    pick = max(others, key=lambda r: len(r.purview)) if rule == "largest_purview" else others[0]
    return pick, pick.states[0]  # R-main: the largest congruent purview (first among equals)


def _congruent_options(ties: list[PurviewResult], system_state: dict[int, int]) -> list[Pick]:
    """Every tied purview's congruent tied state (at most one per purview)."""
    return [(r, s) for r in ties for s in r.states if _congruent((r.purview, s.state), system_state)]


def _mice(direction: str, mechanism: tuple[int, ...], ties: list[PurviewResult], chosen: PurviewResult, s: StateResult) -> Mice:
    options = [(ties[0].purview, x.state) for x in ties[0].states] + [(r.purview, r.states[0].state) for r in ties[1:]]
    alternatives = tuple(dict.fromkeys(o for o in options if o != (chosen.purview, s.state)))
    partition = mip_parts(mechanism, chosen.purview, s.mip_row)
    return Mice(direction, chosen.purview, s.state, s.phi, s.normalized_phi, chosen.ii, partition, len(chosen.states) - 1, len(ties) - 1, alternatives)


def _distinction(c: Candidate, cause: Pick, effect: Pick) -> Distinction:
    mc = _mice(CAUSE, c.mechanism, c.sides[CAUSE], *cause)
    me = _mice(EFFECT, c.mechanism, c.sides[EFFECT], *effect)
    return Distinction(c.mechanism, c.mechanism_state, min(mc.phi, me.phi), mc, me)


def _structure(distinctions: list[Distinction], filtered: bool, ties: dict[str, Any]) -> CES:
    totals = relation_totals(relata(distinctions))
    return CES(tuple(distinctions), filtered, totals, float(sum(d.phi for d in distinctions)), ties)


def cause_effect_structure(
    candidates: Sequence[Candidate],
    system_states: dict[str, dict[int, int]] | None,
    formalism: Formalism,
    what: str,
) -> CES:
    """Distinctions congruent with ``system_states`` (direction -> unit -> value; None: no filter).

    ``formalism.congruence`` picks among congruent ties; ``"max_big_phi"``
    takes the joint choice with the largest Phi (``what`` names the system
    in the error raised beyond ``formalism.max_tie_alternatives``).
    """
    if system_states is None:
        return _structure([_distinction(c, *((c.sides[d][0], c.sides[d][0].states[0]) for d in (CAUSE, EFFECT)))
                           for c in candidates], False, {})
    if formalism.congruence != "max_big_phi":
        out = []
        for c in candidates:
            picks = [_choose(c.sides[d], system_states[d], formalism.congruence) for d in (CAUSE, EFFECT)]
            if None not in picks:
                out.append(_distinction(c, *picks))
        return _structure(out, True, {})
    alternatives: list[list[Distinction]] = []
    for c in candidates:
        cause, effect = (_congruent_options(c.sides[d], system_states[d]) for d in (CAUSE, EFFECT))
        if cause and effect:
            alternatives.append([_distinction(c, pc, pe) for pc, pe in product(cause, effect)])
    open_slots = [i for i, a in enumerate(alternatives) if len(a) > 1]
    if not open_slots:
        return _structure([a[0] for a in alternatives], True, {})
    fixed = relata([a[0] for a in alternatives if len(a) == 1])
    joint = best_joint_choice(fixed, [relata(alternatives[i]) for i in open_slots], formalism.max_tie_alternatives, what)
    chosen = [a[0] for a in alternatives]
    for i, option in zip(open_slots, joint.chosen):
        chosen[i] = alternatives[i][option]
    record = {"tied_distinctions": len(open_slots), "joint_choices": joint.n_joint,
              "optimal_choices": joint.n_optimal, "evaluated_choices": joint.n_visited,
              "resolved_by": "Phi, then number of relations (S1)"}
    return _structure(chosen, True, record)


def max_big_phi(options: Sequence[CES]) -> list[int]:
    """Indices of the structures tied (eq) at the largest Phi."""
    top = max(o.big_phi for o in options)
    return [i for i, o in enumerate(options) if eq(o.big_phi, top)]


def states_of(system: System, pair: StatePair) -> dict[str, dict[int, int]]:
    """Direction -> unit -> value of a (cause, effect) pair of system states."""
    return {CAUSE: dict(zip(system.units, pair[0])), EFFECT: dict(zip(system.units, pair[1]))}
