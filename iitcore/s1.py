"""Label-free tie resolution (IIT 4.0 supplement S1), the parts that need no IIT quantities.

- :func:`best_joint_choice`: tied distinctions (several congruent purviews)
  take the joint choice that maximises Phi. Phi = sum phi_d + sum phi_r and
  sum phi_d does not depend on the choice, so the search maximises the
  relations' summed phi, exactly: depth-first over the joint alternatives,
  a branch is dropped when an upper bound of its relations' phi is below the
  best found (relations' phi only grows with more relata per unit-state and
  with larger v). Choices tied in Phi are ranked by the number of relations.
- :func:`related_by_automorphism`: whether a permutation of the system's
  units that leaves the system (wiring, unit tables, current state)
  unchanged maps one specified state pair onto another.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Sequence

import numpy as np

from iitcore.errors import IITError
from iitcore.numerics import eq, tol
from iitcore.relations import Relata, phi_at_unit_state, relation_totals
from iitcore.system import System


class TieLimitError(IITError):
    """Exact S1 tie resolution would enumerate more joint alternatives than allowed."""


@dataclass(frozen=True)
class JointChoice:
    """The chosen alternative per tied distinction, and how many joint choices were equally good."""

    chosen: tuple[int, ...]
    n_joint: int  # joint alternatives (product of the options)
    n_optimal: int  # joint alternatives tied at the optimum (Phi, then number of relations)
    n_visited: int  # complete joint alternatives evaluated (the rest were bounded out)


def _relations_phi(self_phi: float, v_by_state: dict[tuple[int, int], list[float]]) -> float:
    return self_phi + sum(phi_at_unit_state(np.array(vs)) for vs in v_by_state.values())


def _v_by_state(relata: Sequence[Relata]) -> dict[tuple[int, int], list[float]]:
    out: dict[tuple[int, int], list[float]] = {}
    for d in relata:
        for x in d.union:
            out.setdefault(x, []).append(d.v)
    return out


def _self_phi(d: Relata) -> float:
    return len(d.cause & d.effect) * d.v


def _upper_bound(fixed: Sequence[Relata], open_options: Sequence[Sequence[Relata]]) -> float:
    """An upper bound of the relations' phi over every completion of ``fixed`` by one option per open slot:
    each open slot counts at every unit-state any of its options has, with the largest such v."""
    by_state = _v_by_state(fixed)
    self_phi = sum(_self_phi(d) for d in fixed)
    for options in open_options:
        best_v: dict[tuple[int, int], float] = {}
        for o in options:
            for x in o.union:
                best_v[x] = max(best_v.get(x, 0.0), o.v)
        for x, v in best_v.items():
            by_state.setdefault(x, []).append(v)
        self_phi += max(_self_phi(o) for o in options)
    return _relations_phi(self_phi, by_state)


def best_joint_choice(fixed: Sequence[Relata], options: Sequence[Sequence[Relata]], limit: int, what: str) -> JointChoice:
    """The option per slot that maximises Phi (then the number of relations) with the ``fixed`` relata.

    Raises :class:`TieLimitError` naming ``what`` if there are more than
    ``limit`` joint alternatives.
    """
    n_joint = prod(len(o) for o in options)
    if n_joint > limit:
        raise TieLimitError(
            f"{what}: {n_joint} joint choices of tied distinctions exceed max_tie_alternatives={limit} "
            f"(raise it in the formalism to resolve the ties exactly)"
        )
    best: list[tuple[float, int, tuple[int, ...]]] = []  # (phi, n_relations, choice) tied at the optimum
    visited = 0

    def visit(prefix: tuple[int, ...], chosen: list[Relata]) -> None:
        nonlocal visited
        depth = len(prefix)
        if depth == len(options):
            visited += 1
            phi = _relations_phi(sum(_self_phi(d) for d in chosen), _v_by_state(chosen))
            if best and phi < best[0][0] - tol(best[0][0]):
                return
            n_rel = relation_totals(chosen).n_relations
            if not best or (phi > best[0][0] and not eq(phi, best[0][0])) or (eq(phi, best[0][0]) and n_rel > best[0][1]):
                best[:] = [(phi, n_rel, prefix)]
            elif eq(phi, best[0][0]) and n_rel == best[0][1]:
                best.append((phi, n_rel, prefix))
            return
        if best and depth > 0 and _upper_bound(chosen, options[depth:]) < best[0][0] - tol(best[0][0]):
            return
        for i, o in enumerate(options[depth]):
            visit(prefix + (i,), chosen + [o])

    visit((), list(fixed))
    return JointChoice(best[0][2], n_joint, len(best), visited)


def _signature(system: System, a: int) -> tuple:
    """What an automorphism must preserve of unit ``a`` on its own."""
    return (system.state[a], len(system.inputs[a]), sum(a in ins for ins in system.inputs),
            tuple(np.sort(np.round(system.effect[a], 12))), tuple(np.sort(np.round(system.cause[a], 12))))


def _tables_match(system: System, a: int, b: int, perm: Sequence[int]) -> bool:
    """Unit b's tables are unit a's with every input i renamed perm[i]."""
    ins_a, ins_b = system.inputs[a], system.inputs[b]
    if sorted(perm[i] for i in ins_a) != list(ins_b):
        return False
    order = [ins_b.index(perm[i]) for i in ins_a]  # axis of b's table for each axis of a's
    shape = (2,) * len(ins_a)
    for f_a, f_b in ((system.effect[a], system.effect[b]), (system.cause[a], system.cause[b])):
        g_b = np.transpose(f_b.reshape(shape, order="F"), order) if order else f_b.reshape(())
        if not np.allclose(f_a.reshape(shape, order="F"), g_b, rtol=0.0, atol=1e-12):
            return False
    return True


def automorphisms(system: System) -> list[tuple[int, ...]]:
    """Every permutation ``perm`` (position a -> perm[a]) that leaves the system unchanged."""
    k = system.k
    cm = system.cm
    sig = [_signature(system, a) for a in range(k)]
    found: list[tuple[int, ...]] = []

    def extend(perm: list[int]) -> None:
        a = len(perm)
        if a == k:
            if all(_tables_match(system, u, perm[u], perm) for u in range(k)):
                found.append(tuple(perm))
            return
        for b in range(k):
            if b in perm or sig[b] != sig[a] or cm[a, a] != cm[b, b]:
                continue
            if all(cm[u, a] == cm[perm[u], b] and cm[a, u] == cm[b, perm[u]] for u in range(a)):
                extend(perm + [b])

    extend([])
    return found


def related_by_automorphism(system: System, pair_a: tuple[tuple[int, ...], tuple[int, ...]],
                            pair_b: tuple[tuple[int, ...], tuple[int, ...]]) -> bool:
    """Whether an automorphism of ``system`` maps the (cause, effect) states ``pair_a`` onto ``pair_b``."""
    for perm in automorphisms(system):
        if all(pair_b[side][perm[a]] == pair_a[side][a] for side in (0, 1) for a in range(system.k)):
            return True
    return False
