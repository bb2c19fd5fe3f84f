"""Claim logic over plain tables (pipelines.claims) and the statistics it reports (pipelines.stats)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipelines import claims
from pipelines.stats import median_iqr, wilson


def test_wilson_interval_known_values() -> None:
    p = wilson(3, 10)
    # Wilson score interval, z = 1.959964: centre (k + z^2/2)/(n + z^2), half-width z sqrt(k(n-k)/n + z^2/4)/(n + z^2)
    z = 1.959963984540054
    centre = (3 + z * z / 2) / (10 + z * z)
    half = z * math.sqrt(3 * 7 / 10 + z * z / 4) / (10 + z * z)
    assert (p.low, p.high) == pytest.approx((centre - half, centre + half), rel=1e-9)
    assert wilson(0, 5).low == 0 and wilson(5, 5).high == pytest.approx(1)
    assert math.isnan(wilson(0, 0).value) and wilson(0, 0).text() == "0/0 (undefined)"
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson(4, 3)
    s = median_iqr([1, 2, 3, 4, float("nan")])
    assert (s.n, s.median, s.q1, s.q3) == (4, 2.5, 1.75, 3.25)


def world() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Two 2-unit targets (T1, T2), their computers (C1, C2) at phases 0 and 1, and copies (K1, K2)."""
    st, cx, pairs = [], [], []
    def state(system, kind, target, ts, phase, reachable):
        st.append(dict(formalism="F", n=2, system=system, kind=kind, target=target, target_state=ts, phase=phase,
                       reachable=reachable))
    def cplx(system, ts, phase, units, phi, big, mapped=None):
        cx.append(dict(formalism="F", system=system, target_state=ts, phase=phase, units=tuple(units),
                       mapped=mapped, size=len(units), phi_s=phi, Phi=big))
    for t, c, k in (("T1", "C1", "K1"), ("T2", "C2", "K2")):
        for ts in ("00", "01", "10", "11"):
            reach = not (t == "T2" and ts == "11")
            state(t, "target", t, ts, 0, reach)
            state(k, "copy", t, ts, 0, reach)
            for phase in (0, 1):
                state(c, "computer", t, ts, phase, reach)
                cplx(c, ts, phase, [10], 1.0, 2.0)  # a memory cell: phi_s 1, Phi 2
                cplx(c, ts, phase, [11, 12], 2.0, 4.0 if t == "T1" or phase == 0 else 5.0)
            for impl, kind in ((c, "computer"), (k, "copy")):
                pairs.append(dict(formalism="F", n=2, target=t, implementation=impl, kind=kind, target_state=ts,
                                  reachable=reach, phenomenally_equivalent=kind == "copy", same_structures="true"))
    # T1: one complex (both units) in 00, 01, 10 with Phi 50; in 11 only a monad.
    for ts in ("00", "01", "10"):
        cplx("T1", ts, 0, [0, 1], 1.5, 50.0)
        cplx("K1", ts, 0, [0, 1], 1.5, 50.0)
    cplx("T1", "11", 0, [0], 1.0, 2.0)
    cplx("K1", "11", 0, [1], 1.0, 2.0)
    # T2 has no complex anywhere, its copy none either; in 01 the computer's register {3} maps onto... nothing.
    cplx("C1", "10", 0, [3], 1.0, 2.0, mapped=(0,))  # register holding target unit 0: T1's complex is {0,1}, no match
    cplx("C1", "11", 0, [4], 1.0, 2.0, mapped=(0,))  # maps onto T1's monad {0} in 11
    cplx("C1", "01", 0, [5, 6], 0.5, 1.0, mapped=(0, 1))  # on T1's complex's units, but a different phi_s
    return pd.DataFrame(st), pd.DataFrame(cx), pd.DataFrame(pairs)


def test_pair_categories_never_count_both_empty_as_equivalence() -> None:
    st, cx, pairs = world()
    cat = claims.pair_categories(pairs, st, cx).set_index(["implementation", "target_state"])["category"]
    assert cat[("K1", "00")] == claims.EQUIVALENT and cat[("C1", "00")] == claims.NOT_EQUIVALENT
    assert cat[("K2", "00")] == claims.BOTH_EMPTY and cat[("K2", "11")] == claims.UNDEFINED
    table = claims.category_table(claims.pair_categories(pairs, st, cx)).set_index(["kind", "category"])
    assert table.loc[("copy", claims.EQUIVALENT), ["pairs", "of"]].tolist() == [4, 7]
    assert table.loc[("copy", claims.BOTH_EMPTY), ["pairs", "of"]].tolist() == [3, 7]
    assert table.loc[("copy", claims.UNDEFINED), ["pairs", "of"]].tolist() == [1, 8]
    bugs = claims.copy_check(claims.pair_categories(pairs, st, cx), ["F"])
    assert bugs.empty
    pairs.loc[(pairs["implementation"] == "K1") & (pairs["target_state"] == "01"), "same_structures"] = "up to ties"
    bugs = claims.copy_check(claims.pair_categories(pairs, st, cx), ["F"])
    assert bugs[["implementation", "target_state", "category"]].values.tolist() == [["K1", "01", claims.UP_TO_TIES]]
    assert claims.copy_check(claims.pair_categories(pairs, st, cx), ["other"]).empty


def test_claims_and_denominators() -> None:
    st, cx, _ = world()
    rows = claims.claims(st, cx, showcase={"T1": "01", "T2": "11"}).set_index("claim")
    # (i): T1 is one complex in 01; T2's showcase state is unreachable: excluded, not "no complex".
    assert rows.loc["i", ["k", "N", "holds"]].tolist() == [1, 1, "yes"]
    assert "1 showcase states unreachable" in rows.loc["i", "excluded"]
    assert "3/7" in rows.loc["i", "detail"]
    # (ii): 7 reachable target states x 2 phases; C1 in 11 has a complex mapping onto T1's monad.
    assert rows.loc["ii", ["k", "N", "holds"]].tolist() == [13, 14, "no"]
    assert rows.loc["ii", "excluded"] == "2 unreachable"
    assert "1 with a complex mapping onto the target's (units and phi_s; 2 with a complex on the units" in rows.loc["ii", "detail"]
    # (iii): only T1's 3 states with a complex of Phi 50 count; T1 11 has Phi 2 -> ratio 2.
    assert rows.loc["iii", ["k", "N", "holds"]].tolist() == [3, 4, "no"]
    assert "3 target without a complex" in rows.loc["iii", "excluded"]
    ratios = claims.phi_ratios(st, cx)
    r = ratios[(ratios["computer"] == "C1")].set_index("target_state")["ratio"]
    assert r["00"] == pytest.approx(4 / 50) and r["11"] == pytest.approx(4 / 2)
    # (iv): groups (n, phase, state) with both targets reachable: 3 states x 2 phases; C2's {11,12} has Phi 5 at
    # phase 1 (program-dependent), and C1 has extra complexes in 01, 10 and 11 (11 is excluded: T2 unreachable).
    assert rows.loc["iv", ["k", "N", "holds"]].tolist() == [1, 6, "no"]
    assert rows.loc["iv", "detail"].startswith("at the encoded state (phase 0): 1/3 ")
    assert rows.loc["iv", "excluded"] == "2 groups with one target only"
    # secondary phi_s: computer max phi_s 2 vs target 1.5 (T1) or none (T2): never below.
    assert rows.loc["phi_s", ["k", "N", "secondary"]].tolist() == [0, 14, True]
    p = wilson(13, 14)
    assert rows.loc["ii", "ci_low"] == pytest.approx(p.low) and rows.loc["ii", "ci_high"] == pytest.approx(p.high)


def test_sensitivity_table_lists_each_claim_per_formalism() -> None:
    st, cx, _ = world()
    both = [claims.claims(f, c, {"T1": "01"}) for f, c in (
        (st, cx), (st.assign(formalism="G"), cx.assign(formalism="G", Phi=np.where(cx["system"].str.startswith("C"), 0.1, cx["Phi"]))))]
    table = claims.sensitivity(pd.concat(both)).set_index(["claim", "kind"])
    assert list(table.columns) == ["F", "G"]
    assert table.loc[("iii", "computer"), "F"] == "no (3/4)" and table.loc[("iii", "computer"), "G"] == "yes (4/4)"
    assert table.loc[("i", "target"), "G"] == "yes (1/1)"
