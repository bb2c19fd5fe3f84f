"""Study configs: the shipped ones validate; bad ones fail naming the file and the key."""

from pathlib import Path

import pytest

from pipelines.config import ConfigError, load_cluster_profile, load_config, study_hash

REPO = Path(__file__).resolve().parents[1]
GOOD = """\
study: tiny
store: tiny.zarr
families:
  - name: basic
    recipe: reference:pyphi_basic
    states: {select: given, values: [[1, 0, 0]]}
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "study.yaml"
    p.write_text(text)
    return p


@pytest.mark.parametrize("name", ["quickstart.yaml", "computer-vs-target.yaml", "flagship-quick.yaml"])
def test_shipped_configs_validate(name):
    cfg = load_config(REPO / "configs" / name)
    assert cfg.families


def test_full_study_has_100_targets_per_size_each_with_a_computer():
    cfg = load_config(REPO / "configs" / "computer-vs-target.yaml")
    per_size: dict[int, int] = {}
    for f in cfg.families:
        n = f.params.get("n", f.params.get("base_params", {}).get("n"))
        if n is not None and f.phases is None:
            per_size[n] = per_size.get(n, 0) + len(f.seed_list())
        assert "computer" in [i.kind for i in f.implementations]
    assert sorted(per_size) == [3, 4, 5] and min(per_size.values()) >= 100
    assert {f.name: f.phases for f in cfg.families}["pqrs"] == "all"
    noise = sorted(f.params["noise"] for f in cfg.families if f.params.get("noise"))
    assert noise == [0.01, 0.05, 0.1]


def test_quickstart_has_a_reference_network():
    cfg = load_config(REPO / "configs" / "quickstart.yaml")
    assert any(f.recipe.startswith("reference:") for f in cfg.families)


@pytest.mark.parametrize("profile", sorted((REPO / "pipelines" / "profiles").glob("*.yaml")), ids=lambda p: p.stem)
def test_cluster_profiles_validate(profile):
    spec = load_cluster_profile(profile)
    if spec.kind == "local":
        assert spec.host == "127.0.0.1" and spec.dashboard_address.startswith("127.0.0.1:")


@pytest.mark.parametrize(
    ("edit", "key", "words"),
    [
        (GOOD + "colour: red\n", "colour", "unknown key"),
        (GOOD + "analysis: {max_size: 0}\n", "analysis.max_size", "greater than or equal to 1"),
        (GOOD + "analysis: {levels: [phi_s, vibes]}\n", "analysis.levels.1", "Input should be"),
        (GOOD + "execution: {batch_size: lots}\n", "execution.batch_size", "valid integer"),
        (GOOD + "execution: {cluster: {kind: local, port: 1}}\n", "execution.cluster.port", "unknown key"),
        (GOOD + "execution: {cluster: {kind: cloud}}\n", "execution.cluster", "does not match"),
        (GOOD.replace("select: given, values: [[1, 0, 0]]", "select: given, values: [[1, 2, 0]]"),
         "families.0.states.values", "only 0 and 1"),
        (GOOD.replace("    recipe: reference:pyphi_basic\n", ""), "families.0.recipe", "Field required"),
        (GOOD + "execution: {cluster: no-such-profile}\n", "execution.cluster", "no cluster profile"),
    ],
)
def test_bad_values_name_file_and_key(tmp_path, edit, key, words):
    path = write(tmp_path, edit)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    msg = str(info.value)
    assert str(path) in msg and f"key '{key}'" in msg and words in msg


def test_yaml_is_parsed_as_data_only(tmp_path):
    path = write(tmp_path, '!!python/object/apply:os.system ["touch pwned"]\n')
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)
    assert not Path("pwned").exists()


def test_duplicate_keys_and_missing_files_are_errors(tmp_path):
    with pytest.raises(ConfigError, match="appears twice"):
        load_config(write(tmp_path, GOOD + "store: other.zarr\n"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")


def test_study_hash_ignores_where_it_runs_but_not_what_it_computes(tmp_path):
    base = study_hash(load_config(write(tmp_path, GOOD)))
    elsewhere = GOOD.replace("store: tiny.zarr", "store: elsewhere.zarr") + "execution: {retries: 5}\n"
    assert study_hash(load_config(write(tmp_path, elsewhere))) == base
    assert study_hash(load_config(write(tmp_path, GOOD + "analysis: {max_size: 2}\n"))) != base
