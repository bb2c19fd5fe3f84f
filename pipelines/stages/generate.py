"""Stage ``generate``: a study's systems (targets and their verified implementations) and the states to analyse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from iitcore import Substrate
from pipelines.config import ConfigError, Family, StudyConfig
from pipelines.families import (
    FamilyError, VerificationError, check_implementation, implement, make_target, reachability, simulate,
)
from pipelines.work import AnalysedState, StudySystem


@dataclass(frozen=True)
class Generated:
    """What the generate stage makes: every system and every analysed state, in order."""

    systems: list[StudySystem]
    states: list[AnalysedState]


def validate_study(cfg: StudyConfig, source: str = "<config>") -> None:
    """Check what the schema cannot, before anything starts: each family's recipe and parameters (by
    building its targets, which is cheap), the states it gives, its implementations' kinds and parameters.

    Raises :class:`ConfigError` naming ``source`` and the key.
    """
    for i, fam in enumerate(cfg.families):
        for j, spec in enumerate(fam.implementations):
            try:
                check_implementation(spec.kind, spec.params)
            except FamilyError as exc:
                raise ConfigError(f"{source}: key 'families.{i}.implementations.{j}': {exc}") from None
        for seed in fam.seed_list():
            try:
                n = make_target(fam.recipe, fam.params, seed).n
            except FamilyError as exc:
                raise ConfigError(f"{source}: key 'families.{i}' ({fam.name}, seed {seed}): {exc}") from None
            for j, s in enumerate(fam.states.values):
                if len(s) != n:
                    raise ConfigError(
                        f"{source}: key 'families.{i}.states.values.{j}': state {s} has {len(s)} entries, "
                        f"the target ({fam.recipe}, seed {seed}) has {n} units"
                    )


def generate_study(cfg: StudyConfig, source: str = "<config>") -> Generated:
    """The study's systems (implementations checked verified) and analysed states."""
    validate_study(cfg, source)
    systems, targets, impls = generate(cfg, source)
    require_verified(systems)
    if cfg.analysis.candidates == "isolated":
        require_gates(systems, source)
    return Generated(systems, analysed_states(cfg, systems, targets, impls))



def generate(cfg: StudyConfig, source: str = "<config>") -> tuple[list[StudySystem], dict[str, Any], dict[str, Any]]:
    """All systems of the study, plus the target and implementation objects by system id.

    Families raise on unknown recipes or parameters (reported as :class:`ConfigError`
    naming ``source`` and the family) and on implementations that fail verification.
    """
    systems: list[StudySystem] = []
    targets: dict[str, Any] = {}
    impls: dict[str, Any] = {}
    for i, fam in enumerate(cfg.families):
        for seed in fam.seed_list():
            try:
                target = make_target(fam.recipe, fam.params, seed)
                family_impls = [(spec, implement(target, spec.kind, **spec.params)) for spec in fam.implementations]
            except FamilyError as exc:
                raise ConfigError(f"{source}: key 'families.{i}' ({fam.name}, seed {seed}): {exc}") from None
            targets[target.id] = target
            systems.append(
                StudySystem(target.id, fam.name, "target", target.id, target.recipe, dict(target.params),
                       int(target.seed), target.substrate,
                       info={k: v for k, v in target.info.items() if k in ("state", "sampler")})
            )
            for spec, impl in family_impls:
                impls[impl.id] = impl
                systems.append(
                    StudySystem(impl.id, fam.name, impl.kind, target.id, target.recipe, dict(spec.params),
                           int(target.seed), impl.substrate, int(impl.cycle_length),
                           dict(impl.verification), impl.unit_roles, impl.target_units, int(impl.settle))
                )
    ids = [s.id for s in systems]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"systems with the same id (a family listed twice?): {dupes}")
    return systems, targets, impls


def require_verified(systems: list[StudySystem]) -> None:
    """Raise on the first implementation whose (exhaustive) equivalence check failed."""
    for s in systems:
        if s.kind == "target":
            continue
        ok = bool(s.verification.get("equivalent", False))
        if not ok:
            raise VerificationError(
                f"implementation {s.id} ({s.kind} of {s.target_id}) is not verified functionally "
                f"equivalent: {s.verification}"
            )


def require_gates(systems: list[StudySystem], source: str) -> None:
    """Isolated-subgraph analysis needs every unit's gate: name the first system that has a table-only unit."""
    for s in systems:
        gates = s.substrate.gates or (None,) * s.substrate.n
        missing = [lab for lab, g in zip(s.substrate.labels, gates) if g is None]
        if missing:
            raise ConfigError(
                f"{source}: key 'analysis.candidates': isolated analysis needs every unit's gate, but {s.kind} "
                f"{s.id} of family {s.family} has units given only as tables ({', '.join(missing[:5])}); "
                "use candidates: embedded for it"
            )


def reachable_states(substrate: Substrate) -> list[tuple[int, ...]]:
    """States with positive probability after one update from some state (little-endian order)."""
    mask = reachability.reachable(substrate)
    return [s for s, ok in zip(all_states(substrate.n), mask) if ok]


def all_states(n: int) -> list[tuple[int, ...]]:
    """All 2^n states in little-endian order."""
    return [tuple(int(b) for b in row) for row in simulate.all_states(n)]


def target_states(fam: Family, substrate: Substrate, showcase: list[int] | None = None) -> list[tuple[int, ...]]:
    """The target states a family's config selects for one target (``showcase``: the recipe's state, if any)."""
    sel = fam.states
    n = substrate.n
    if sel.select == "showcase":
        if showcase is None:
            raise ConfigError(f"family {fam.name}: states select: showcase, but recipe {fam.recipe!r} has no showcase state")
        return [tuple(int(b) for b in showcase)]
    if sel.select == "given":  # lengths checked by validate_study
        return [tuple(s) for s in sel.values]
    if sel.select == "all":
        return all_states(n)
    if sel.select == "reachable":
        return reachable_states(substrate)
    rng = np.random.default_rng(sel.seed)
    count = sel.count or 1
    if count >= 1 << n:
        return all_states(n)
    picks = sorted(int(i) for i in rng.choice(1 << n, size=count, replace=False))
    return [tuple((i >> k) & 1 for k in range(n)) for i in picks]


def analysed_states(
    cfg: StudyConfig, systems: list[StudySystem], targets: dict[str, Any], impls: dict[str, Any]
) -> list[AnalysedState]:
    """Every (system, state) pair to analyse, in system order, once per formalism (formalisms outermost)."""
    families = {f.name: f for f in cfg.families}
    per_target = {
        t.id: target_states(families[s.family], t.substrate, t.info.get("state"))
        for s in systems
        if s.kind == "target"
        for t in [targets[s.id]]
    }
    reach = {t: reachability.reachable(targets[t].substrate) for t in per_target}
    out: list[AnalysedState] = []
    for f in cfg.analysis.formalism_values():
        for s in systems:
            for ts in per_target[s.target_id]:
                ok = bool(reach[s.target_id][reachability.index_of(ts)])
                if s.kind == "target":
                    out.append(AnalysedState(s.id, ts, ts, 0, f.label, ok))
                    continue
                impl = impls[s.id]
                phases_of = families[s.family].phases or cfg.analysis.phases
                phases = impl.phase_states(ts) if phases_of == "all" else [impl.encode(ts)]
                for phase, st in enumerate(phases):
                    out.append(AnalysedState(s.id, tuple(int(b) for b in st), ts, phase, f.label, ok))
    return out
