"""Every table of a study store: its columns (dtype, units, description) and the converters
from study data and iitcore results to rows. A new column is one edit here.

Strings are stored as variable-length UTF-8 (never pickled); structured values as
canonical JSON strings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

import iitcore
from pipelines.hashing import canonical_json
from pipelines.work import AnalysedState, Plan, StudySystem, bits


@dataclass(frozen=True)
class Column:
    """One column: numpy dtype (``object`` for strings), description, units, and its dimension when not the table's."""

    dtype: Any
    description: str
    units: str = ""
    dim: str | None = None


@dataclass(frozen=True)
class Table:
    """A table's dimension, description and columns."""

    dim: str
    description: str
    columns: Mapping[str, Column]


def strings(values: Sequence[str]) -> np.ndarray:
    """A 1-D object array of str (stored as variable-length UTF-8, never pickled)."""
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def column_values(col: Column, values: Any) -> Any:
    """Values as the column's dtype (strings as UTF-8 object arrays); lazy (dask) arrays pass through."""
    if hasattr(values, "dask"):
        return values
    return strings(values) if col.dtype is object else np.asarray(values, dtype=col.dtype)


def dataset(table: Table, values: Mapping[str, Any], coords: Mapping[str, Any] | None = None) -> xr.Dataset:
    """The table as an xarray Dataset with each column's description and units."""
    data = {}
    for name, col in table.columns.items():
        attrs = {"description": col.description, **({"units": col.units} if col.units else {})}
        data[name] = xr.Variable(col.dim or table.dim, column_values(col, values[name]), attrs=attrs)
    sizes = {v.dims[0]: v.shape[0] for v in data.values()}
    all_coords = {d: np.arange(n, dtype=np.int64) for d, n in sizes.items()}
    all_coords.update(coords or {})
    ds = xr.Dataset(data, coords=all_coords)
    ds.attrs["description"] = table.description
    return ds


def formalism_coord(dim: str, labels: Sequence[str]) -> dict[str, xr.Variable]:
    """The ``formalism`` coordinate of a result table: each row's formalism label (fields in the provenance)."""
    return {"formalism": xr.Variable(dim, strings(list(labels)), attrs={
        "description": "formalism the row was computed under: its label, e.g. iit4_2023 or iit4_2023[tie_rule=s1] "
                       "(every field is in the provenance's 'formalisms')"})}


# ------------------------------------------------------------------ systems and states
SYSTEMS = Table("system", "targets and their implementations", {
    "family": Column(object, "family (config section) the system comes from"),
    "kind": Column(object, "target, or the implementation kind: computer, ring_computer, unfolding, copy"),
    "target": Column(object, "id of the target this system is or implements"),
    "recipe": Column(object, "recipe that generated the target"),
    "params": Column(object, "recipe or implementation parameters (JSON)"),
    "seed": Column(np.int64, "seed of the target's recipe"),
    "n_units": Column(np.int32, "number of units", "units"),
    "labels": Column(object, "unit labels (JSON list)"),
    "substrate": Column(object, "the substrate: per unit its inputs and P(ON | inputs) table, little-endian (JSON)"),
    "cycle_length": Column(np.int32, "ticks per simulated update (1 for targets)", "ticks"),
    "verified": Column(bool, "functionally equivalent to its target (checked exhaustively); true for targets; false "
                       "for noisy implementations (only approximately equivalent: see verification.fidelity)"),
    "verification": Column(object, "how equivalence was checked (JSON; its timing is in the provenance)"),
    "unit_roles": Column(object, "role of each unit (JSON; null for targets)"),
    "target_units": Column(object, "units that hold the target's units (JSON; null for targets)"),
    "settle": Column(np.int32, "ticks after which the run from enc(s) is a cycle ahead of the run from enc(f(s)) "
                     "(0: it reaches enc(f(s)) itself)", "ticks"),
    "showcase_state": Column(object, "the target's showcase (pre-registered) state as 0/1 characters; empty if none"),
    "recipe_info": Column(object, "what the recipe recorded: showcase state, Phi-threshold sampler draws (JSON)"),
})


def systems_table(systems: list[StudySystem]) -> xr.Dataset:
    values = {
        "family": [s.family for s in systems],
        "kind": [s.kind for s in systems],
        "target": [s.target_id for s in systems],
        "recipe": [s.recipe for s in systems],
        "params": [canonical_json(s.params) for s in systems],
        "seed": [s.seed for s in systems],
        "n_units": [s.substrate.n for s in systems],
        "labels": [canonical_json(list(s.substrate.labels)) for s in systems],
        "substrate": [canonical_json(s.substrate.to_dict()) for s in systems],
        "cycle_length": [s.cycle_length for s in systems],
        "verified": [s.kind == "target" or s.verification.get("equivalent") is True for s in systems],
        "verification": [canonical_json({k: v for k, v in s.verification.items() if k != "seconds"}) for s in systems],
        "unit_roles": [canonical_json(s.unit_roles) for s in systems],
        "target_units": [canonical_json(s.target_units) for s in systems],
        "settle": [s.settle for s in systems],
        "showcase_state": [bits(s.info["state"]) if "state" in s.info else "" for s in systems],
        "recipe_info": [canonical_json(s.info) for s in systems],
    }
    ds = dataset(SYSTEMS, values, {"system": strings([s.id for s in systems])})
    ds["system"].attrs["description"] = "stable system id derived from recipe, parameters and seed"
    return ds


STATES = Table("state", "every (system, state) analysed, with its candidate plan", {
    "system": Column(object, "system analysed"),
    "state_bits": Column(object, "the system's state, 0/1 characters in unit order"),
    "target_state": Column(object, "the target state it encodes"),
    "phase": Column(np.int32, "phase within the implementation's cycle (0 = encoded state)", "ticks"),
    "n_candidates": Column(np.int64, "candidate systems planned for evaluation"),
    "first_candidate": Column(np.int64, "first row of this state's candidates in the candidates table"),
    "complete": Column(bool, "the candidate search was exhaustive (false: bounded, see plan)"),
    "target_state_reachable": Column(bool, "the target state has a predecessor (false: no cause, undefined; left "
                                     "out of every claim)"),
    "plan": Column(object, "planner's record of pruned and bounded candidates (JSON)"),
})


def states_table(states: list[AnalysedState], plan: Plan) -> xr.Dataset:
    counts = [len(sp.candidates) for sp in plan.states]
    return dataset(STATES, {
        "system": [s.system for s in states],
        "state_bits": [bits(s.state) for s in states],
        "target_state": [bits(s.target_state) for s in states],
        "phase": [s.phase for s in states],
        "n_candidates": counts,
        "first_candidate": np.concatenate([[0], np.cumsum(counts)[:-1]]) if counts else np.zeros(0),
        "complete": [sp.complete for sp in plan.states],
        "target_state_reachable": [s.target_reachable for s in states],
        "plan": [sp.record for sp in plan.states],
    }, formalism_coord("state", [s.formalism for s in states]))


# ------------------------------------------------------------------ candidates and work units
# The columns a work unit computes (pre-allocated in the store, one chunk per work unit).
CANDIDATE_RESULTS: dict[str, Column] = {
    "evaluated": Column(bool, "true once the work unit holding this row has been computed"),
    "reachable": Column(bool, "the candidate's state is reachable given the background (false: skipped, as PyPhi)"),
    "phi": Column(float, "system integrated information phi_s, clamped at 0 (NaN if unreachable)", "bit"),
    "signed_phi": Column(float, "phi_s before clamping at 0", "bit"),
    "phi_cause": Column(float, "integration on the cause side for the MIP", "bit"),
    "phi_effect": Column(float, "integration on the effect side for the MIP", "bit"),
    "normalized_phi": Column(float, "phi_s divided by the MIP's normalisation (number of severed edges)", "bit"),
    "cause_ii": Column(float, "intrinsic cause information of the specified cause state", "bit"),
    "effect_ii": Column(float, "intrinsic effect information of the specified effect state", "bit"),
    "cause_state": Column(object, "specified cause state of the candidate's units, as 0/1 characters in unit order"),
    "effect_state": Column(object, "specified effect state of the candidate's units, as 0/1 characters in unit order"),
    "mip": Column(object, "minimum-information partition as JSON (parts, directions, cut_matrix, severed_edges, normalization)"),
    "ties": Column(object, "JSON record of tied MIPs and tied specified states; empty when there are none"),
    "reasons": Column(object, "comma-separated reasons for a null result (e.g. NO_CAUSE); empty otherwise"),
    "mip_search_shortcircuited": Column(bool, "phi_s <= 0 came from an early exit of the partition search"),
    "cause_i_diff": Column(float, "intrinsic differentiation of the specified cause state (2026 cap; NaN without)", "bit"),
    "effect_i_diff": Column(float, "intrinsic differentiation of the specified effect state (2026 cap; NaN without)", "bit"),
    "unresolved_tie": Column(object, "why S1 tie resolution could not decide the specified states (then not a "
                             "complex); empty otherwise"),
}
CANDIDATES = Table("candidate", "every candidate system evaluated: phi_s, MIP, specified states", {
    **CANDIDATE_RESULTS,
    "state_index": Column(np.int32, "row of the states table this candidate belongs to"),
    "units": Column(object, "the candidate's units (JSON list of unit indices)"),
    "size": Column(np.int32, "number of units", "units"),
    "work_unit": Column(np.int32, "work unit (batch: one Dask task, one chunk) that computes this row"),
})
WORK_UNITS = Table("work_unit", "bookkeeping for resume: which batches of candidates are stored", {
    "start": Column(np.int64, "first candidate row"),
    "stop": Column(np.int64, "candidate row after the last"),
    "done": Column(bool, "true once the unit's rows are stored"),
    "run": Column(np.int32, "index in provenance.runs of the run that stored it; -1 if none"),
})


def fill_value(col: Column) -> Any:
    """The value of a result column before its row is computed."""
    return np.nan if col.dtype is float else (False if col.dtype is bool else "")


def empty_results(n: int) -> dict[str, np.ndarray]:
    """Result columns for ``n`` rows, every row not yet computed."""
    return {name: np.full(n, fill_value(col), dtype=col.dtype) for name, col in CANDIDATE_RESULTS.items()}


def fill_sia(cols: dict[str, np.ndarray], i: int, r: iitcore.SIA) -> None:
    """Row ``i`` of the result columns from one candidate's SIA."""
    cols["reachable"][i] = True
    cols["phi"][i] = r.phi
    cols["signed_phi"][i] = r.signed_phi
    cols["phi_cause"][i] = r.phi_cause
    cols["phi_effect"][i] = r.phi_effect
    cols["normalized_phi"][i] = r.normalized_phi
    cols["mip_search_shortcircuited"][i] = r.mip_search_shortcircuited
    cols["reasons"][i] = ",".join(r.reasons)
    cols["unresolved_tie"][i] = r.unresolved_tie or ""
    ties: dict[str, Any] = {k: v for k, v in r.ties.items() if v}
    for side, specified in (("cause", r.cause_state), ("effect", r.effect_state)):
        if specified is None:
            continue
        cols[f"{side}_state"][i] = bits(specified.state)
        cols[f"{side}_ii"][i] = specified.ii
        cols[f"{side}_i_diff"][i] = np.nan if specified.i_diff is None else specified.i_diff
        if specified.ties:
            ties[f"{side}_states"] = specified.ties
    if r.partition is not None:
        cols["mip"][i] = canonical_json(r.partition)
    if ties:
        cols["ties"][i] = canonical_json(ties)


def decode_units(text: Any) -> tuple[int, ...]:
    """A stored JSON list of unit indices as a tuple."""
    return tuple(int(u) for u in json.loads(str(text)))


# ------------------------------------------------------------------ complexes
COMPLEXES = Table("complex", "complexes (exclusion applied to the evaluated candidates) and per-state summaries", {
    "state_index": Column(np.int64, "row of the states table"),
    "system": Column(object, "system id"),
    "units": Column(object, "the complex's units (JSON list)"),
    "size": Column(np.int32, "number of units", "units"),
    "phi": Column(float, "phi_s of the complex", "bit"),
    "candidate": Column(np.int64, "row in the candidates table"),
    "n_complexes": Column(np.int32, "number of complexes in the state", dim="state"),
    "max_phi": Column(float, "phi_s of the maximal complex (0 if none)", "bit", dim="state"),
    "whole_phi": Column(float, "phi_s of the whole system (NaN if not evaluated: pruned as 0 or beyond the size bound)", "bit", dim="state"),
    "exclusion": Column(object, "exclusion record: excluded candidates, reasons and ties (JSON)", dim="state"),
})

# ------------------------------------------------------------------ Phi-structures
STRUCTURES = Table("complex", "Phi-structure summary of each complex", {
    "computed": Column(bool, "the Phi-structure was computed (false: complex larger than structure_max_size)"),
    "big_phi": Column(float, "Phi: sum of distinction phi plus sum of relation phi", "bit"),
    "sum_phi_distinctions": Column(float, "sum of phi_d over the distinctions", "bit"),
    "sum_phi_relations": Column(float, "sum of phi_r over the relations", "bit"),
    "n_distinctions": Column(np.int64, "number of (congruent) distinctions; -1 if not computed"),
    "n_relations": Column(np.int64, "number of relations; -1 if not computed"),
    "relations_by_degree": Column(object, "relation counts by degree (JSON)"),
})
DISTINCTIONS = Table("distinction", "distinctions of the Phi-structures of complexes", {
    "complex": Column(np.int64, "row of the complexes table"),
    "mechanism": Column(object, "mechanism units (JSON list)"),
    "mechanism_state": Column(object, "mechanism state (JSON list)"),
    "phi": Column(float, "phi_d = min(cause phi, effect phi)", "bit"),
    "cause_purview": Column(object, "cause purview units (JSON list)"),
    "cause_state": Column(object, "specified cause state of the purview (JSON list)"),
    "cause_phi": Column(float, "cause phi", "bit"),
    "effect_purview": Column(object, "effect purview units (JSON list)"),
    "effect_state": Column(object, "specified effect state of the purview (JSON list)"),
    "effect_phi": Column(float, "effect phi", "bit"),
    "cause_ties": Column(object, "other cause {purview, state} choices tied at the maximum (JSON)"),
    "effect_ties": Column(object, "other effect {purview, state} choices tied at the maximum (JSON)"),
})


def _choices(m: iitcore.Mice) -> str:
    return canonical_json([{"purview": list(p), "state": list(s)} for p, s in m.tied_alternatives])


def structure_tables(
    complex_formalisms: Sequence[str], results: list[tuple[int, iitcore.PhiStructure]]
) -> tuple[xr.Dataset, xr.Dataset]:
    """The structures table (one row per complex) and distinctions table from (complex row, Phi-structure)
    pairs; ``complex_formalisms``: the formalism label of every complex."""
    n_complexes = len(complex_formalisms)
    s: dict[str, Any] = {
        "computed": np.zeros(n_complexes, dtype=bool),
        "n_distinctions": np.full(n_complexes, -1, dtype=np.int64),
        "n_relations": np.full(n_complexes, -1, dtype=np.int64),
        "relations_by_degree": [""] * n_complexes,
        **{k: np.full(n_complexes, np.nan) for k in ("big_phi", "sum_phi_distinctions", "sum_phi_relations")},
    }
    d: dict[str, list[Any]] = {k: [] for k in DISTINCTIONS.columns}
    for k, ps in results:
        s["computed"][k] = True
        s["big_phi"][k], s["sum_phi_distinctions"][k], s["sum_phi_relations"][k] = (
            ps.big_phi, ps.sum_phi_distinctions, ps.sum_phi_relations)
        s["n_distinctions"][k], s["n_relations"][k] = len(ps.distinctions), ps.n_relations
        s["relations_by_degree"][k] = canonical_json({str(h): c for h, c in ps.relations_by_degree.items()})
        for dist in ps.distinctions:
            d["complex"].append(k)
            d["mechanism"].append(canonical_json(list(dist.mechanism)))
            d["mechanism_state"].append(canonical_json(list(dist.mechanism_state)))
            d["phi"].append(dist.phi)
            for side, m in (("cause", dist.cause), ("effect", dist.effect)):
                d[f"{side}_purview"].append(canonical_json(list(m.purview)))
                d[f"{side}_state"].append(canonical_json(list(m.state)))
                d[f"{side}_phi"].append(m.phi)
                d[f"{side}_ties"].append(_choices(m))
    return (dataset(STRUCTURES, s, formalism_coord("complex", complex_formalisms)),
            dataset(DISTINCTIONS, d, formalism_coord("distinction", [complex_formalisms[k] for k in d["complex"]])))


# ------------------------------------------------------------------ comparisons
COMPARISONS = Table("comparison", "targets versus their implementations: functional and phenomenal equivalence", {
    "implementation": Column(object, "implementation system id"),
    "kind": Column(object, "implementation kind: computer, unfolding, copy"),
    "target": Column(object, "target system id"),
    "target_state": Column(object, "target state, 0/1 characters in unit order"),
    "functionally_equivalent": Column(bool, "the implementation was verified functionally equivalent"),
    "target_max_phi": Column(float, "phi_s of the target's maximal complex in this state (0 if none)", "bit"),
    "implementation_max_phi": Column(float, "phi_s of the implementation's maximal complex at the encoded state", "bit"),
    "implementation_max_phi_any_phase": Column(float, "largest maximal-complex phi_s over the analysed phases", "bit"),
    "target_n_complexes": Column(np.int32, "number of complexes of the target"),
    "implementation_n_complexes": Column(np.int32, "number of complexes of the implementation at the encoded state"),
    "same_complexes": Column(bool, "complexes correspond one to one through the unit mapping, with equal phi_s"),
    "same_structures": Column(object, "Phi-structures of corresponding complexes are equal: true; up to ties (same "
                              "distinctions, differences only from tied choices the reference breaks by unit order); "
                              "false; or unknown (not computed)"),
    "phenomenally_equivalent": Column(bool, "same complexes and Phi-structures equal (true or up to ties)"),
})
