"""The systems and states tables (xarray Datasets with units and descriptions)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from pipelines.columns import strings, to_json, var
from pipelines.plan import Plan
from pipelines.systems import AnalysedState, System, bits


def systems_table(systems: list[System]) -> xr.Dataset:
    d = "system"
    ds = xr.Dataset(
        {
            "family": var(d, strings([s.family for s in systems]), "family (config section) the system comes from"),
            "kind": var(d, strings([s.kind for s in systems]), "target, or the implementation kind: computer, unfolding, copy"),
            "target": var(d, strings([s.target_id for s in systems]), "id of the target this system is or implements"),
            "recipe": var(d, strings([s.recipe for s in systems]), "recipe that generated the target"),
            "params": var(d, strings([to_json(s.params) for s in systems]), "recipe or implementation parameters (JSON)"),
            "seed": var(d, np.array([s.seed for s in systems], dtype=np.int64), "seed of the target's recipe"),
            "n_units": var(d, np.array([s.substrate.n for s in systems], dtype=np.int32), "number of units", "units"),
            "labels": var(d, strings([to_json(list(s.substrate.labels)) for s in systems]), "unit labels (JSON list)"),
            "substrate": var(
                d, strings([to_json(s.substrate.to_dict()) for s in systems]),
                "the substrate: per unit its inputs and P(ON | inputs) table, little-endian (JSON)",
            ),
            "cycle_length": var(d, np.array([s.cycle_length for s in systems], dtype=np.int32), "ticks per simulated update (1 for targets)", "ticks"),
            "verified": var(
                d, np.array([s.kind == "target" or bool(s.verification.get("equivalent")) for s in systems]),
                "functionally equivalent to its target (checked exhaustively); true for targets",
            ),
            "verification": var(
                d, strings([to_json({k: v for k, v in s.verification.items() if k != "seconds"}) for s in systems]),
                "how equivalence was checked (JSON; its timing is in the provenance)",
            ),
            "unit_roles": var(d, strings([to_json(s.unit_roles) for s in systems]), "role of each unit (JSON; null for targets)"),
            "target_units": var(d, strings([to_json(s.target_units) for s in systems]), "units that hold the target's units (JSON; null for targets)"),
        },
        coords={"system": strings([s.id for s in systems])},
    )
    ds["system"].attrs["description"] = "stable system id derived from recipe, parameters and seed"
    ds.attrs["description"] = "targets and their implementations"
    return ds


def states_table(states: list[AnalysedState], plan: Plan) -> xr.Dataset:
    d = "state"
    counts = [len(sp.candidates) for sp in plan.states]
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]) if counts else np.zeros(0)
    ds = xr.Dataset(
        {
            "system": var(d, strings([s.system for s in states]), "system analysed"),
            "state_bits": var(d, strings([bits(s.state) for s in states]), "the system's state, 0/1 characters in unit order"),
            "target_state": var(d, strings([bits(s.target_state) for s in states]), "the target state it encodes"),
            "phase": var(d, np.array([s.phase for s in states], dtype=np.int32), "phase within the implementation's cycle (0 = encoded state)", "ticks"),
            "n_candidates": var(d, np.array(counts, dtype=np.int64), "candidate systems planned for evaluation"),
            "first_candidate": var(d, np.asarray(first, dtype=np.int64), "first row of this state's candidates in the candidates table"),
            "complete": var(d, np.array([sp.complete for sp in plan.states], dtype=bool), "the candidate search was exhaustive (false: bounded, see plan)"),
            "plan": var(d, strings([sp.record for sp in plan.states]), "planner's record of pruned and bounded candidates (JSON)"),
        },
        coords={"state": np.arange(len(states), dtype=np.int64)},
    )
    ds.attrs["description"] = "every (system, state) analysed, with its candidate plan"
    return ds
