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

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from iitcore.partitions import set_partition_labels

MAX_ROWS = 1 << 23  # partitions tabulated for one (mechanism, purview) shape (6 x 6 has 2.2M)


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
