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

from collections.abc import Sequence
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


@lru_cache(maxsize=32)
def _children_offsets(s: int) -> np.ndarray:
    """For the set partitions of s elements in reference order, the index of
    each one's first child (x prepended) among the partitions of s + 1 elements."""
    blocks = np.ones(1, dtype=np.int64)  # blocks of each partition of 1 element
    for _ in range(1, s):
        reps = blocks + 1
        child = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
        parent = np.repeat(blocks, reps)
        blocks = parent + (child == parent)
    return np.concatenate([[0], np.cumsum(blocks + 1)[:-1]])


def set_partition_key(labels: Sequence[int], directions: Sequence[int]) -> int:
    """Global enumeration key ``i * 3**k + d`` of the directional partition
    with block ``labels[a]`` per unit and ``directions[b]`` (0 CAUSE, 1 EFFECT,
    2 BIDIRECTIONAL) per block label b, computed without tabulating the set
    partitions (:func:`set_partition_of_index` inverts the set-partition rank)."""
    k = len(labels)
    order = [labels[k - 1]]  # block labels in the generator's block order
    rank = 0
    for x in range(k - 2, -1, -1):  # element x is prepended to a partition of x+1 .. k-1
        if labels[x] in order:
            child = order.index(labels[x])
        else:
            child = len(order)
            order.insert(0, labels[x])
        rank = int(_children_offsets(k - 1 - x)[rank]) + child
    d = 0
    for b in order:
        d = 3 * d + int(directions[b])
    return (rank - 1) * 3**k + d


def set_partition_of_index(k: int, index: int) -> np.ndarray:
    """``set_partition_labels(k)[index]`` computed without the table (the inverse
    of the rank in :func:`set_partition_key`)."""
    children = []
    for s in range(k - 1, 0, -1):  # peel off elements 0, 1, ..., k-2
        offsets = _children_offsets(s)
        parent = int(np.searchsorted(offsets, index, side="right")) - 1
        children.append(index - int(offsets[parent]))
        index = parent
    labels = [0] * k
    blocks = 1  # partition of {k-1}: one block, label 0
    for x, child in zip(range(k - 2, -1, -1), reversed(children)):
        if child < blocks:
            labels[x] = child
        else:  # a new singleton block goes first; the others shift
            for y in range(x + 1, k):
                labels[y] += 1
            labels[x] = 0
            blocks += 1
    return np.array(labels, dtype=np.int8)
