"""The formalism: every convention a computation follows, as one value.

A :class:`Formalism` names each choice the code makes (clamping, which tied
specified states are searched, tie-breaks at every level, the monad rule,
the IIT 4.0 (2026) intrinsic-information cap and the tie rule). It is
frozen, hashable, validated once at construction, serialisable and has a
stable content hash. Presets:

- ``iit4_2023`` (default): PyPhi main's IIT 4.0 (spec R-main).
- ``pyphi-feature-iit4``: PyPhi's feature/iit-4.0 branch (spec R-feat),
  which produced the project's reference values.
- ``iit4_2026``: PyPhi main's IIT 4.0 (2026) preset, i_diff at the current
  state (Mayner et al. 2026, Eq. 23 as PyPhi main implements it).
- ``iit4_2026-paper``: the same paper's equations as printed, i_diff at
  the specified states (Eqs. 4-6).

``tie_rule="s1"`` replaces enumeration-order tie-breaking by the label-free
rules of the IIT 4.0 supplement S1 (``formalism("iit4_2023", tie_rule="s1")``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from iitcore.errors import IITError


class InvalidFormalismError(IITError):
    """An unknown preset, an unknown field or a field value out of range."""


CHOICES: dict[str, tuple[Any, ...]] = {
    "clamp_phi": (True, False),
    "state_pairs": ("all", "first"),
    "mip_tie_break": ("lexical", "enumeration"),
    "congruence": ("largest_purview", "first", "max_big_phi"),
    "congruence_on_null_sia": (True, False),
    "exclusion_ties": ("big_phi", "candidate_order"),
    "single_units_with_self_loop_have_phi": (True, False),
    "ii_cap": ("none", "current_state", "specified_state"),
    "tie_rule": ("enumeration", "s1"),
}
LIMITS = ("max_tie_alternatives",)  # fields that bound the work, not the result
S1_REQUIRES = {"state_pairs": "all", "congruence": "max_big_phi", "congruence_on_null_sia": True,
               "exclusion_ties": "big_phi"}


@dataclass(frozen=True)
class Formalism:
    """Every convention of an IIT computation (see the module docstring for the presets).

    - ``clamp_phi``: apply ``|x|+`` to phi before ties are compared (system
      and mechanism level); ``SIA.phi`` is never negative, the raw value is
      ``SIA.signed_phi`` either way.
    - ``state_pairs``: the system's tied specified states: ``"all"`` searches
      every (cause, effect) pair and keeps the largest phi_s, ``"first"``
      takes the first tied state per direction (little-endian order).
    - ``mip_tie_break``: among MIPs tied in normalised phi and phi, the
      smallest cut matrix as bytes (``"lexical"``) or the first enumerated.
    - ``congruence``: which congruent tied (purview, state) a distinction
      takes: the winner's congruent state, else ``"largest_purview"`` or the
      ``"first"`` congruent tie; ``"max_big_phi"``: the congruent state of
      each purview, and across purviews the joint choice that maximises Phi.
    - ``congruence_on_null_sia``: filter distinctions by congruence also when
      the SIA is null (short-circuited), with its first tied states.
    - ``exclusion_ties``: overlapping candidates tied in phi_s are resolved
      by Phi (``"big_phi"``: unique largest wins, a tie in Phi excludes them
      all) or taken in candidate order.
    - ``single_units_with_self_loop_have_phi``: a one-unit system with a
      self-loop is evaluated (else it has phi_s = 0 and is not a candidate).
    - ``ii_cap``: the 2026 cap phi_s <= ii, ii_d = min(i_spec_d, i_diff_d):
      ``"none"`` (2023), ``"current_state"`` (PyPhi main: i_diff at the
      current state), ``"specified_state"`` (the paper's Eqs. 4-6).
    - ``tie_rule``: ``"enumeration"`` settles remaining ties by the
      reference's enumeration order (label-dependent); ``"s1"`` by the
      supplement S1 rules (label-free): tied system states by Phi (tied in
      Phi with structures that differ beyond an automorphism: not a complex).
      ``"s1"`` requires ``state_pairs="all"``, ``congruence="max_big_phi"``,
      ``congruence_on_null_sia=True`` and ``exclusion_ties="big_phi"``
      (:func:`formalism` sets them when it is given ``tie_rule="s1"``).
    - ``max_tie_alternatives``: exact S1 resolution enumerates joint choices
      of tied distinctions; more than this many is an error.
    """

    name: str = "iit4_2023"
    clamp_phi: bool = True
    state_pairs: str = "all"
    mip_tie_break: str = "lexical"
    congruence: str = "largest_purview"
    congruence_on_null_sia: bool = True
    exclusion_ties: str = "big_phi"
    single_units_with_self_loop_have_phi: bool = True
    ii_cap: str = "none"
    tie_rule: str = "enumeration"
    max_tie_alternatives: int = 100_000

    def __post_init__(self) -> None:
        if self.name not in PRESETS_FIELDS:
            raise InvalidFormalismError(f"unknown formalism {self.name!r}; presets: {', '.join(FORMALISMS)}")
        for f, allowed in CHOICES.items():
            value = getattr(self, f)
            if not any(value == a and type(value) is type(a) for a in allowed):
                raise InvalidFormalismError(
                    f"formalism field {f!r} must be one of {', '.join(map(repr, allowed))}; got {value!r}"
                )
        n = self.max_tie_alternatives
        if type(n) is not int or n < 1:
            raise InvalidFormalismError(f"formalism field 'max_tie_alternatives' must be a positive integer; got {n!r}")
        if self.tie_rule == "s1":
            for f, needed in S1_REQUIRES.items():
                if getattr(self, f) != needed:
                    raise InvalidFormalismError(
                        f"formalism field {f!r} must be {needed!r} with tie_rule='s1'; got {getattr(self, f)!r}"
                    )

    def fields(self) -> dict[str, Any]:
        """The choices (every field but ``name``)."""
        d = asdict(self)
        d.pop("name")
        return d

    def overrides(self) -> dict[str, Any]:
        """The fields that differ from the preset ``name``."""
        base = PRESETS_FIELDS[self.name]
        return {k: v for k, v in self.fields().items() if base[k] != v}

    @property
    def label(self) -> str:
        """The preset name, then the overridden fields if any (not those S1 implies): ``iit4_2023[tie_rule=s1]``."""
        extra = self.overrides()
        if self.tie_rule == "s1":
            extra = {k: v for k, v in extra.items() if k not in S1_REQUIRES}
        if not extra:
            return self.name
        return f"{self.name}[{','.join(f'{k}={_text(v)}' for k, v in sorted(extra.items()))}]"

    def content_hash(self) -> str:
        """A stable hash of the choices (neither the name nor the limits are part of it)."""
        choices = {k: v for k, v in self.fields().items() if k not in LIMITS}
        text = json.dumps(choices, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """``name``, ``label``, ``hash`` and every field (plain, JSON-serialisable)."""
        return {"name": self.name, "label": self.label, "hash": self.content_hash(), **self.fields()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Formalism:
        """Rebuild from :meth:`to_dict` output (fields not given take the preset's value)."""
        body = {k: v for k, v in data.items() if k not in ("label", "hash")}
        name = body.pop("name", "iit4_2023")
        return formalism(name, **body)


def _text(v: Any) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


PRESETS_FIELDS: dict[str, dict[str, Any]] = {}
_DEFAULTS = {f.name: f.default for f in fields(Formalism) if f.name != "name"}
PRESETS_FIELDS["iit4_2023"] = dict(_DEFAULTS)
PRESETS_FIELDS["pyphi-feature-iit4"] = dict(
    _DEFAULTS, clamp_phi=False, state_pairs="first", mip_tie_break="enumeration", congruence="first",
    congruence_on_null_sia=False, exclusion_ties="candidate_order",
)
PRESETS_FIELDS["iit4_2026"] = dict(_DEFAULTS, ii_cap="current_state")
PRESETS_FIELDS["iit4_2026-paper"] = dict(_DEFAULTS, ii_cap="specified_state")
FORMALISMS: tuple[str, ...] = tuple(PRESETS_FIELDS)
DEFAULT = "iit4_2023"


def formalism(name: str = DEFAULT, **overrides: Any) -> Formalism:
    """The preset ``name`` with some fields overridden.

    ``tie_rule="s1"`` also sets the fields S1 needs (unless given):
    ``formalism("iit4_2026", tie_rule="s1")``.
    """
    if not isinstance(name, str) or name not in PRESETS_FIELDS:
        raise InvalidFormalismError(f"unknown formalism {name!r}; presets: {', '.join(FORMALISMS)}")
    unknown = sorted(set(overrides) - set(_DEFAULTS))
    if unknown:
        raise InvalidFormalismError(
            f"unknown formalism field {unknown[0]!r}; fields: {', '.join(_DEFAULTS)}"
        )
    chosen = dict(PRESETS_FIELDS[name])
    if overrides.get("tie_rule") == "s1":
        chosen.update(S1_REQUIRES)
    chosen.update(overrides)
    return Formalism(name, **chosen)


def formalism_from_label(text: str) -> Formalism:
    """Parse a :attr:`Formalism.label`: a preset name, optionally ``[field=value,...]``
    (``true``/``false`` for booleans): ``"iit4_2026[tie_rule=s1]"``."""
    name, _, rest = text.strip().partition("[")
    overrides: dict[str, Any] = {}
    if rest:
        if not rest.endswith("]"):
            raise InvalidFormalismError(f"formalism {text!r}: expected NAME or NAME[field=value,...]")
        for item in filter(None, (p.strip() for p in rest[:-1].split(","))):
            key, sep, value = (x.strip() for x in item.partition("="))
            if not sep:
                raise InvalidFormalismError(f"formalism {text!r}: {item!r} is not field=value")
            overrides[key] = _value(value)
    return formalism(name.strip(), **overrides)


def _value(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    return int(text) if text.isdigit() else text


def as_formalism(value: str | Formalism | None) -> Formalism:
    """A :class:`Formalism` from a preset name, a formalism, or None (the default)."""
    if isinstance(value, Formalism):
        return value
    if value is None:
        return _PRESETS[DEFAULT]
    if isinstance(value, str) and value in _PRESETS:
        return _PRESETS[value]
    raise InvalidFormalismError(f"unknown formalism {value!r}; presets: {', '.join(FORMALISMS)}")


_PRESETS = {name: formalism(name) for name in FORMALISMS}
