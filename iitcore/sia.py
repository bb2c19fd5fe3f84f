"""System integrated information phi_s (IIT 4.0, spec sections 3-4).

Once the specified cause and effect states are fixed, the integration of a
directional partition on either side is the uncut selectivity times a sum
over units of ``log2(uncut / cut)`` terms that depend only on which of the
unit's inputs the partition cuts (spec 4.8). Those terms are tabulated per
unit and every partition is evaluated by array look-ups, grouped by the
number of parts, without a Python loop over partitions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from iitcore.ces import CES, candidate_distinctions, cause_effect_structure, max_big_phi, states_of
from iitcore.errors import StateUnreachableError
from iitcore.formalism import Formalism, as_formalism
from iitcore.limits import check_sia_size
from iitcore.numerics import eq, is_positive, tol
from iitcore.partitions import (
    DIRECTIONS,
    direction_bits,
    set_partition_of_index,
    system_set_partitions,
)
from iitcore.s1 import TieLimitError, related_by_automorphism
from iitcore.substrate import Substrate, le_states
from iitcore.system import System, effect_reachable, expand, input_index
from iitcore.system_mip import SideSearch, first_nonpositive, tied_minima

CHUNK_ELEMENTS = 1 << 21  # partition-by-direction cells evaluated per block
ENUMERATED_UNITS = 4  # up to this size every partition is evaluated; larger systems are searched


# ---------------------------------------------------------------- results
@dataclass(frozen=True)
class SpecifiedState:
    """A specified (maximal intrinsic information) state and the states tied with it.

    ``ii`` is the intrinsic information (the 2026 revision's i_spec);
    ``i_diff`` the 2026 intrinsic differentiation (None without the cap)."""

    state: tuple[int, ...]
    ii: float
    ties: tuple[tuple[int, ...], ...]
    i_diff: float | None = None


@dataclass(frozen=True)
class Partition:
    """A directional system partition; ``cut_matrix[a][b] = 1`` severs units[a] -> units[b]."""

    parts: tuple[tuple[int, ...], ...]
    directions: tuple[str, ...]
    cut_matrix: tuple[tuple[int, ...], ...]
    severed_edges: tuple[tuple[int, int], ...]
    normalization: int


@dataclass(frozen=True)
class SIA:
    """Result of :func:`sia`: phi_s of one candidate system in one state."""

    units: tuple[int, ...]
    labels: str
    state: tuple[int, ...]
    phi: float
    signed_phi: float
    phi_cause: float
    phi_effect: float
    normalized_phi: float
    cause_state: SpecifiedState | None
    effect_state: SpecifiedState | None
    partition: Partition | None
    ties: dict[str, Any] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    mip_search_shortcircuited: bool = False
    formalism: Formalism = field(default_factory=as_formalism)
    unresolved_tie: str | None = None  # S1 could not decide the specified states: not a complex

    @property
    def is_positive(self) -> bool:
        return is_positive(self.phi)

    @property
    def is_null(self) -> bool:
        return bool(self.reasons)

    @property
    def i_spec(self) -> float | None:
        """min(ii_c, ii_e) (the 2026 revision's i_spec); None for a null SIA without specified states."""
        return None if self.cause_state is None else min(self.cause_state.ii, self.effect_state.ii)

    @property
    def i_diff(self) -> float | None:
        """min(i_diff_c, i_diff_e) under the 2026 cap, else None."""
        if self.cause_state is None or self.cause_state.i_diff is None:
            return None
        return min(self.cause_state.i_diff, self.effect_state.i_diff)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable data (the formalism with its name, label, hash and fields)."""
        out = _plain(asdict(self))
        out.update(formalism=self.formalism.to_dict(), i_spec=self.i_spec, i_diff=self.i_diff)
        return out


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


# ------------------------------------------------------ specified states
def _log2_ratio(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.nan_to_num(np.log2(p / q), nan=0.0, posinf=0.0, neginf=0.0)


def effect_repertoires(system: System) -> tuple[np.ndarray, np.ndarray]:
    """(p_e(z|s), p_e(z;S)) over all system states z, little-endian."""
    k = system.k
    states = le_states(k)
    current = np.asarray(system.state)
    forward = np.ones(1)
    for ins, f in zip(system.inputs, system.effect):
        p = f[input_index(ins, current)]
        forward = np.concatenate([forward * (1.0 - p), forward * p])
    unconstrained = np.zeros(1 << k)
    rows = max(1, CHUNK_ELEMENTS >> k)
    for start in range(0, 1 << k, rows):
        block = states[start : start + rows]
        sbs = np.ones((len(block), 1))
        for ins, f in zip(system.inputs, system.effect):
            p = f[input_index(ins, block)][:, None]
            sbs = np.concatenate([sbs * (1.0 - p), sbs * p], axis=1)
        unconstrained += sbs.sum(axis=0)
    return forward, unconstrained / (1 << k)


def cause_repertoires(system: System) -> tuple[np.ndarray, float]:
    """(p_c(s|z) over all prior system states z, p_c(s;S))."""
    states = le_states(system.k)
    forward = np.ones(len(states))
    for a, (ins, f) in enumerate(zip(system.inputs, system.cause)):
        p = f[input_index(ins, states)]
        forward = forward * (p if system.state[a] else 1.0 - p)
    return forward, float(forward.mean())


def _argmax_ties(values: np.ndarray, k: int) -> tuple[float, list[tuple[int, ...]]]:
    best = values.max()
    idx = np.flatnonzero(values == best)  # exact equality, as the reference
    states = le_states(k)
    return float(best), [tuple(int(b) for b in states[i]) for i in idx]


@dataclass(frozen=True)
class _Information:
    ii_cause: float
    ii_effect: float
    cause_states: list[tuple[int, ...]]
    effect_states: list[tuple[int, ...]]
    cause_forward: np.ndarray
    cause_selectivity: np.ndarray
    effect_forward: np.ndarray


def specified_states(info: _Information) -> tuple[SpecifiedState, SpecifiedState]:
    """The first tied cause and effect states, with the others as ties."""
    return (SpecifiedState(info.cause_states[0], info.ii_cause, tuple(info.cause_states[1:])),
            SpecifiedState(info.effect_states[0], info.ii_effect, tuple(info.effect_states[1:])))


def intrinsic_information(system: System) -> _Information:
    """ii_c, ii_e and the (tied) specified states of the system (spec 3, 4.1)."""
    e_fwd, e_unc = effect_repertoires(system)
    ii_e = e_fwd * _log2_ratio(e_fwd, e_unc)
    c_fwd, c_unc = cause_repertoires(system)
    total = c_fwd.sum()
    c_sel = c_fwd / total if total > 0 else np.zeros_like(c_fwd)
    ii_c = c_sel * _log2_ratio(c_fwd, np.full_like(c_fwd, c_unc))
    iic, cause_states = _argmax_ties(ii_c, system.k)
    iie, effect_states = _argmax_ties(ii_e, system.k)
    return _Information(iic, iie, cause_states, effect_states, c_fwd, c_sel, e_fwd)


# ------------------------------------------------------ per-unit cut terms
def cut_probabilities(f: np.ndarray, point: Sequence[int], value: int) -> np.ndarray:
    """P(unit = value) with every subset C of its inputs causally marginalised.

    ``f`` is the unit's ON probability over its inputs (LE); the inputs not
    in C sit at ``point``. Entry ``sum(1 << a for a in C)`` is that probability.
    """
    L = len(point)
    g = f if value else 1.0 - f
    g = g.reshape([2] * L, order="F") if L else g.reshape(())
    for a in range(L):
        g = np.stack([np.take(g, point[a], axis=a), g.mean(axis=a)], axis=a)
    return np.asarray(g).reshape(-1, order="F")


def _unit_terms(system: System, side: str, specified: tuple[int, ...]) -> list[np.ndarray]:
    """log2(uncut / cut) per unit, indexed by the bitmask of cut inputs."""
    terms = []
    for a, ins in enumerate(system.inputs):
        if side == "effect":
            f, point, value = system.effect[a], [system.state[i] for i in ins], specified[a]
        else:
            f, point, value = system.cause[a], [specified[i] for i in ins], system.state[a]
        probs = cut_probabilities(f, point, value)
        with np.errstate(divide="ignore"):
            terms.append(np.log2(probs[0] / probs))
    return terms


# ------------------------------------------------------------ MIP search
@dataclass
class _Candidates:
    """Partitions within tolerance of the running minimum of normalized phi."""

    best: float = np.inf
    keys: list[np.ndarray] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)  # rows: normalized, phi, phi_c, phi_e, N

    def add(self, keys: np.ndarray, norm: np.ndarray, phi: np.ndarray, phi_c: np.ndarray, phi_e: np.ndarray, N: np.ndarray) -> None:
        self.best = min(self.best, float(norm.min()))
        sel = norm <= self.best + tol(self.best)
        if sel.any():
            self.keys.append(keys[sel])
            self.values.append(np.stack([norm[sel], phi[sel], phi_c[sel], phi_e[sel], N[sel].astype(float)]))


@dataclass(frozen=True)
class _Edges:
    """The system's cm edges a -> j as flat arrays, plus the unit terms of one side."""

    target: np.ndarray  # j of each edge
    source: np.ndarray  # a of each edge
    weight: np.ndarray  # 2**r, r = position of a among j's inputs
    terms: np.ndarray  # all units' terms, concatenated
    offset: np.ndarray  # start of each unit's terms


def _edges(inputs: tuple[tuple[int, ...], ...], terms: list[np.ndarray]) -> _Edges:
    pairs = [(j, a, 1 << r) for j, ins in enumerate(inputs) for r, a in enumerate(ins)]
    target, source, weight = (np.array([p[i] for p in pairs], dtype=np.int64) for i in range(3))
    offset = np.concatenate([[0], np.cumsum([len(t) for t in terms])[:-1]]).astype(np.int64)
    return _Edges(target, source, weight.astype(float), np.concatenate(terms), offset)


def _group_sums(edges: _Edges, labels: np.ndarray, K: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-block sums of unit terms: A (m, K) when the block's inputs are cut;
    B (m, K, 2^K) when only inputs from the blocks in out-set O are cut."""
    m, k = labels.shape
    src_block = labels[:, edges.source].astype(np.int64)  # (m, E)
    crossing = src_block != labels[:, edges.target]
    # bits[r, j, p]: bitmask of j's inputs that lie in another block p
    flat = (np.arange(m)[:, None] * k + edges.target[None, :]) * K + src_block
    bits = np.bincount(flat.ravel(), (crossing * edges.weight).ravel(), minlength=m * k * K).reshape(m, k, K)
    out_sets = ((np.arange(1 << K)[None, :] >> np.arange(K)[:, None]) & 1).astype(float)  # (K, 2^K)
    member = (labels[:, :, None] == np.arange(K)).astype(float)  # (m, k, K)
    mask_a = bits.sum(axis=2).astype(np.int64)
    A = np.einsum("mj,mjp->mp", edges.terms[edges.offset + mask_a], member)
    mask_b = (bits @ out_sets).astype(np.int64)  # (m, k, 2^K)
    B = np.einsum("mjo,mjp->mpo", edges.terms[edges.offset[:, None] + mask_b], member)
    return A, B


def _search(system: System, cause: tuple[int, ...], effect: tuple[int, ...], info: _Information, mip_tie_break: str):
    """MIP for fixed specified states. Returns (values row, key, tied keys, early_stop)."""
    k = system.k
    s_idx = _le(cause)
    e_idx = _le(effect)
    sel_c = float(info.cause_selectivity[s_idx])
    sel_e = float(info.effect_forward[e_idx])
    t_e = _unit_terms(system, "effect", effect)
    t_c = _unit_terms(system, "cause", cause)
    if k == 1:  # the complete cut: the self-loop is severed, N = 1
        full = (1 << len(system.inputs[0])) - 1
        phi_c, phi_e = sel_c * t_c[0][full], sel_e * t_e[0][full]
        phi = min(phi_c, phi_e)
        row = np.array([phi / 1.0, phi, phi_c, phi_e, 1.0])
        return row, 0, [0], not is_positive(phi)
    candidates = enumerated_candidates if k <= ENUMERATED_UNITS else searched_candidates
    first_bad, keys, values = candidates(system, t_c, t_e, sel_c, sel_e)
    if first_bad is not None:  # the first non-positive partition in enumeration order is the MIP
        return np.asarray(first_bad[1]), first_bad[0], [first_bad[0]], True
    return _resolve_ties(system, keys, values, mip_tie_break)


def searched_candidates(system: System, t_c: list[np.ndarray], t_e: list[np.ndarray], sel_c: float, sel_e: float):
    """:func:`enumerated_candidates` by the exact search of :mod:`iitcore.system_mip`
    (the first non-positive partition, else only the partitions tied near the minimum)."""
    side_c, side_e = SideSearch(system.inputs, t_c), SideSearch(system.inputs, t_e)
    first_bad = first_nonpositive(side_c, side_e, sel_c, sel_e, tol(0.0))
    if first_bad is not None:
        return first_bad, None, None
    found = tied_minima(side_c, side_e, sel_c, sel_e)
    return None, found.keys, found.values


def enumerated_candidates(system: System, t_c: list[np.ndarray], t_e: list[np.ndarray], sel_c: float, sel_e: float):
    """Every partition in enumeration order, in blocks, stopping after the block
    holding the first non-positive one. Returns (first non-positive (key, values
    row) or None, candidate keys, candidate values) as :class:`_Candidates`."""
    k = system.k
    sides = (_edges(system.inputs, t_c), _edges(system.inputs, t_e))
    cands = _Candidates()
    first_bad: tuple[int, np.ndarray] | None = None
    stride = 3**k
    for block in system_set_partitions(k, CHUNK_ELEMENTS):
        for group in block:
            K, labels, index = group.K, group.labels, group.index
            ins_cut, outs_cut = direction_bits(K)
            out_set = (outs_cut.astype(np.int64) << np.arange(K)).sum(axis=1)
            D = len(out_set)
            sizes = np.stack([(labels == b).sum(axis=1) for b in range(K)], axis=1)
            totals = []
            for edges in sides:
                A, B = _group_sums(edges, labels, K)
                tot = np.zeros((len(labels), D))
                for p in range(K):
                    tot += np.where(ins_cut[None, :, p], A[:, p, None], B[:, p, out_set])
                totals.append(tot)
            out_size = sizes @ outs_cut.T.astype(np.int64)  # (m, D): units in parts with outputs cut
            N = np.zeros((len(labels), D), dtype=np.int64)
            for p in range(K):
                sp = sizes[:, p, None]
                N += np.where(ins_cut[None, :, p], sp * (k - sp), sp * (out_size - outs_cut[None, :, p] * sp))
            phi_c = sel_c * totals[0]
            phi_e = sel_e * totals[1]
            phi = np.minimum(phi_c, phi_e)
            keys = index[:, None] * stride + np.arange(D)[None, :]
            bad = phi <= tol(0.0)
            if bad.any():
                kb = keys[bad]
                i = int(np.argmin(kb))
                if first_bad is None or kb[i] < first_bad[0]:
                    vals = np.array([phi[bad][i] / N[bad][i], phi[bad][i], phi_c[bad][i], phi_e[bad][i], N[bad][i]])
                    first_bad = (int(kb[i]), vals)
            if first_bad is None:
                cands.add(keys, phi / N, phi, phi_c, phi_e, N)
        if first_bad is not None:  # the earliest non-positive partition ends the search
            return first_bad, None, None
    return None, np.concatenate(cands.keys), np.concatenate(cands.values, axis=1)


def _resolve_ties(system: System, keys: np.ndarray, values: np.ndarray, mip_tie_break: str):
    """The MIP among candidate partitions: minimal normalized phi, then largest
    phi, then the formalism's tie rule among distinct cut matrices."""
    k = system.k
    norm_min = values[0].min()
    sel = np.array([eq(x, norm_min) for x in values[0]])
    keys, values = keys[sel], values[:, sel]
    phi_max = values[1].max()
    sel = np.array([eq(x, phi_max) for x in values[1]])
    keys, values = keys[sel], values[:, sel]
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[:, order]
    tied = _dedup_by_cut_matrix(k, keys)
    if mip_tie_break == "lexical":
        chosen = min(tied, key=lambda key: _lex_key(system.units, k, key))
    else:
        chosen = tied[0]
    pos = int(np.flatnonzero(keys == chosen)[0])
    return values[:, pos], chosen, tied, False


def _le(bits: Sequence[int]) -> int:
    return sum(int(b) << i for i, b in enumerate(bits))


def _cut_matrix_of(k: int, key: int) -> np.ndarray:
    i, d = divmod(int(key), 3**k)
    labels = set_partition_of_index(k, 1 + i)
    K = int(labels.max()) + 1
    ins_cut, outs_cut = direction_bits(K)
    la, lb = labels[:, None], labels[None, :]
    return (la != lb) & (ins_cut[d][lb] | outs_cut[d][la])


def _dedup_by_cut_matrix(k: int, keys: np.ndarray) -> list[int]:
    seen, out = set(), []
    for key in keys:
        b = _cut_matrix_of(k, key).tobytes()
        if b not in seen:
            seen.add(b)
            out.append(int(key))
    return out


def _lex_key(units: tuple[int, ...], k: int, key: int) -> bytes:
    size = max(units) + 1
    full = np.zeros((size, size), dtype=np.uint8)
    full[np.ix_(units, units)] = _cut_matrix_of(k, key)
    return full.tobytes()


def _partition(units: tuple[int, ...], key: int, k: int, normalization: float) -> Partition:
    if k == 1:
        return Partition(((units[0],),), ("BIDIRECTIONAL",), ((1,),), ((units[0], units[0]),), 1)
    i, d = divmod(int(key), 3**k)
    labels = set_partition_of_index(k, 1 + i)
    K = int(labels.max()) + 1
    ins_cut, outs_cut = direction_bits(K)
    parts = tuple(tuple(units[a] for a in range(k) if labels[a] == b) for b in range(K))
    dirs = tuple(DIRECTIONS[int(outs_cut[d, b]) + int(ins_cut[d, b] and outs_cut[d, b])] for b in range(K))
    X = _cut_matrix_of(k, key)
    edges = tuple((units[a], units[b]) for a, b in zip(*np.nonzero(X)))
    return Partition(parts, dirs, tuple(tuple(int(x) for x in row) for row in X), edges, int(normalization))


# ------------------------------------------------------------- public API
def _strongly_connected(cm: np.ndarray) -> bool:
    """Whether the system's connectivity matrix is one strongly connected component."""
    n_components, _ = connected_components(csr_matrix(cm), directed=True, connection="strong")
    return n_components == 1


def _null(system: System, labels: str, reasons: tuple[str, ...], f: Formalism, info: _Information | None = None) -> SIA:
    cs, es = specified_states(info) if info is not None else (None, None)
    return SIA(system.units, labels, system.state, 0.0, 0.0, 0.0, 0.0, 0.0, cs, es, None, {}, reasons, False, f)


def _i_diff(system: System, info: _Information, cause: tuple[int, ...], effect: tuple[int, ...], reading: str) -> tuple[float, float]:
    """Intrinsic differentiation (cause, effect) of the 2026 revision.

    ``"specified_state"`` (paper Eqs. 4-6): -log2 of the Bayes-inverted cause
    repertoire at s'_c and of the effect repertoire at s'_e.
    ``"current_state"`` (PyPhi main): -log2 p_c(s | s) and -log2 p_e(s | s),
    0 where that probability is 0 or 1."""
    if reading == "specified_state":
        p_c, p_e = float(info.cause_selectivity[_le(cause)]), float(info.effect_forward[_le(effect)])
        return abs(float(np.log2(p_c))), abs(float(np.log2(p_e)))  # -log2 p, never -0.0
    now = _le(system.state)
    probs = (float(info.cause_forward[now]), float(info.effect_forward[now]))
    return tuple(abs(float(np.log2(p))) if 0.0 < p < 1.0 else 0.0 for p in probs)


@dataclass(frozen=True, eq=False)
class _PairResult:
    """The MIP search of one (cause, effect) pair of specified states, and phi_s with the 2026 cap.
    Pairs are compared on ``phi`` (uncapped), so the cap changes no choice."""

    cause: tuple[int, ...]
    effect: tuple[int, ...]
    values: np.ndarray  # normalized, phi, phi_c, phi_e, N at the MIP (uncapped)
    key: int
    tied: list[int]
    early: bool
    signed_phi: float  # capped, not clamped
    i_diff: tuple[float, float] | None

    @property
    def phi(self) -> float:
        """Uncapped phi_s, clamped (pairs are compared on it, or on the raw value without clamping)."""
        return max(float(self.values[1]), 0.0)

    @property
    def capped_phi(self) -> float:
        return max(0.0, self.signed_phi)  # 0.0, not -0.0, when the cap is 0


def _evaluate_pair(system: System, info: _Information, c: tuple[int, ...], e: tuple[int, ...], f: Formalism) -> _PairResult:
    values, key, tied, early = _search(system, c, e, info, f.mip_tie_break)
    signed, i_diff = float(values[1]), None
    if f.ii_cap != "none":  # Eq. 23, after the MIP search (the MIP is chosen on uncapped values)
        i_diff = _i_diff(system, info, c, e, f.ii_cap)
        caps = (info.ii_cause, i_diff[0], info.ii_effect, i_diff[1])
        if f.ii_cap == "current_state":
            caps = tuple(max(x, 0.0) for x in caps)
        signed = min(signed, *caps)
    return _PairResult(c, e, values, key, tied, early, signed, i_diff)


def _identical(a: CES, b: CES) -> bool:
    """The same distinctions (mechanisms, cause and effect unit-states, phi)."""
    def key(c: CES) -> list:
        return [(d.mechanism, d.cause.unit_states, d.effect.unit_states, round(d.phi, 12)) for d in c.distinctions]
    return key(a) == key(b)


def _resolve_by_structure(substrate: Substrate, system: System, labels: str, tied: list[_PairResult], f: Formalism) -> tuple[_PairResult, str | None, list[float]]:
    """S1: among state pairs tied in phi_s, the one whose structure has the largest Phi.
    Tied in Phi too: the first, if the others' structures are identical to its structure or
    their states are its states' images under automorphisms of the system; else the tie is
    unresolved (the system is not a complex)."""
    try:
        candidates = candidate_distinctions(substrate, system, f)
    except ValueError as exc:  # a mechanism too large to tabulate its partitions
        raise TieLimitError(f"{labels}: S1 needs the Phi-structures of its {len(tied)} specified-state pairs "
                            f"tied in phi_s: {exc}") from exc
    structures = [cause_effect_structure(candidates, states_of(system, (p.cause, p.effect)), f, labels) for p in tied]
    best = max_big_phi(structures)
    phis = [s.big_phi for s in structures]
    first = tied[best[0]]
    if all(_identical(structures[best[0]], structures[i])
           or related_by_automorphism(system, (first.cause, first.effect), (tied[i].cause, tied[i].effect))
           for i in best[1:]):
        return first, None, phis
    return first, ("specified states tied in phi_s and in Phi, with different Phi-structures that no "
                   "automorphism of the system relates (S1: not a complex)"), phis


def sia_of_system(substrate: Substrate, system: System, labels: str, formalism: Formalism) -> SIA:
    """phi_s of an already expanded system of ``substrate`` (see :func:`sia`)."""
    f = formalism
    k = system.k
    cm = system.cm
    if not _strongly_connected(cm):
        return _null(system, labels, ("NO_STRONG_CONNECTIVITY",), f)
    if k == 1 and not cm[0, 0]:
        return _null(system, labels, ("MONAD_WITH_NO_SELFLOOP",), f)
    if k == 1 and not f.single_units_with_self_loop_have_phi:
        return _null(system, labels, ("SINGLE_UNIT",), f)
    info = intrinsic_information(system)
    reasons = tuple(
        r for r, v in (("NO_CAUSE", info.ii_cause), ("NO_EFFECT", info.ii_effect)) if not is_positive(v)
    )
    if reasons:
        return _null(system, labels, reasons, f, info)
    if f.state_pairs == "all":
        pairs = [(c, e) for c in info.cause_states for e in info.effect_states]
    else:
        pairs = [(info.cause_states[0], info.effect_states[0])]
    results = [_evaluate_pair(system, info, c, e, f) for c, e in pairs]

    def compared(r: _PairResult) -> float:
        return r.phi if f.clamp_phi else float(r.values[1])

    best = results[0]
    for r in results[1:]:  # the first pair with the largest phi_s
        if compared(r) > compared(best) and not eq(compared(r), compared(best)):
            best = r
    tied = [r for r in results if eq(compared(r), compared(best))]
    unresolved, big_phis = None, None
    if f.tie_rule == "s1" and len(tied) > 1 and is_positive(best.phi):
        best, unresolved, big_phis = _resolve_by_structure(substrate, system, labels, tied, f)
    norm, phi_raw, phi_c, phi_e, N = (float(x) for x in best.values)
    state_pairs = [{"cause": list(r.cause), "effect": list(r.effect), "phi": r.phi} for r in results]
    if big_phis is not None:
        for r, value in zip(tied, big_phis):
            state_pairs[results.index(r)]["big_phi"] = value
    ties = {
        "mips": [_partition(system.units, t, k, _cut_matrix_of(k, t).sum() if k > 1 else 1) for t in best.tied if t != best.key],
        "state_pairs": state_pairs if len(results) > 1 else [],
    }
    c, e = best.cause, best.effect
    i_diff = best.i_diff or (None, None)
    return SIA(
        units=system.units,
        labels=labels,
        state=system.state,
        phi=best.capped_phi,
        signed_phi=best.signed_phi,
        phi_cause=max(phi_c, 0.0),
        phi_effect=max(phi_e, 0.0),
        normalized_phi=best.capped_phi / N,
        cause_state=SpecifiedState(c, info.ii_cause, tuple(s for s in info.cause_states if s != c), i_diff[0]),
        effect_state=SpecifiedState(e, info.ii_effect, tuple(s for s in info.effect_states if s != e), i_diff[1]),
        partition=_partition(system.units, best.key, k, N),
        ties=ties,
        reasons=(),
        mip_search_shortcircuited=best.early,
        formalism=f,
        unresolved_tie=unresolved,
    )


def sia(
    substrate: Substrate,
    state: Sequence[int],
    units: Sequence[int | str] | None = None,
    *,
    formalism: str | Formalism | None = None,
) -> SIA:
    """System integrated information of candidate ``units`` (default: all) in ``state``.

    ``formalism``: a preset name (:data:`iitcore.FORMALISMS`) or a
    :class:`~iitcore.formalism.Formalism`; default ``"iit4_2023"`` (phi
    clamped at 0, all tied specified-state pairs searched, MIP ties broken by
    the cut matrix's lexical key). ``"pyphi-feature-iit4"`` reproduces PyPhi's
    feature/iit-4.0 branch (the first tied state in little-endian order, the
    first tied MIP in enumeration order; the raw value is ``signed_phi``).
    ``"iit4_2026"`` / ``"iit4_2026-paper"`` cap phi_s by ii (Eq. 23).
    Raises :class:`StateUnreachableError` for an unreachable candidate state and
    :class:`SystemTooLargeError` past :data:`iitcore.limits.SIA_MAX_UNITS` units.
    """
    f = as_formalism(formalism)
    st = substrate.validate_state(state)
    us = substrate.validate_units(units)
    check_sia_size(len(us))
    system = expand(substrate, st, us)
    if not effect_reachable(system):
        raise StateUnreachableError(
            f"state {list(system.state)} of units {list(us)} cannot be reached with the "
            f"background clamped at its current state"
        )
    labels = "".join(substrate.labels[u] for u in us)
    return sia_of_system(substrate, system, labels, f)


def sia_from_dict(data: dict[str, Any]) -> SIA:
    """Rebuild an :class:`SIA` from :meth:`SIA.to_dict` output."""

    def spec(d: dict[str, Any] | None) -> SpecifiedState | None:
        if d is None:
            return None
        i_diff = d.get("i_diff")
        return SpecifiedState(tuple(d["state"]), float(d["ii"]), tuple(tuple(t) for t in d["ties"]),
                              None if i_diff is None else float(i_diff))

    def part(d: dict[str, Any] | None) -> Partition | None:
        if d is None:
            return None
        return Partition(
            tuple(tuple(p) for p in d["parts"]),
            tuple(d["directions"]),
            tuple(tuple(r) for r in d["cut_matrix"]),
            tuple(tuple(e) for e in d["severed_edges"]),
            int(d["normalization"]),
        )

    return SIA(
        units=tuple(data["units"]),
        labels=data["labels"],
        state=tuple(data["state"]),
        phi=float(data["phi"]),
        signed_phi=float(data["signed_phi"]),
        phi_cause=float(data["phi_cause"]),
        phi_effect=float(data["phi_effect"]),
        normalized_phi=float(data["normalized_phi"]),
        cause_state=spec(data["cause_state"]),
        effect_state=spec(data["effect_state"]),
        partition=part(data["partition"]),
        ties=dict(data.get("ties", {})),
        reasons=tuple(data.get("reasons", ())),
        mip_search_shortcircuited=bool(data.get("mip_search_shortcircuited", False)),
        formalism=Formalism.from_dict(data["formalism"]) if "formalism" in data else as_formalism(None),
        unresolved_tie=data.get("unresolved_tie"),
    )
