"""Size guards of iitcore's entry points: a clear error before anything is allocated (issue 16, probe 6)."""

from __future__ import annotations

import tracemalloc

import pytest

import iitcore
from iitcore import limits


def ring(n: int) -> iitcore.Substrate:
    """A strongly connected ring of noisy COPY gates (unit i copies unit i-1)."""
    return iitcore.Substrate.from_gates([{"gate": "COPY", "inputs": [(i - 1) % n]} for i in range(n)], noise=0.1)


@pytest.mark.parametrize("n, memory", [(20, "TiB"), (26, "PiB")])
def test_sia_refuses_a_large_system_naming_size_limit_and_memory(n, memory):
    with pytest.raises(iitcore.SystemTooLargeError) as err:
        iitcore.sia(ring(n), [0] * n)
    msg = str(err.value)
    assert f"{n} units" in msg and f"limit of {limits.SIA_MAX_UNITS} units" in msg and memory in msg


def test_estimated_memory_matches_the_state_table():
    # the 2^26-state table alone, built as int64 with 26 columns, is 13 GiB
    assert limits.sia_bytes(26) >= (1 << 26) * 26 * 8
    # measured peaks of the exact searches (docs/mip-search.md): phi_s 1.7 GB at 14 units, structure 150 MB at 8
    assert 1e9 < limits.sia_bytes(14) < 3e9 and 5e7 < limits.structure_bytes(8) < 3e8
    assert limits.format_bytes(limits.sia_bytes(15)).endswith("GiB")


def test_whole_huge_substrate_is_refused_before_allocating():
    n = 100_000
    substrate = ring(n)
    tracemalloc.start()
    try:
        with pytest.raises(iitcore.SystemTooLargeError, match="100000 units"):
            iitcore.sia(substrate, [0] * n)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20


def test_phi_structure_has_its_own_limit():
    n = limits.STRUCTURE_MAX_UNITS + 1
    with pytest.raises(iitcore.SystemTooLargeError, match=f"Phi-structure of a system of {n} units"):
        iitcore.phi_structure(ring(n), [0] * n)


def test_candidates_below_the_limit_of_a_large_substrate_still_run():
    result = iitcore.sia(ring(30), [0] * 30, units=[0, 1, 2])
    assert result.reasons == ("NO_STRONG_CONNECTIVITY",)


def test_limits_can_be_raised_by_the_caller(monkeypatch):
    monkeypatch.setattr(limits, "SIA_MAX_UNITS", 2)
    with pytest.raises(iitcore.SystemTooLargeError, match="limit of 2 units"):
        iitcore.sia(ring(3), [0, 0, 0])
    monkeypatch.setattr(limits, "SIA_MAX_UNITS", 3)
    assert iitcore.sia(ring(3), [0, 0, 0]).phi >= 0
