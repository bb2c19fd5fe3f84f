"""Directional system partitions (SET_UNI/BI), in the reference's order.

A partition is a set partition of the system's k units into K >= 2 parts
plus a direction per part: CAUSE (the part's inputs from the rest are cut),
EFFECT (its outputs to the rest are cut) or BIDIRECTIONAL (both). Set
partitions come in the reference's recursive order (spec 4.2 step 2) and
directions in ``product((CAUSE, EFFECT, BIDIRECTIONAL), repeat=K)`` order,
first part slowest. The global enumeration key of (set partition i,
direction d) is ``i * 3**k + d``.

Partitions are produced as arrays grouped by K so the MIP search never
loops over partitions in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import product

import numpy as np

DIRECTIONS = ("CAUSE", "EFFECT", "BIDIRECTIONAL")


@dataclass(frozen=True)
class SetPartitionGroup:
    """All set partitions of k units into K blocks.

    ``labels[r, a]`` is the block of unit a in partition r (blocks numbered
    in the generator's order); ``index[r]`` is its position in the
    reference's enumeration of set partitions.
    """

    K: int
    labels: np.ndarray
    index: np.ndarray


@lru_cache(maxsize=16)
def set_partition_labels(k: int) -> np.ndarray:
    """Block labels (rows) of every set partition of k units, reference order,
    including the single-block one first."""
    if k == 0:
        return np.zeros((1, 0), dtype=np.int8)
    labels = np.zeros((1, 1), dtype=np.int8)  # partitions of [k-1]
    for x in range(k - 2, -1, -1):  # prepend element x to partitions of [x+1 .. k-1]
        nblocks = labels.max(axis=1).astype(np.int64) + 1
        reps = nblocks + 1
        parent = np.repeat(np.arange(len(labels)), reps)
        starts = np.cumsum(reps) - reps
        child = np.arange(len(parent)) - np.repeat(starts, reps)
        joined = child < nblocks[parent]
        rest = labels[parent] + (~joined)[:, None].astype(np.int8)
        first = np.where(joined, child, 0).astype(np.int8)
        labels = np.concatenate([first[:, None], rest], axis=1)
    return labels


@lru_cache(maxsize=16)
def system_set_partitions(k: int, max_cells: int = 1 << 21) -> tuple[tuple[SetPartitionGroup, ...], ...]:
    """Set partitions of k >= 2 units into K >= 2 blocks, in blocks of consecutive
    enumeration indices (growing geometrically, so a search can stop early),
    each block grouped by K and split so that partitions x directions <= max_cells."""
    labels = set_partition_labels(k)[1:]
    K_of = labels.max(axis=1).astype(np.int64) + 1
    blocks = []
    lo, size = 0, 16
    while lo < len(labels):
        hi = min(len(labels), lo + size)
        groups = []
        for K in range(2, k + 1):
            index = lo + np.flatnonzero(K_of[lo:hi] == K)
            step = max(1, max_cells // 3**K)
            for start in range(0, len(index), step):
                part = index[start : start + step]
                groups.append(SetPartitionGroup(K, np.ascontiguousarray(labels[part]), part))
        blocks.append(tuple(groups))
        lo, size = hi, min(size * 4, 1 << 16)
    return tuple(blocks)


@lru_cache(maxsize=32)
def direction_bits(K: int) -> tuple[np.ndarray, np.ndarray]:
    """(inputs_cut, outputs_cut) boolean arrays of shape (3^K, K), reference order."""
    combos = np.array(list(product(range(3), repeat=K)), dtype=np.int8).reshape(-1, K)
    return combos != 1, combos != 0


def cut_matrix(labels: np.ndarray, inputs_cut: np.ndarray, outputs_cut: np.ndarray) -> np.ndarray:
    """Cut matrix X[a, b] (edge a -> b severed) of one directional partition."""
    la = labels[:, None]
    lb = labels[None, :]
    return (la != lb) & (inputs_cut[lb] | outputs_cut[la])
