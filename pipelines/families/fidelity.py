"""Noisy implementations: gates that flip with probability epsilon, and their fidelity.

A noisy implementation is not functionally equivalent to its target, only
approximately. Its *fidelity* in target state s is the probability that one
cycle (K ticks) from enc(s) ends exactly in enc(f(s)), with f the noise-free
target map. It is computed

- ``exact``: by propagating the full distribution over the implementation's
  2^m states for K ticks (only for m <= ``EXACT_MAX_UNITS``), or
- ``sampled``: by simulating ``samples`` independent noisy runs per target
  state; each estimate comes with its Wilson interval.

The record always says which (``method``). Beside it, the *register
fidelity*: the probability that the units holding the target (registers,
copies, last layer) read f(s) after the cycle, whatever the rest holds. Externally driven units (the
unfolding's input layer) are held at their driven value, as in verification.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pipelines.families.errors import FamilyError
from pipelines.families.ids import content_id
from pipelines.families.reachability import state_index
from pipelines.families.simulate import Stepper, all_states
from pipelines.families.targets import Target, make_target
from pipelines.families.verify import Implementation
from pipelines.stats import wilson

EXACT_MAX_UNITS = 10
SAMPLES = 2000
ROWS_PER_CHUNK = 4096


@dataclass(frozen=True)
class Fidelity:
    """Per target state (little-endian order): the probability of a correct cycle, with its interval."""

    epsilon: float
    method: str  # "exact" or "sampled"
    samples: int  # per target state (0 for exact)
    probability: np.ndarray
    low: np.ndarray
    high: np.ndarray
    register_probability: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        worst = int(np.argmin(self.probability))
        return {
            "epsilon": self.epsilon,
            "method": self.method,
            "samples_per_state": self.samples,
            "probability": self.probability.tolist(),
            "low": self.low.tolist(),
            "high": self.high.tolist(),
            "min": float(self.probability[worst]),
            "min_low": float(self.low[worst]),
            "min_high": float(self.high[worst]),
            "mean": float(self.probability.mean()),
            "register_probability": self.register_probability.tolist(),
            "register_min": float(self.register_probability.min()),
        }

    def text(self) -> str:
        """'fidelity >= ... (exact)' or with the sampled interval of the worst state."""
        d = self.to_dict()
        if self.method == "exact":
            return f"fidelity {d['min']:.4g} in the worst state, mean {d['mean']:.4g}, registers {d['register_min']:.4g} (exact)"
        return (f"fidelity {d['min']:.4g} in the worst state (95% CI {d['min_low']:.4g}-{d['min_high']:.4g}), "
                f"mean {d['mean']:.4g}, registers {d['register_min']:.4g} (sampled, {self.samples} runs per state)")


def add_gate_noise(impl: Implementation, epsilon: float) -> Implementation:
    """``impl`` with every (not externally driven) unit's output flipped with probability ``epsilon``."""
    if not 0.0 <= epsilon <= 0.5:
        raise FamilyError(f"gate noise epsilon must be in [0, 0.5], got {epsilon}")
    sub = impl.substrate
    driven = set(impl.driven_units)
    tables = tuple(t if j in driven else t * (1.0 - epsilon) + (1.0 - t) * epsilon for j, t in enumerate(sub.tables))
    params = {**impl.params, "gate_noise": epsilon}
    return replace(
        impl,
        id=content_id(impl.kind, {"target": impl.target_id, "kind": impl.kind, "params": params}),
        params=params,
        substrate=type(sub)(sub.inputs, tables, sub.labels),
        nominal=impl.nominal or sub,
    )


def _endpoints(impl: Implementation, target: Target) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Encodings of every target state s, of f(s), and the driven values (or None)."""
    states = all_states(target.n)
    successors = Stepper(target.substrate).step(states)
    drive = impl.driver(states) if impl.driver is not None else None
    return impl.encoder(states), impl.encoder(successors), drive


def _exact(impl: Implementation, start: np.ndarray, goal: np.ndarray,
           drive: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    m = impl.substrate.n
    states = all_states(m)
    p_on = Stepper(impl.substrate, impl.driven_units).probabilities(states)  # (2^m, m)
    driven = list(impl.driven_units)
    registers = list(impl.target_units)
    out, reg = np.empty(len(start)), np.empty(len(start))
    for r in range(len(start)):
        p = p_on.copy()
        if drive is not None:
            p[:, driven] = drive[r]
        transition = np.where(states[None, :, :] == 1, p[:, None, :], 1.0 - p[:, None, :]).prod(axis=2)
        v = np.zeros(1 << m)
        v[int(state_index(start[r : r + 1])[0])] = 1.0
        for _ in range(impl.cycle_length):
            v = v @ transition
        out[r] = v[int(state_index(goal[r : r + 1])[0])]
        reg[r] = v[(states[:, registers] == goal[r, registers]).all(axis=1)].sum()
    return out, reg


def _sampled(impl: Implementation, start: np.ndarray, goal: np.ndarray, drive: np.ndarray | None,
             samples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    stepper = Stepper(impl.substrate, impl.driven_units)
    driven = list(impl.driven_units)
    registers = list(impl.target_units)
    hits = np.zeros(len(start), dtype=np.int64)
    reg_hits = np.zeros(len(start), dtype=np.int64)
    rows = np.repeat(np.arange(len(start)), samples)
    for lo in range(0, len(rows), ROWS_PER_CHUNK):
        r = rows[lo : lo + ROWS_PER_CHUNK]
        x = start[r].astype(np.int8)
        for _ in range(impl.cycle_length):
            x = (rng.random(x.shape) < stepper.probabilities(x)).astype(np.int8)
            if drive is not None:
                x[:, driven] = drive[r]
        np.add.at(hits, r, (x == goal[r]).all(axis=1))
        np.add.at(reg_hits, r, (x[:, registers] == goal[r][:, registers]).all(axis=1))
    return hits, reg_hits


def fidelity(impl: Implementation, target: Target, *, samples: int = SAMPLES, seed: int = 0,
             exact_max_units: int = EXACT_MAX_UNITS) -> Fidelity:
    """Fidelity of a (noisy) implementation in every target state; exact when it has few units, else sampled."""
    if not target.deterministic:
        raise FamilyError("fidelity is defined against a deterministic target map f")
    epsilon = float(impl.params.get("gate_noise", 0.0))
    start, goal, drive = _endpoints(impl, target)
    if impl.substrate.n <= exact_max_units:
        p, reg = _exact(impl, start, goal, drive)
        return Fidelity(epsilon, "exact", 0, p, p.copy(), p.copy(), reg)
    if samples < 1:
        raise FamilyError(f"fidelity: samples must be >= 1, got {samples}")
    hits, reg_hits = _sampled(impl, start, goal, drive, samples, np.random.default_rng(seed))
    intervals = [wilson(int(h), samples) for h in hits]
    return Fidelity(epsilon, "sampled", samples, hits / samples,
                    np.array([i.low for i in intervals]), np.array([i.high for i in intervals]), reg_hits / samples)


def noise_free(target: Target) -> Target:
    """The deterministic target a noisy one was made from (its recipe with ``noise`` 0)."""
    if target.deterministic:
        return target
    if not target.params.get("noise"):
        raise FamilyError(f"target {target.id} is probabilistic by recipe; a noisy implementation needs a map f")
    return make_target(target.recipe, {**target.params, "noise": 0.0}, target.seed)


def noisy_implementation(impl: Implementation, target: Target, epsilon: float, *, samples: int = SAMPLES,
                         seed: int = 0) -> Implementation:
    """The implementation with gate noise ``epsilon``, its fidelity as its (approximate) verification record.

    ``impl`` implements the noise-free map of ``target`` (``target`` itself, or
    the deterministic target a noisy one was made from); the result belongs to ``target``.
    """
    base = noise_free(target)
    noisy = replace(add_gate_noise(impl, epsilon), target_id=target.id)
    noisy = replace(noisy, id=content_id(impl.kind, {"target": target.id, "kind": impl.kind, "params": noisy.params}))
    fid = fidelity(noisy, base, samples=samples, seed=seed)
    record = {
        "verified": False,
        "equivalent": "approximate",
        "method": f"fidelity of one cycle from enc(s) to enc(f(s)), {fid.method}",
        "fidelity": fid.to_dict(),
        "summary": f"approximately equivalent ({fid.text()})",
        "noise_free": dict(impl.verification),
        "states_checked": int(1 << target.n),
        "ticks_per_cycle": impl.cycle_length,
    }
    return replace(noisy, verification=record)
