"""Disintegrating mechanism partitions (JOINT_PARTITION_ALL, spec 6.2), in the reference's order.

A partition of mechanism M over purview Z pairs every block of a set
partition of M (recursive order of spec 4.2, single block included), plus
one extra empty-mechanism part, with a block of Z (possibly empty). Purview
blocks come from Knuth's k-partitions (Algorithm U), padded with empty
blocks and arranged in every distinct way, in lexicographic order of the
blocks as sorted tuples. The only assignment excluded gives a non-empty
purview block to an unsplit mechanism.

Partitions are tabulated per shape (|M|, |Z|) as arrays over positions:
``mech[a]`` is the part of mechanism position a; ``purv[p]`` the part of
purview position p. Everything the MIP search needs is derived from these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from iitcore.partitions import set_partition_labels

MAX_ROWS = 1 << 23  # partitions tabulated for one (mechanism, purview) shape (6 x 6 has 2.2M)


@lru_cache(maxsize=256)
def count_partitions(m: int, z: int) -> int:
    """Number of JOINT_PARTITION_ALL partitions: sum_r S(m, r) (r+1)^z, less the
    2^z - 1 that give purview units to an unsplit mechanism."""
    stirling = [1] + [0] * m  # S(i, r) for the current i, r = 0..m
    for i in range(1, m + 1):
        stirling = [0] + [r * stirling[r] + stirling[r - 1] for r in range(1, m + 1)]
    return sum(stirling[r] * (r + 1) ** z for r in range(1, m + 1)) - (2**z - 1)


def k_partition_labels(n: int, k: int) -> list[tuple[int, ...]]:
    """Block label of each of n elements for every partition into exactly k
    blocks, in the order of Knuth's Algorithm U (TAOCP 7.2.1.5, ex. 17).

    >>> k_partition_labels(3, 2)
    [(0, 0, 1), (0, 1, 1), (0, 1, 0)]
    """
    if k < 1 or k > n:
        return []
    if k == 1:
        return [(0,) * n]
    if k == n:
        return [tuple(range(n))]
    a = [0] * (n + 1)
    for j in range(1, k + 1):
        a[n - k + j] = j - 1
    out: list[tuple[int, ...]] = []

    def visit() -> None:
        out.append(tuple(a[1:]))

    def descend(mu: int, nu: int, parity: int, forward: bool) -> None:
        # Algorithm U recurses forwards or backwards depending on a parity.
        (fwd if (parity % 2 == 1) != forward else bwd)(mu, nu, 0)

    def fwd(mu: int, nu: int, sigma: int) -> None:
        if mu == 2:
            visit()
        else:
            fwd(mu - 1, nu - 1, (mu + sigma) % 2)
        if nu == mu + 1:
            a[mu] = mu - 1
            visit()
            while a[nu] > 0:
                a[nu] -= 1
                visit()
        elif nu > mu + 1:
            if (mu + sigma) % 2 == 1:
                a[nu - 1] = mu - 1
            else:
                a[mu] = mu - 1
            descend(mu, nu - 1, a[nu] + sigma, True)
            while a[nu] > 0:
                a[nu] -= 1
                descend(mu, nu - 1, a[nu] + sigma, True)

    def bwd(mu: int, nu: int, sigma: int) -> None:
        if nu == mu + 1:
            while a[nu] < mu - 1:
                visit()
                a[nu] += 1
            visit()
            a[mu] = 0
        elif nu > mu + 1:
            descend(mu, nu - 1, a[nu] + sigma, False)
            while a[nu] < mu - 1:
                a[nu] += 1
                descend(mu, nu - 1, a[nu] + sigma, False)
            if (mu + sigma) % 2 == 1:
                a[nu - 1] = 0
            else:
                a[mu] = 0
        if mu == 2:
            visit()
        else:
            bwd(mu - 1, nu - 1, (mu + sigma) % 2)

    fwd(k, n, 0)
    return out


def distinct_permutations(items: list) -> list[tuple]:
    """Distinct permutations of ``items`` in lexicographic order, starting from sorted."""
    seq = sorted(items)
    size = len(seq)
    out = []
    while True:
        out.append(tuple(seq))
        i = size - 2
        while i >= 0 and not seq[i] < seq[i + 1]:
            i -= 1
        if i < 0:
            return out
        j = size - 1
        while not seq[i] < seq[j]:
            j -= 1
        seq[i], seq[j] = seq[j], seq[i]
        seq[i + 1 :] = reversed(seq[i + 1 :])


@lru_cache(maxsize=64)
def purview_assignments(parts: int, z: int) -> np.ndarray:
    """Part of each of z purview positions, one row per assignment, for ``parts``
    mechanism parts (the last one empty), in the reference's order."""
    rows = []
    for b in range(1, min(z, parts) + 1):
        for labels in k_partition_labels(z, b):
            blocks = [tuple(p for p in range(z) if labels[p] == c) for c in range(b)]
            for perm in distinct_permutations(blocks + [()] * (parts - b)):
                row = [0] * z
                for part, block in enumerate(perm):
                    for p in block:
                        row[p] = part
                rows.append(row)
    return np.array(rows, dtype=np.uint8).reshape(-1, z)


@dataclass(frozen=True)
class PartitionTable:
    """All partitions of an (m, z) mechanism-purview shape, in reference order.

    ``emask[p, r]``: mechanism positions (bitmask) of the part holding purview
    position p; ``cmask[q, r]``: purview positions (bitmask) of the part holding
    mechanism position q; ``N[r]``: connections cut, sum_k |M_k| |Z \\ Z_k|.
    Row r comes from mechanism set partition ``source[r]`` and purview
    assignment ``assignment[r]`` (a row of :func:`purview_assignments`).
    """

    m: int
    z: int
    emask: np.ndarray
    cmask: np.ndarray
    N: np.ndarray
    source: np.ndarray
    assignment: np.ndarray

    def parts(self, row: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        """(mechanism positions, purview positions) of every part of partition ``row``."""
        mech = set_partition_labels(self.m)[int(self.source[row])]
        n_parts = int(mech.max()) + 2
        purv = purview_assignments(n_parts, self.z)[int(self.assignment[row])]
        return [
            (
                tuple(q for q in range(self.m) if mech[q] == k),
                tuple(p for p in range(self.z) if purv[p] == k),
            )
            for k in range(n_parts)
        ]


@lru_cache(maxsize=64)
def _assignment_bits(parts: int, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Purview bitmask and size of every part, per row of :func:`purview_assignments`."""
    onehot = purview_assignments(parts, z)[:, :, None] == np.arange(parts)[None, None, :]
    bits = (onehot * (1 << np.arange(z))[None, :, None]).sum(axis=1)
    return bits, onehot.sum(axis=1)


@lru_cache(maxsize=64)
def partition_table(m: int, z: int) -> PartitionTable:
    """Tabulate JOINT_PARTITION_ALL for |M| = m >= 1 and |Z| = z >= 1."""
    if count_partitions(m, z) > MAX_ROWS:
        raise ValueError(
            f"a {m}-unit mechanism over a {z}-unit purview has {count_partitions(m, z)} partitions; "
            f"more than {MAX_ROWS} are not tabulated (systems of up to 6 units are supported)"
        )
    emasks, cmasks, Ns, sources, assignments = [], [], [], [], []
    for s, mech in enumerate(set_partition_labels(m)):
        r = int(mech.max()) + 1
        purv = purview_assignments(r + 1, z)
        purv_bits, purv_size = _assignment_bits(r + 1, z)
        idx = np.arange(len(purv), dtype=np.int32)
        if r == 1:  # an unsplit mechanism must keep an empty purview
            idx = idx[~(purv == 0).any(axis=1)]
        mech_bits = np.zeros(r + 1, dtype=np.int64)  # mechanism bitmask of each part
        for q in range(m):
            mech_bits[mech[q]] |= 1 << q
        mech_size = np.array([bin(int(b)).count("1") for b in mech_bits])
        emasks.append(mech_bits[purv[idx]].T)
        cmasks.append(purv_bits[idx][:, mech].T)
        Ns.append(m * z - purv_size[idx] @ mech_size)
        sources.append(np.full(len(idx), s, dtype=np.int32))
        assignments.append(idx)
    return PartitionTable(
        m,
        z,
        np.ascontiguousarray(np.concatenate(emasks, axis=1), dtype=np.uint8),
        np.ascontiguousarray(np.concatenate(cmasks, axis=1), dtype=np.uint8),
        np.concatenate(Ns).astype(np.float64),
        np.concatenate(sources),
        np.concatenate(assignments),
    )


# ------------------------------------------- rows without tabulating them
@lru_cache(maxsize=64)
def _knuth_index(z: int, b: int) -> dict[tuple[int, ...], int]:
    """Position in :func:`k_partition_labels` of each partition of z elements
    into b blocks, keyed by its labels renumbered in order of first occurrence."""
    return {_first_occurrence(labels): i for i, labels in enumerate(k_partition_labels(z, b))}


def _first_occurrence(labels: tuple[int, ...]) -> tuple[int, ...]:
    seen: dict[int, int] = {}
    return tuple(seen.setdefault(x, len(seen)) for x in labels)


def _arrangements(n: int, b: int) -> int:
    """n! / (n - b)!: distinct orders of b distinct blocks and n - b empty ones."""
    out = 1
    for i in range(n - b + 1, n + 1):
        out *= i
    return out


@lru_cache(maxsize=64)
def _stirling_row(z: int) -> tuple[int, ...]:
    row = [1] + [0] * z
    for _ in range(z):
        row = [0] + [r * row[r] + row[r - 1] for r in range(1, z + 1)]
    return tuple(row)


@lru_cache(maxsize=64)
def row_offsets(m: int, z: int) -> np.ndarray:
    """First row of every mechanism set partition (``set_partition_labels(m)`` order)."""
    blocks = set_partition_labels(m).max(axis=1).astype(object) + 1
    counts = [(int(r) + 1) ** z for r in blocks]
    counts[0] = 1  # the unsplit mechanism keeps an empty purview
    return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)


def assignment_rank(parts: int, assignment: Sequence[int]) -> int:
    """Row of ``assignment`` (part of each purview position) in
    :func:`purview_assignments` order, computed without the table."""
    z = len(assignment)
    blocks = [tuple(p for p in range(z) if assignment[p] == k) for k in range(parts)]
    nonempty = sorted(b for b in blocks if b)
    b = len(nonempty)
    symbol = {blk: i + 1 for i, blk in enumerate(nonempty)}
    seq = [symbol.get(blk, 0) for blk in blocks]
    labels = [0] * z
    for i, blk in enumerate(nonempty):
        for p in blk:
            labels[p] = i
    stirling = _stirling_row(z)
    rank = sum(stirling[c] * _arrangements(parts, c) for c in range(1, b))
    rank += _knuth_index(z, b)[_first_occurrence(tuple(labels))] * _arrangements(parts, b)
    zeros, free = parts - b, set(range(1, b + 1))
    for pos, s in enumerate(seq):  # lexicographic rank among the arrangements
        rest = parts - pos - 1
        smaller = ([0] if zeros and s > 0 else []) + [t for t in sorted(free) if t < s]
        for t in smaller:
            z_left = zeros - (t == 0)
            rank += _arrangements(rest, rest - z_left)
        if s == 0:
            zeros -= 1
        else:
            free.discard(s)
    return rank


def row_of(m: int, source: int, assignment: Sequence[int]) -> int:
    """Row of (mechanism set partition ``source``, purview ``assignment``) in :func:`partition_table` order."""
    if source == 0:
        return 0
    parts = int(set_partition_labels(m)[source].max()) + 2
    return int(row_offsets(m, len(assignment))[source]) + assignment_rank(parts, assignment)


def parts_of_row(m: int, z: int, row: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(mechanism positions, purview positions) of every part of partition ``row``
    (as :meth:`PartitionTable.parts`), without the table."""
    source = int(np.searchsorted(row_offsets(m, z), row, side="right")) - 1
    mech = set_partition_labels(m)[source]
    parts = int(mech.max()) + 2
    if source == 0:
        assignment = [1] * z
    else:
        assignment = _assignment_of_rank(parts, z, row - int(row_offsets(m, z)[source]))
    return [
        (tuple(q for q in range(m) if mech[q] == k), tuple(p for p in range(z) if assignment[p] == k))
        for k in range(parts)
    ]


def _assignment_of_rank(parts: int, z: int, rank: int) -> list[int]:
    """Inverse of :func:`assignment_rank`."""
    stirling = _stirling_row(z)
    b = 1
    while rank >= stirling[b] * _arrangements(parts, b):
        rank -= stirling[b] * _arrangements(parts, b)
        b += 1
    which, rank = divmod(rank, _arrangements(parts, b))
    labels = k_partition_labels(z, b)[which]
    blocks = sorted(tuple(p for p in range(z) if labels[p] == c) for c in range(b))
    zeros, free, seq = parts - b, list(range(1, b + 1)), []
    for pos in range(parts):
        rest = parts - pos - 1
        for t in ([0] if zeros else []) + free:
            count = _arrangements(rest, rest - (zeros - (t == 0)))
            if rank < count:
                break
            rank -= count
        seq.append(t)
        if t == 0:
            zeros -= 1
        else:
            free.remove(t)
    assignment = [0] * z
    for k, s in enumerate(seq):
        if s:
            for p in blocks[s - 1]:
                assignment[p] = k
    return assignment
