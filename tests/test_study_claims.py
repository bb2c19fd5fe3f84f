"""The report's claims on a small real study store, recomputed independently from the raw tables."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from iitcore import Substrate
from pipelines.report import write_report
from pipelines.store import Store, open_table
from pipelines.study import run_study

CONFIG = """
study: claims-test
store: {store}
families:
  - name: dense3
    recipe: dense
    params: {{n: 3}}
    seeds: [1, 2]
    states: {{select: all}}
    implementations:
      - kind: computer
      - kind: copy
        params: {{seed: 1}}
  - name: sampled3
    recipe: phi-threshold
    params: {{base: permutation, base_params: {{n: 3}}, min_Phi: 4}}
    seeds: [1, 2]
    states: {{select: all}}
    implementations:
      - kind: copy
        params: {{seed: 1}}
  - name: pqrs-phases
    recipe: pqrs
    states: {{select: given, values: [[1, 0, 0, 0]]}}
    phases: all
    implementations:
      - kind: computer
  - name: pqrs-noisy
    recipe: pqrs
    params: {{noise: 0.05}}
    states: {{select: given, values: [[1, 0, 0, 0]]}}
    implementations:
      - kind: computer
        params: {{gate_noise: 0.05}}
analysis:
  levels: [phi_s, complexes, phi_structure]
  structure_max_size: 4
execution:
  cluster: {{kind: local, n_workers: 1, dashboard_address: ":0"}}
  batch_size: 500
"""
Z = 1.959963984540054  # two-sided 95% normal quantile


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("claims")
    store = tmp / "study.zarr"
    config = tmp / "study.yaml"
    config.write_text(CONFIG.format(store=store))
    run_study(config, bar=False)
    return store, write_report(Store.open(store, mode="r"), tmp / "report").parent


def _tables(store: Path) -> dict[str, xr.Dataset]:
    return {t: open_table(store, t).load() for t in ("systems", "states", "complexes", "structures", "comparisons")}


def _csv(report: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(report / "tables" / f"{name}.csv", dtype={"target_state": str}, keep_default_na=False)


def _wilson(k: int, n: int) -> tuple[float, float]:
    centre = (k + Z * Z / 2) / (n + Z * Z)
    half = Z * math.sqrt(k * (n - k) / n + Z * Z / 4) / (n + Z * Z)
    return centre - half, centre + half


def _predecessors(sub: Substrate) -> set[str]:
    """Target states some state leads to, by brute force over the TPM."""
    found = set()
    for row in sub.tpm():
        choices = [(0, 1) if 0 < p < 1 else ((1,) if p == 1 else (0,)) for p in row]
        found.update("".join(map(str, s)) for s in itertools.product(*choices))
    return found


class World:
    """Independent reading of the raw tables."""

    def __init__(self, store: Path) -> None:
        t = _tables(store)
        sy, st, cx, sr, cmp = (t[k] for k in ("systems", "states", "complexes", "structures", "comparisons"))
        self.systems = [str(s) for s in sy["system"].values]
        self.kind = dict(zip(self.systems, map(str, sy["kind"].values)))
        self.target = dict(zip(self.systems, map(str, sy["target"].values)))
        self.n = dict(zip(self.systems, map(int, sy["n_units"].values)))
        self.noise = {s: json.loads(str(p)).get("noise", 0.0) for s, p in zip(self.systems, sy["params"].values)}
        self.showcase = dict(zip(self.systems, map(str, sy["showcase_state"].values)))
        self.info = {s: json.loads(str(v)) for s, v in zip(self.systems, sy["recipe_info"].values)}
        self.verification = {s: json.loads(str(v)) for s, v in zip(self.systems, sy["verification"].values)}
        self.target_units = {s: json.loads(str(v)) for s, v in zip(self.systems, sy["target_units"].values)}
        subs = {s: Substrate.from_dict(json.loads(str(v))) for s, v in zip(self.systems, sy["substrate"].values)}
        self.reach = {s: _predecessors(subs[s]) for s in self.systems if self.kind[s] == "target"}
        self.states = [(str(s), str(ts), int(p), bool(r)) for s, ts, p, r in zip(
            st["system"].values, st["target_state"].values, st["phase"].values, st["target_state_reachable"].values)]
        self.cx: dict[tuple[str, str, int], list[tuple[tuple[int, ...], float, float]]] = {}
        for i, us, phi, big in zip(cx["state_index"].values, cx["units"].values, cx["phi"].values, sr["big_phi"].values):
            s, ts, p, _ = self.states[int(i)]
            self.cx.setdefault((s, ts, p), []).append((tuple(json.loads(str(us))), float(phi), float(big)))
        self.pairs = list(zip(map(str, cmp["implementation"].values), map(str, cmp["target_state"].values),
                              map(bool, cmp["phenomenally_equivalent"].values), map(str, cmp["same_structures"].values)))

    def label(self, system: str) -> str:
        eps = self.noise[self.target[system]]
        return f"iit4_2023, noise {eps:g}" if eps else "iit4_2023"

    def reachable(self, system: str, ts: str) -> bool:
        return ts in self.reach[self.target[system]]


@pytest.fixture(scope="module")
def world(study: tuple[Path, Path]) -> World:
    return World(study[0])


def test_reachability_is_stored_per_analysed_state(world: World) -> None:
    assert any(not r for *_, r in world.states)  # dense targets have states with no predecessor
    for s, ts, _, r in world.states:
        assert r == world.reachable(s, ts)


def test_pair_categories_and_denominators(study: tuple[Path, Path], world: World) -> None:
    counts: dict[tuple[str, str, str], int] = {}
    for impl, ts, equivalent, same in world.pairs:
        t = world.target[impl]
        if not world.reachable(impl, ts):
            cat = "undefined (unreachable target state)"
        elif not world.cx.get((t, ts, 0)) and not world.cx.get((impl, ts, 0)):
            cat = "both have no complex"
        elif same == "up to ties":
            cat = "phenomenally equivalent up to ties"
        else:
            cat = "phenomenally equivalent" if equivalent else "not phenomenally equivalent"
        key = (world.label(impl), world.kind[impl], cat)
        counts[key] = counts.get(key, 0) + 1
    table = _csv(study[1], "claim_categories")
    got = {(r.formalism, r.kind, r.category): r.pairs for r in table.itertuples() if r.pairs}
    assert got == counts
    assert any(k[2] == "both have no complex" for k in counts)  # the category is exercised
    for r in table.itertuples():
        if r.pairs and r.category != "undefined (unreachable target state)":
            defined = sum(v for (f, k, c), v in counts.items() if (f, k) == (r.formalism, r.kind)
                          and c != "undefined (unreachable target state)")
            assert r.of == defined
            assert (float(r.ci_low), float(r.ci_high)) == pytest.approx(_wilson(r.pairs, defined))


def test_claims_recomputed(study: tuple[Path, Path], world: World) -> None:
    rows = {(r.formalism, r.claim): r for r in _csv(study[1], "claims").itertuples()}
    expect: dict[tuple[str, str], tuple[int, int]] = {}
    # (i): targets in their (reachable) showcase state, one complex of all their units.
    for s in world.systems:
        if world.kind[s] != "target" or not world.showcase[s] or not world.reachable(s, world.showcase[s]):
            continue
        cx = world.cx.get((s, world.showcase[s], 0), [])
        k, n = expect.get((world.label(s), "i"), (0, 0))
        expect[(world.label(s), "i")] = (k + (len(cx) == 1 and len(cx[0][0]) == world.n[s]), n + 1)
    # (ii) and (iii) over the computers' reachable states.
    best: dict[tuple[str, str], float] = {}
    for s, ts, p, _ in world.states:
        if world.kind[s] != "computer" or not world.reachable(s, ts):
            continue
        t = world.target[s]
        mine, theirs = world.cx.get((s, ts, p), []), world.cx.get((t, ts, 0), [])
        inv = {int(u): i for i, u in enumerate(world.target_units[s])}
        flat = [u for us, _, _ in mine for u in us]
        maps = any(set(us) <= inv.keys() and any(sorted(inv[u] for u in us) == sorted(tu) and abs(phi - tphi) < 1e-9
                                                 for tu, tphi, _ in theirs) for us, phi, _ in mine)
        ok = len(flat) == len(set(flat)) and all(len(us) <= world.n[t] for us, _, _ in mine) and not maps
        k, n = expect.get((world.label(s), "ii"), (0, 0))
        expect[(world.label(s), "ii")] = (k + ok, n + 1)
        best[(s, ts)] = max(best.get((s, ts), 0.0), max((b for *_, b in mine), default=0.0))
    for (s, ts), phi in best.items():
        theirs = world.cx.get((world.target[s], ts, 0), [])
        target_phi = max((b for *_, b in theirs), default=0.0)
        if target_phi > 0:
            k, n = expect.get((world.label(s), "iii"), (0, 0))
            expect[(world.label(s), "iii")] = (k + (phi / target_phi <= 0.1), n + 1)
    assert expect[("iit4_2023", "ii")][1] > 16 and expect[("iit4_2023, noise 0.05", "ii")][1] == 1
    assert {c for _, c in expect} == {"i", "ii", "iii"}
    for key, (k, n) in expect.items():
        r = rows[key]
        assert (r.k, r.N) == (k, n), key
        assert (float(r.ci_low), float(r.ci_high)) == pytest.approx(_wilson(k, n)), key
        assert r.holds == ("yes" if k == n else "no")
    sens = _csv(study[1], "sensitivity")
    for r in sens.itertuples():
        for formalism in sens.columns[2:]:
            if (formalism, r.claim) in expect:
                k, n = expect[(formalism, r.claim)]
                assert sens.loc[r.Index, formalism] == f"{'yes' if k == n else 'no'} ({k}/{n})"


def test_samplers_and_fidelity(study: tuple[Path, Path], world: World) -> None:
    samplers = _csv(study[1], "samplers").set_index("family")
    records = [world.info[s]["sampler"] for s in world.systems if "sampler" in world.info[s]]
    assert len(records) == 2 and samplers.loc["sampled3", "kept"] == 2
    draws = sum(r["draws"] for r in records)
    assert samplers.loc["sampled3", "draws"] == draws
    assert samplers.loc["sampled3", "rejected"] == draws - 2
    assert all(r["Phi"] >= 4 for r in records)
    fid = _csv(study[1], "fidelity")
    noisy = [s for s in world.systems if world.verification[s].get("equivalent") == "approximate"]
    assert fid["implementation"].tolist() == noisy and len(noisy) == 1
    rec = world.verification[noisy[0]]["fidelity"]
    assert fid["method"].iloc[0] == rec["method"] == "sampled"
    assert fid["fidelity_min"].iloc[0] == pytest.approx(min(rec["probability"]))
    report = (study[1] / "report.md").read_text()
    assert "### Noisy implementations: approximately equivalent, never equivalent" in report
    # the noisy computer is not counted in (and does not fail) functional equivalence
    exact = sum(world.kind[i] == "computer" and i not in noisy for i, *_ in world.pairs)
    assert f"| functionally equivalent | computer | pairs of exact (noise-free) implementations | {exact}/{exact} | yes |" in report
