"""Fuzzing the two readers of user files: a substrate JSON and a study config either load or raise
the reader's own clean error (InvalidSubstrateError, ConfigError), never anything else (issue 16)."""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.cli import read_substrate
from flows.errors import UsageError
from iitcore import InvalidSubstrateError, Substrate
from pipelines.config import ConfigError, StudyConfig, load_config

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=True) | st.text(max_size=4)
json_values = st.recursive(scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=6), c, max_size=4), max_leaves=24)
bits = st.integers(0, 1)
small_indices = st.lists(st.integers(-1, 3), max_size=4)
tables = st.lists(st.floats(-0.5, 1.5) | bits, max_size=8) | st.lists(st.lists(bits | st.floats(0, 1), max_size=3), max_size=4)
units = st.lists(
    st.dictionaries(st.sampled_from(["inputs", "table", "label", "x"]), small_indices | tables | json_values, max_size=4),
    max_size=4,
)
gates = st.lists(
    st.dictionaries(
        st.sampled_from(["gate", "inputs", "noise", "label", "threshold", "weights", "bias"]),
        st.sampled_from(["AND", "OR", "XOR", "MAJ", "COPY", "NOT", "THRESHOLD", "MUX", "CONST1", "NOPE"])
        | small_indices | st.floats(-1, 2) | json_values,
        max_size=5,
    ),
    max_size=4,
)
substrates = st.dictionaries(
    st.sampled_from(["tpm", "cm", "units", "gates", "labels", "node_labels", "noise"]),
    tables | units | gates | json_values,
    max_size=4,
) | json_values


@FUZZ
@given(substrates)
def test_substrate_json_loads_or_raises_invalid_substrate(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            substrate = Substrate.from_dict(data)
        except InvalidSubstrateError:
            return
    assert isinstance(substrate, Substrate)


@FUZZ
@given(st.binary(max_size=64) | substrates.map(lambda d: json.dumps(d).encode()))
def test_substrate_file_loads_or_raises_an_error_naming_it(content):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "net.json"
        path.write_bytes(content)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                read_substrate(path)
            except (InvalidSubstrateError, UsageError) as exc:
                assert str(exc).startswith(f"{path}: ")


GOOD = {
    "study": "fuzz",
    "store": "fuzz.zarr",
    "families": [{
        "name": "basic", "recipe": "reference:pyphi_basic", "seeds": [0],
        "states": {"select": "given", "values": [[1, 0, 0]]},
        "implementations": [{"kind": "copy", "params": {"seed": 1}}],
    }],
    "analysis": {"levels": ["phi_s", "complexes"], "max_size": 3, "structure_max_size": 4},
    "execution": {"cluster": {"kind": "local", "n_workers": 1}, "batch_size": 10, "retries": 1},
}
PATHS = [
    ("study",), ("store",), ("families",), ("families", 0), ("families", 0, "name"), ("families", 0, "recipe"),
    ("families", 0, "seeds"), ("families", 0, "states"), ("families", 0, "states", "values"),
    ("families", 0, "states", "select"), ("families", 0, "implementations"), ("families", 0, "implementations", 0, "kind"),
    ("analysis",), ("analysis", "levels"), ("analysis", "max_size"), ("analysis", "compat"), ("execution",),
    ("execution", "cluster"), ("execution", "cluster", "n_workers"), ("execution", "batch_size"), ("schedule",),
]


def mutated(path: tuple, value: object) -> dict:
    cfg = json.loads(json.dumps(GOOD))
    here = cfg
    for key in path[:-1]:
        here = here[key]
    here[path[-1]] = value
    return cfg


def load_text(text: str) -> StudyConfig | None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "study.yaml"
        path.write_text(text)
        try:
            return load_config(path)
        except ConfigError as exc:
            assert str(path) in str(exc)
            return None


@FUZZ
@given(st.sampled_from(PATHS), json_values)
def test_config_with_any_value_anywhere_loads_or_raises_config_error(path, value):
    load_text(yaml.safe_dump(mutated(path, value)))


@FUZZ
@given(st.text(max_size=80) | json_values.map(yaml.safe_dump))
def test_any_text_as_config_loads_or_raises_config_error(text):
    load_text(text)
