"""The replication document's computations (pipelines.report.replication) on the paper's targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import iitcore
from pipelines.report import replication as rep
from pipelines.families import implement, make_target

PUBLISHED = json.loads((Path(__file__).parent / "data" / "findlay2024.json").read_text())


@pytest.fixture(scope="module")
def pqrs_results():
    target = make_target("findlay2024:pqrs")
    return target, {formalism: rep.target_states(target, formalism) for formalism in (rep.REFERENCE, rep.DEFAULT)}


def test_pqrs_states_in_the_reference_branch_as_the_paper_describes(pqrs_results):
    target, results = pqrs_results
    ref = results[rep.REFERENCE]
    maximal = [r.complexes[0] for r in ref]
    assert sum(len(c["units"]) == 4 for c in maximal) == 9  # "one complex in only 9 of its 16 states"
    assert sum(len(c["units"]) == 2 and c["phi_s"] == pytest.approx(2.0) for c in maximal) == 6
    assert sum(len(c["units"]) == 1 and c["phi_s"] == pytest.approx(1.0) for c in maximal) == 1
    frame = rep.states_frame("pqrs", results)
    assert set(frame["formalism"]) == {rep.REFERENCE, rep.DEFAULT} and len(frame[frame["formalism"] == rep.REFERENCE]) == 16


def test_formalism_differences_are_explained_from_the_search_records(pqrs_results):
    target, results = pqrs_results
    differ = {rep.bits(a.state): rep.why_different(a, b, target.labels)
              for a, b in zip(results[rep.REFERENCE], results[rep.DEFAULT]) if rep._cell(a) != rep._cell(b)}
    assert set(differ) == {"1010", "1011", "1111"}
    assert "PR: phi_s 0.0000 in the reference branch" in differ["1011"] and "tied" in differ["1011"]
    assert "resolved by Phi" in differ["1010"] and "excluded by the overlapping complex QR" in differ["1010"]
    assert "PQRS (0.8301) is excluded by the overlapping complex PR (1.0000)" in differ["1111"]


@pytest.mark.parametrize("name", ["pqrs", "wxyz"])
def test_showcase_rows_agree_with_the_published_values(name):
    rows = rep.showcase_rows(name, make_target(f"findlay2024:{name}"), PUBLISHED)
    assert rows and all(r["agrees"] for r in rows), [r for r in rows if not r["agrees"]]


def test_wxyz_unreachable_states_are_undefined():
    target = make_target("findlay2024:wxyz")
    results = rep.target_states(target, rep.REFERENCE)
    undefined = [rep.bits(r.state) for r in results if r.complexes is None]
    assert len(undefined) == 9 and "1101" not in undefined
    assert rep._cell(results[1]) == "undefined (unreachable: no cause)"


def test_ring_figure_and_tables_for_a_small_ring_computer(tmp_path):
    target = make_target("random", {"n": 2, "k": 2, "self_loops": True}, 3)
    impl = implement(target, "ring_computer")
    state = impl.encode((1, 0))
    found = iitcore.complexes(impl.substrate, state, formalism=rep.REFERENCE)
    picked = rep.ring_candidates_frame(impl, state, found)
    assert list(picked["candidate"][:4]) == ["T0/0 T1/0", "T0/1 T1/1", "T0/2 T1/2", "T0/3 T1/3"]
    assert (picked["isolated phi_s"][:4] == 2.0).all()  # a COPY ring of 2 units
    complexes = rep.complexes_frame(impl, state, found)
    assert len(complexes) == len(found) and set(picked["embedded"]) >= {"complex"}
    path = rep.draw_ring_complexes(impl, found, tmp_path / "ring.png", "test")
    assert path.stat().st_size > 10_000
