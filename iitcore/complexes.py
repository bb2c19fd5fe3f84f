"""Complexes: evaluate the planned candidates, then apply exclusion (spec 5.2).

Exclusion walks the candidates with phi_s > 0 from the largest phi_s down,
in tiers of equal phi_s (``eq``). Within a tier, candidates that overlap an
accepted complex are excluded; the rest fall into connected components of
their overlap graph. A lone candidate is accepted. Overlapping tied
candidates are resolved as the formalism's ``exclusion_ties`` says: by Phi
(the unique largest Phi wins; if Phi ties too, none of them is accepted) or
in candidate order, each accepted if disjoint from those already accepted,
which is what the reference data's exclusion does. A candidate whose
specified states S1 could not decide (``unresolved_tie``) is not a complex.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator, Protocol, Sequence

from iitcore.candidates import CandidatePlan, candidate_order_key, plan_candidates
from iitcore.errors import EliminationWidthError, StateUnreachableError
from iitcore.formalism import Formalism, as_formalism
from iitcore.isolated import check_mode, isolated_phi_structure, isolated_sia, plan_isolated
from iitcore.numerics import eq, is_positive
from iitcore.sia import SIA, sia
from iitcore.structure import phi_structure
from iitcore.substrate import Substrate


class Evaluated(Protocol):
    units: tuple[int, ...]
    phi: float
    unresolved_tie: str | None


@dataclass(frozen=True)
class Unreachable:
    """A candidate whose state cannot be reached (skipped, as in the reference)."""

    units: tuple[int, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"units": list(self.units), "unreachable": True, "reason": self.reason}


@dataclass(frozen=True)
class Exclusion:
    """Outcome of :func:`exclusion`.

    ``complexes``: accepted candidates, phi_s descending. ``excluded``: one
    record per other candidate (``units``, ``phi``, ``reason``, ``by``: the
    complex or tied candidates responsible). ``ties``: every group of
    overlapping candidates tied in phi_s, with how it was resolved.
    ``ambiguous``: some overlapping candidates were tied (as the reference's
    ``complexes_ambiguous_due_to_ties``).
    """

    complexes: list[Evaluated]
    excluded: list[dict[str, Any]]
    ties: list[dict[str, Any]]
    ambiguous: bool
    formalism: Formalism

    def to_dict(self) -> dict[str, Any]:
        return {
            "complexes": [{"units": list(c.units), "phi": c.phi} for c in self.complexes],
            "excluded": self.excluded,
            "ties": self.ties,
            "ambiguous": self.ambiguous,
            "formalism": self.formalism.to_dict(),
        }


def _overlap_components(tier: list[Evaluated]) -> list[list[Evaluated]]:
    """Connected components of the overlap graph, each and all in candidate order."""
    comps: list[list[Evaluated]] = []
    for c in tier:
        touching = [g for g in comps if any(set(c.units) & set(o.units) for o in g)]
        merged = [c] + [o for g in touching for o in g]
        comps = [g for g in comps if g not in touching] + [sorted(merged, key=lambda o: candidate_order_key(o.units))]
    return sorted(comps, key=lambda g: candidate_order_key(g[0].units))


def exclusion(
    evaluated: Sequence[Evaluated | Unreachable],
    big_phi: Callable[[tuple[int, ...]], float] | None = None,
    *,
    formalism: str | Formalism | None = None,
) -> Exclusion:
    """Complexes among evaluated candidates (spec 5.2); unreachable records are ignored.

    Overlapping candidates tied in phi_s are resolved as ``formalism``'s
    ``exclusion_ties`` says (default ``"iit4_2023"``: by Phi). ``big_phi(units)``
    gives Phi of a candidate's Phi-structure under that formalism (see
    :func:`big_phi_of`); it is called only for such ties, and needed only then.
    """
    f = as_formalism(formalism)
    items = sorted((e for e in evaluated if not isinstance(e, Unreachable)), key=lambda e: candidate_order_key(e.units))
    excluded = [
        {"units": list(e.units), "phi": e.phi, "reason": "phi_s = 0 (reducible)", "by": None}
        for e in items
        if not is_positive(e.phi)
    ]
    excluded += [
        {"units": list(e.units), "phi": e.phi, "reason": f"not a complex: {e.unresolved_tie}", "by": None}
        for e in items
        if is_positive(e.phi) and e.unresolved_tie is not None
    ]
    ranked = sorted((e for e in items if is_positive(e.phi) and e.unresolved_tie is None), key=lambda e: -e.phi)
    accepted: list[Evaluated] = []
    covered: set[int] = set()
    ties: list[dict[str, Any]] = []

    def accept(c: Evaluated) -> None:
        accepted.append(c)
        covered.update(c.units)

    def exclude(c: Evaluated, reason: str, by: list[Sequence[int]]) -> None:
        excluded.append({"units": list(c.units), "phi": c.phi, "reason": reason, "by": [list(b) for b in by]})

    start = 0
    while start < len(ranked):
        end = start
        while end < len(ranked) and eq(ranked[end].phi, ranked[start].phi):
            end += 1
        tier = sorted(ranked[start:end], key=lambda e: candidate_order_key(e.units))
        start = end
        survivors = []
        for c in tier:
            blockers = [a.units for a in accepted if set(a.units) & set(c.units)]
            if blockers:
                exclude(c, "overlaps a complex with larger or equal phi_s", blockers)
            else:
                survivors.append(c)
        for comp in _overlap_components(survivors):
            if len(comp) == 1:
                accept(comp[0])
                continue
            record: dict[str, Any] = {"phi": comp[0].phi, "candidates": [list(c.units) for c in comp]}
            if f.exclusion_ties == "big_phi":
                if big_phi is None:
                    raise ValueError(f"exclusion under formalism {f.label} resolves ties in phi_s by Phi: "
                                     f"pass big_phi (see iitcore.big_phi_of)")
                values = [float(big_phi(c.units)) for c in comp]
                best = max(values)
                winners = [c for c, v in zip(comp, values) if eq(v, best)]
                record.update(resolved_by="Phi", Phi=values)
                if len(winners) == 1:
                    accept(winners[0])
                    record["accepted"] = [list(winners[0].units)]
                    for c in comp:
                        if c is not winners[0]:
                            exclude(c, "tied in phi_s with overlapping candidates, smaller Phi", [winners[0].units])
                else:
                    record["accepted"] = []
                    for c in comp:
                        exclude(c, "tied in phi_s and Phi with overlapping candidates (exclusion undecided)",
                                [w.units for w in winners if w is not c])
            else:
                record.update(resolved_by="candidate order (as the reference data)")
                chosen = []
                for c in comp:
                    blockers = [a for a in chosen if set(a.units) & set(c.units)]
                    if blockers:
                        exclude(c, "tied in phi_s with an overlapping candidate earlier in candidate order",
                                [b.units for b in blockers])
                    else:
                        chosen.append(c)
                        accept(c)
                record["accepted"] = [list(c.units) for c in chosen]
            ties.append(record)
    return Exclusion(accepted, excluded, ties, bool(ties), f)


# --------------------------------------------------------- evaluation
def evaluate_candidates(
    substrate: Substrate,
    state: Sequence[int],
    systems: Sequence[Sequence[int]],
    *,
    formalism: str | Formalism | None = None,
    candidates: str = "embedded",
) -> list[SIA | Unreachable]:
    """phi_s of each candidate system, or an :class:`Unreachable` record (one batch of a pipeline).

    ``candidates``: ``"embedded"`` (default; conditioned on the background)
    or ``"isolated"`` (each as :meth:`Substrate.isolated`, see :mod:`iitcore.isolated`).
    """
    f = as_formalism(formalism)
    st = substrate.validate_state(state)
    evaluate = isolated_sia if check_mode(candidates) == "isolated" else sia
    out: list[SIA | Unreachable] = []
    for units in systems:
        us = substrate.validate_units(units)
        try:
            out.append(evaluate(substrate, st, us, formalism=f))
        except StateUnreachableError as exc:
            out.append(Unreachable(us, str(exc)))
        except EliminationWidthError as exc:
            raise EliminationWidthError(f"candidate {list(us)}: {exc}") from exc
    return out


@dataclass(frozen=True)
class Complex:
    """A complex: its units, phi_s, full SIA, and whether the search around it was complete."""

    units: tuple[int, ...]
    labels: str
    phi: float
    sia: SIA
    complete: bool

    def to_dict(self) -> dict[str, Any]:
        return {"units": list(self.units), "labels": self.labels, "phi": self.phi, "complete": self.complete,
                "sia": self.sia.to_dict()}


@dataclass(frozen=True)
class Complexes:
    """Result of :func:`complexes`: a sequence of :class:`Complex` (phi_s descending) plus the search record."""

    complexes: list[Complex]
    complete: bool
    plan: CandidatePlan
    evaluated: list[SIA | Unreachable]
    exclusion: Exclusion

    def __len__(self) -> int:
        return len(self.complexes)

    def __iter__(self) -> Iterator[Complex]:
        return iter(self.complexes)

    def __getitem__(self, i: int) -> Complex:
        return self.complexes[i]

    @property
    def maximal(self) -> Complex | None:
        """The maximal complex; ``complete`` only if the whole search was complete."""
        return replace(self.complexes[0], complete=self.complete) if self.complexes else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "formalism": self.exclusion.formalism.to_dict(),
            "complexes": [c.to_dict() for c in self.complexes],
            "complete": self.complete,
            "plan": self.plan.to_dict(),
            "evaluated": [e.to_dict() for e in self.evaluated],
            "exclusion": self.exclusion.to_dict(),
        }


def complexes(
    substrate: Substrate,
    state: Sequence[int],
    max_size: int | None = None,
    *,
    formalism: str | Formalism | None = None,
    candidates: str = "embedded",
) -> Complexes:
    """All complexes of ``substrate`` in ``state``: plan, evaluate, exclude.

    ``max_size`` bounds candidate size (components cut by it are marked
    incomplete). ``formalism`` (default ``"iit4_2023"``) is used throughout;
    overlapping candidates tied in phi_s are resolved as it says: by Phi
    (spec 5.2) in ``"iit4_2023"``, by candidate order in ``"pyphi-feature-iit4"``.
    ``candidates="isolated"`` analyses every candidate as an isolated subgraph
    (:mod:`iitcore.isolated`).
    """
    f = as_formalism(formalism)
    isolated = check_mode(candidates) == "isolated"
    plan = plan_isolated(substrate, max_size) if isolated else plan_candidates(substrate, state, max_size, formalism=f)
    evaluated = evaluate_candidates(substrate, state, plan.candidates, formalism=f, candidates=candidates)
    excl = exclusion(evaluated, big_phi_of(substrate, state, f, candidates), formalism=f)
    found = []
    for c in excl.complexes:
        comp = plan.component_of(c.units)
        found.append(Complex(c.units, c.labels, c.phi, c, comp is not None and comp["complete"]))
    return Complexes(found, plan.complete, plan, evaluated, excl)


def big_phi_of(
    substrate: Substrate, state: Sequence[int], formalism: str | Formalism | None = None, candidates: str = "embedded"
) -> Callable[[tuple[int, ...]], float]:
    """Phi of a candidate's Phi-structure under ``formalism``, for resolving exclusion ties."""
    f = as_formalism(formalism)
    structure = isolated_phi_structure if check_mode(candidates) == "isolated" else phi_structure
    return lambda units: structure(substrate, state, units, formalism=f).big_phi


def maximal_complex(
    substrate: Substrate,
    state: Sequence[int],
    max_size: int | None = None,
    *,
    formalism: str | Formalism | None = None,
    candidates: str = "embedded",
) -> Complex | None:
    """The complex with the largest phi_s (None if there is none); see :func:`complexes`."""
    return complexes(substrate, state, max_size, formalism=formalism, candidates=candidates).maximal
