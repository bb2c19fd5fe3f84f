"""Phi-structures (spec 6-7): distinctions, congruence, relations and big Phi.

``phi_structure`` takes the system's specified states from its SIA (under
S1, states still tied there are resolved by the largest Phi), and builds
the cause-effect structure for them (:mod:`iitcore.ces`): distinctions,
congruence as the formalism says, relations' totals in closed form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from iitcore.ces import Distinction, Mice, StatePair, candidate_distinctions, cause_effect_structure, max_big_phi, relata, states_of
from iitcore.formalism import Formalism, as_formalism
from iitcore.limits import check_structure_size
from iitcore.numerics import eq, is_positive
from iitcore.relations import Relation, enumerate_relations
from iitcore.s1 import TieLimitError
from iitcore.sia import SIA, intrinsic_information, sia, specified_states
from iitcore.substrate import Substrate
from iitcore.system import System, expand

__all__ = ["Distinction", "Mice", "PhiStructure", "phi_structure"]


@dataclass(frozen=True)
class PhiStructure:
    """Result of :func:`phi_structure`."""

    units: tuple[int, ...]
    labels: str
    state: tuple[int, ...]
    formalism: Formalism
    sia: SIA
    distinctions: tuple[Distinction, ...]
    n_candidate_distinctions: int  # irreducible mechanisms before congruence
    congruence_filter_applied: bool
    sum_phi_distinctions: float
    n_relations: int
    sum_phi_relations: float
    relations_by_degree: dict[int, int]
    big_phi: float
    ties: dict[str, Any]  # S1: tied system states resolved by Phi, joint choice of tied distinctions

    def relations(self) -> list[Relation]:
        """Every relation, concretely (relata index into ``distinctions``); small structures only."""
        return enumerate_relations(relata(self.distinctions))

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
            "formalism": self.formalism.to_dict(),
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
            "ties": self.ties,
            "sia": self.sia.to_dict(),
        }


def _pairs_to_resolve(system: System, sia_result: SIA, f: Formalism) -> list[StatePair] | None:
    """The (cause, effect) system states to build the structure for; None: no congruence filter.
    More than one only under S1, for states the SIA left tied: tied at phi_s = 0 (or a null
    SIA's tied states), or tied in Phi without an automorphism (``unresolved_tie``)."""
    if sia_result.is_null and not f.congruence_on_null_sia:
        return None
    if sia_result.cause_state is not None:
        cs, es = sia_result.cause_state, sia_result.effect_state
    else:
        cs, es = specified_states(intrinsic_information(system))
    chosen = [(cs.state, es.state)]
    if f.tie_rule != "s1":
        return chosen
    if sia_result.is_null:
        return [(c, e) for c in (cs.state, *cs.ties) for e in (es.state, *es.ties)]
    searched = sia_result.ties.get("state_pairs") or []
    top = max((p["phi"] for p in searched), default=0.0)  # uncapped phi_s, as the pairs were compared
    tied = [(tuple(p["cause"]), tuple(p["effect"])) for p in searched if eq(p["phi"], top)]
    if len(tied) < 2 or (is_positive(top) and sia_result.unresolved_tie is None):
        return chosen
    return tied


def phi_structure(
    substrate: Substrate,
    state: Sequence[int],
    units: Sequence[int | str] | None = None,
    *,
    formalism: str | Formalism | None = None,
    sia_result: SIA | None = None,
) -> PhiStructure:
    """Phi-structure of candidate ``units`` (default: all) in ``state``.

    ``formalism``: a preset name or a :class:`~iitcore.formalism.Formalism`
    (default ``"iit4_2023"``); it decides clamping, congruence among tied
    distinctions and, under ``tie_rule="s1"``, which of the system's tied
    specified states is used (the largest Phi). ``sia_result`` reuses an SIA
    of the same system.
    """
    f = as_formalism(formalism)
    st = substrate.validate_state(state)
    us = substrate.validate_units(units)
    check_structure_size(len(us))
    if sia_result is None:
        sia_result = sia(substrate, st, us, formalism=f)
    elif tuple(sia_result.units) != us or tuple(sia_result.state) != tuple(st[u] for u in us):
        raise ValueError(f"sia_result is for units {list(sia_result.units)}, not {list(us)} in this state")
    system = expand(substrate, st, us)
    labels = "".join(substrate.labels[u] for u in us)
    candidates = candidate_distinctions(substrate, system, f)
    pairs = _pairs_to_resolve(system, sia_result, f)
    ties: dict[str, Any] = {}
    if pairs is None:
        ces = cause_effect_structure(candidates, None, f, labels)
    elif len(pairs) == 1:
        ces = cause_effect_structure(candidates, states_of(system, pairs[0]), f, labels)
    else:
        if len(pairs) > f.max_tie_alternatives:
            raise TieLimitError(f"{labels}: {len(pairs)} tied specified-state pairs exceed "
                                f"max_tie_alternatives={f.max_tie_alternatives}")
        options = [cause_effect_structure(candidates, states_of(system, p), f, labels) for p in pairs]
        best = max(max_big_phi(options), key=lambda i: options[i].rank)
        ces = options[best]
        ties["system_states"] = {
            "resolved_by": "Phi, then number of distinctions and of relations (S1)",
            "chosen": {"cause": list(pairs[best][0]), "effect": list(pairs[best][1])},
            "pairs": [{"cause": list(c), "effect": list(e), "big_phi": o.big_phi} for (c, e), o in zip(pairs, options)],
        }
    if ces.ties:
        ties["distinctions"] = ces.ties
    return PhiStructure(
        units=us,
        labels=labels,
        state=tuple(st[u] for u in us),
        formalism=f,
        sia=sia_result,
        distinctions=ces.distinctions,
        n_candidate_distinctions=len(candidates),
        congruence_filter_applied=ces.congruence_filter_applied,
        sum_phi_distinctions=ces.sum_phi_distinctions,
        n_relations=ces.totals.n_relations,
        sum_phi_relations=ces.totals.sum_phi,
        relations_by_degree=ces.totals.by_degree,
        big_phi=ces.big_phi,
        ties=ties,
    )

