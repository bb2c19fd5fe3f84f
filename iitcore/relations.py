"""Relations among distinctions (spec 7): closed-form totals and concrete enumeration.

A distinction is given by its cause and effect unit-states (sets of
``(unit, value)`` pairs) and its phi. ``U(d)`` is the union of the two sets
(a unit specified differently on the two sides counts twice) and
``v(d) = phi_d / |U(d)|``. A set of at least two distinctions is related iff
their ``U`` sets share a unit-state; its phi is ``|overlap| * min v``. A
self-relation exists iff the cause and effect share a unit-state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import comb

import numpy as np

UnitStates = frozenset[tuple[int, int]]
MAX_ENUMERATED = 22  # distinctions; enumeration visits every subset
MAX_UNIT_STATES = 24  # closed-form count: one table entry per subset of unit-states


@dataclass(frozen=True)
class Relata:
    """What relations need of a distinction."""

    cause: UnitStates
    effect: UnitStates
    phi: float

    @property
    def union(self) -> UnitStates:
        return self.cause | self.effect

    @property
    def v(self) -> float:
        return self.phi / len(self.union)


@dataclass(frozen=True)
class RelationTotals:
    """Number of relations, their summed phi, and counts by degree (self-relations: degree 1)."""

    n_relations: int
    sum_phi: float
    by_degree: dict[int, int]


@dataclass(frozen=True)
class Relation:
    """One relation: indices of its relata, its purview (unit-states), and phi."""

    relata: tuple[int, ...]
    purview: tuple[tuple[int, int], ...]
    phi: float


def unit_states(purview: Sequence[int], state: Sequence[int]) -> UnitStates:
    return frozenset(zip(purview, state))


def _masks(distinctions: Sequence[Relata]) -> tuple[list[int], list[tuple[int, int]]]:
    """Each distinction's U(d) as a bitmask over the unit-states that occur."""
    alphabet = sorted(set().union(*(d.union for d in distinctions)))
    bit = {x: b for b, x in enumerate(alphabet)}
    return [sum(1 << bit[x] for x in d.union) for d in distinctions], alphabet


def _self_relations(distinctions: Sequence[Relata]) -> list[Relation]:
    out = []
    for i, d in enumerate(distinctions):
        shared = d.cause & d.effect
        if shared:
            out.append(Relation((i,), tuple(sorted(shared)), len(shared) * d.v))
    return out


def phi_at_unit_state(v: np.ndarray) -> float:
    """The closed-form term of one unit-state x (spec 7.2): ``sum_j v_(j) (2^(n_x - j) - 1)``
    over the v of the distinctions whose U contains x, sorted ascending."""
    vs = np.sort(v)
    return float(np.sum(vs * (2.0 ** (len(vs) - 1 - np.arange(len(vs))) - 1.0)))


def relation_totals(distinctions: Sequence[Relata]) -> RelationTotals:
    """Totals by the closed form of spec 7.2 (no enumeration of relations).

    Sum of phi: for each unit-state x, with the v of the distinctions
    containing x sorted ascending, ``sum_j v_(j) (2^(n_x - j) - 1)``.
    Count: inclusion-exclusion over sets P of unit-states,
    ``sum_P (-1)^(|P|-1) (2^n_P - n_P - 1)`` with n_P the number of
    distinctions whose U contains P; n_P for every P is a superset-sum
    (zeta) transform of the U masks. Counts are exact Python integers.
    """
    selfs = _self_relations(distinctions)
    by_degree = {1: len(selfs)} if selfs else {}
    total_phi = sum(r.phi for r in selfs)
    if len(distinctions) < 2:
        return RelationTotals(len(selfs), total_phi, by_degree)
    masks, alphabet = _masks(distinctions)
    B = len(alphabet)
    if B > MAX_UNIT_STATES:
        raise ValueError(f"closed-form relation count limited to {MAX_UNIT_STATES} unit-states (got {B})")
    v = np.array([d.v for d in distinctions])
    for b in range(B):
        total_phi += phi_at_unit_state(v[[bool(mk >> b & 1) for mk in masks]])
    n_P = np.bincount(np.array(masks), minlength=1 << B).astype(np.int64)
    for b in range(B):  # superset sums
        view = n_P.reshape(-1, 2, 1 << b)
        view[:, 0, :] += view[:, 1, :]
    sign = np.where(np.bitwise_count(np.arange(1 << B, dtype=np.uint64)) % 2 == 1, 1, -1)
    coef = np.bincount(n_P[1:], weights=sign[1:])  # sum of signs over P != {} by n_P
    count = len(selfs)
    for n in range(2, len(coef)):
        c = int(round(coef[n]))
        if c:
            count += c * ((1 << n) - n - 1)
            for h in range(2, n + 1):
                by_degree[h] = by_degree.get(h, 0) + c * comb(n, h)
    by_degree = {h: c for h, c in sorted(by_degree.items()) if c}
    return RelationTotals(count, total_phi, by_degree)


def enumerate_relations(distinctions: Sequence[Relata]) -> list[Relation]:
    """Every relation, listed concretely (self-relations first); small structures only."""
    D = len(distinctions)
    if D > MAX_ENUMERATED:
        raise ValueError(f"enumerating relations is limited to {MAX_ENUMERATED} distinctions (got {D})")
    out = _self_relations(distinctions)
    if D < 2:
        return out
    masks, alphabet = _masks(distinctions)
    inter = np.empty(1 << D, dtype=np.uint64)
    minv = np.empty(1 << D)
    size = np.empty(1 << D, dtype=np.int64)
    inter[0], minv[0], size[0] = (1 << len(alphabet)) - 1, np.inf, 0
    for b, (mk, d) in enumerate(zip(masks, distinctions)):
        lo = 1 << b
        inter[lo : 2 * lo] = inter[:lo] & np.uint64(mk)
        minv[lo : 2 * lo] = np.minimum(minv[:lo], d.v)
        size[lo : 2 * lo] = size[:lo] + 1
    overlap = np.bitwise_count(inter)
    for s in np.flatnonzero((size >= 2) & (overlap > 0)):
        s = int(s)
        relata = tuple(b for b in range(D) if s >> b & 1)
        purview = tuple(x for b, x in enumerate(alphabet) if int(inter[s]) >> b & 1)
        out.append(Relation(relata, purview, float(overlap[s] * minv[s])))
    return out


def totals_of(relations: Sequence[Relation]) -> RelationTotals:
    """Totals of concretely listed relations."""
    by_degree: dict[int, int] = {}
    for r in relations:
        by_degree[len(r.relata)] = by_degree.get(len(r.relata), 0) + 1
    return RelationTotals(len(relations), float(sum(r.phi for r in relations)), dict(sorted(by_degree.items())))
