"""Package data agrees with the recorded reference file, and is found without a source checkout."""

from __future__ import annotations

import hashlib

from pipelines.config import load_cluster_profile, packaged_profile
from pipelines.families import reference_networks
from pipelines.families.targets import DEFAULT_REFERENCE
from tests.reference import REFERENCE_FILE, networks


def test_packaged_networks_are_the_reference_networks():
    packaged = reference_networks()
    assert [n["name"] for n in networks()] == list(packaged)
    for net in networks():
        mine = packaged[net["name"]]
        for key in ("tpm", "cm", "node_labels", "state", "category"):
            assert mine[key] == net[key], (net["name"], key)


def test_packaged_networks_record_the_reference_file_they_come_from():
    import json

    source = json.loads(DEFAULT_REFERENCE.read_text())["source"]
    assert source["sha256"] == hashlib.sha256(REFERENCE_FILE.read_bytes()).hexdigest()
    assert "pipelines" in DEFAULT_REFERENCE.parts and "shared" not in DEFAULT_REFERENCE.parts


def test_packaged_cluster_profiles_load():
    for name in ("local", "slurm", "pbs", "kubernetes", "scheduler"):
        assert load_cluster_profile(packaged_profile(name)).kind
