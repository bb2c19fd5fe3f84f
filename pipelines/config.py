"""Study configuration: a typed schema read from YAML as data (never as code).

Unknown keys and bad values raise :class:`ConfigError` naming the file and the
key. A study's identity is :func:`study_hash`: a content hash of everything
that changes what is computed or how the store is laid out (families, states,
analysis, batch size), but not of where or on what it runs.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

import iitcore
from pipelines.hashing import content_hash


class ConfigError(ValueError):
    """A study or cluster config that cannot be used; the message names file and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# ------------------------------------------------------------------ clusters
class TLS(_Strict):
    """TLS files for the Dask scheduler, workers and client (``tls://`` addresses)."""

    ca_file: str
    cert: str
    key: str
    require_encryption: bool = True


class LocalCluster(_Strict):
    kind: Literal["local"] = "local"
    n_workers: int = Field(2, ge=1)
    threads_per_worker: int = Field(1, ge=1)
    memory_limit: str = "auto"
    host: str = "127.0.0.1"
    dashboard_address: str = "127.0.0.1:8787"


class ExistingScheduler(_Strict):
    kind: Literal["address"]
    address: str
    tls: TLS | None = None


class JobqueueCluster(_Strict):
    kind: Literal["slurm", "pbs"]
    jobs: int = Field(1, ge=1)
    cores: int = Field(1, ge=1)
    processes: int = Field(1, ge=1)
    memory: str = "4GB"
    walltime: str = "01:00:00"
    queue: str | None = None
    account: str | None = None
    interface: str | None = None
    dashboard_address: str | None = None
    local_directory: str | None = None
    log_directory: str | None = None
    job_extra_directives: list[str] = []
    job_script_prologue: list[str] = []
    tls: TLS | None = None


class KubernetesCluster(_Strict):
    kind: Literal["kubernetes"]
    name: str = "iitstudies"
    image: str = "ghcr.io/dask/dask:latest"
    n_workers: int = Field(2, ge=0)
    namespace: str | None = None
    resources: dict[str, dict[str, str]] = {}
    env: dict[str, str] = {}
    tls: TLS | None = None


ClusterSpec = Annotated[
    LocalCluster | ExistingScheduler | JobqueueCluster | KubernetesCluster,
    Field(discriminator="kind"),
]


class ClusterProfile(_Strict):
    """A cluster profile file (packaged in ``pipelines/profiles/``, or ``clusters/*.yaml`` beside a config)."""

    cluster: ClusterSpec


# ------------------------------------------------------------------ studies
class SeedRange(_Strict):
    start: int = 0
    count: int = Field(ge=1)


class ImplementationSpec(_Strict):
    kind: Literal["computer", "unfolding", "copy", "ring_computer"]
    params: dict[str, Any] = {}


class States(_Strict):
    """Which target states to analyse: listed, every state, every reachable one, a sample, or the recipe's showcase."""

    select: Literal["given", "all", "reachable", "sampled", "showcase"] = "given"
    values: list[list[int]] = []
    count: int | None = Field(None, ge=1)
    seed: int = 0

    @field_validator("values")
    @classmethod
    def _binary(cls, v: list[list[int]]) -> list[list[int]]:
        for s in v:
            if any(x not in (0, 1) for x in s):
                raise ValueError(f"states must contain only 0 and 1, got {s}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "States":
        if self.select == "given" and not self.values:
            raise ValueError("select: given needs a non-empty 'values' list of states")
        if self.select != "given" and self.values:
            raise ValueError(f"'values' is only used with select: given (here select: {self.select})")
        if self.select == "sampled" and self.count is None:
            raise ValueError("select: sampled needs 'count'")
        return self


class Family(_Strict):
    """Targets from one recipe (one per seed), each with its implementations."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    recipe: str
    params: dict[str, Any] = {}
    seeds: list[int] | SeedRange = [0]
    states: States
    implementations: list[ImplementationSpec] = []
    phases: Literal["encoded", "all"] | None = None  # overrides analysis.phases for this family

    def seed_list(self) -> list[int]:
        if isinstance(self.seeds, SeedRange):
            return list(range(self.seeds.start, self.seeds.start + self.seeds.count))
        return list(self.seeds)


Level = Literal["phi_s", "complexes", "phi_structure"]
FormalismSpec = str | dict[str, Any]  # a preset (optionally NAME[field=value,...]) or {preset: NAME, <field>: value}


def to_formalism(spec: FormalismSpec) -> iitcore.Formalism:
    """The iitcore formalism a config value describes (``InvalidFormalismError`` names the problem)."""
    if isinstance(spec, str):
        return iitcore.formalism_from_label(spec)
    fields = dict(spec)
    if not all(isinstance(k, str) for k in fields):
        raise iitcore.InvalidFormalismError(f"formalism fields must be names, got {sorted(map(repr, fields))}")
    if "preset" not in fields:
        raise iitcore.InvalidFormalismError(f"a formalism mapping needs 'preset' (one of {', '.join(iitcore.FORMALISMS)})")
    return iitcore.formalism(str(fields.pop("preset")), **fields)


class Analysis(_Strict):
    """What to compute: whole-system phi_s, complexes, and Phi-structures of complexes, under which formalisms.

    ``formalism``: one formalism (default ``iit4_2023``); ``formalisms``: several, each
    analysed in full (a sensitivity panel: every result table has a ``formalism`` coordinate).
    """

    levels: list[Level] = ["phi_s", "complexes"]
    max_size: int | None = Field(None, ge=1)
    formalism: FormalismSpec | None = None
    formalisms: list[FormalismSpec] | None = Field(None, min_length=1)
    candidates: Literal["embedded", "isolated"] = "embedded"  # isolated: the Findlay et al. 2024 method
    structure_max_size: int = Field(4, ge=1)
    phases: Literal["encoded", "all"] = "encoded"

    @model_validator(mode="after")
    def _levels(self) -> "Analysis":
        if not self.levels:
            raise ValueError("levels must name at least one of phi_s, complexes, phi_structure")
        if "phi_structure" in self.levels and "complexes" not in self.levels:
            raise ValueError("level phi_structure needs level complexes")
        return self

    @field_validator("formalism")
    @classmethod
    def _formalism(cls, v: FormalismSpec | None) -> FormalismSpec | None:
        if v is not None:
            to_formalism(v)  # raises a ValueError naming the field or preset
        return v

    @field_validator("formalisms")
    @classmethod
    def _formalisms(cls, v: list[FormalismSpec] | None) -> list[FormalismSpec] | None:
        if v is None:
            return v
        seen: dict[str, str] = {}
        for i, spec in enumerate(v):
            try:
                f = to_formalism(spec)
            except iitcore.InvalidFormalismError as exc:
                raise ValueError(f"entry {i}: {exc}") from None
            if f.content_hash() in seen:
                raise ValueError(f"entry {i} ({f.label}) makes the same choices as {seen[f.content_hash()]}")
            seen[f.content_hash()] = f.label
        return v

    @model_validator(mode="after")
    def _one_way(self) -> "Analysis":
        if self.formalism is not None and self.formalisms is not None:
            raise ValueError("give either formalism or formalisms, not both")
        return self

    def formalism_values(self) -> tuple[iitcore.Formalism, ...]:
        """The formalisms analysed, in config order."""
        specs = self.formalisms if self.formalisms is not None else [self.formalism or iitcore.FORMALISMS[0]]
        return tuple(to_formalism(s) for s in specs)


class Execution(_Strict):
    """How work is cut and run: candidates per Dask task, retries of the candidates stage."""

    cluster: str | ClusterSpec = "local"
    batch_size: int = Field(200, ge=1, le=100_000)
    retries: int = Field(2, ge=0)


class StudyConfig(_Strict):
    study: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    store: str
    families: list[Family] = Field(min_length=1)
    analysis: Analysis = Analysis()
    execution: Execution = Execution()
    schedule: str | None = None

    @model_validator(mode="after")
    def _unique_families(self) -> "StudyConfig":
        names = [f.name for f in self.families]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"family names must be unique: {dupes}")
        return self


# ------------------------------------------------------------------ loading
class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML (plain data only) that also rejects a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from exc
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc


def _key_path(data: Any, loc: tuple[Any, ...], missing: bool) -> tuple[str, bool]:
    """The dotted key of an error location, without pydantic's union-branch names.

    The flag is false for errors about a scalar alternative (``str``) of a union
    when the value given is a mapping: those only repeat the real error.
    """
    keys: list[str] = []
    here = data
    for i, part in enumerate(loc):
        if isinstance(here, dict) and part in here or isinstance(here, list) and isinstance(part, int):
            keys.append(str(part))
            here = here[part] if isinstance(here, dict) or part < len(here) else None
        elif part in ("str", "int"):
            return ".".join(keys), not isinstance(here, (dict, list))
        elif missing and i == len(loc) - 1:
            keys.append(str(part))
    return ".".join(keys), True


def _explain(path: Path, data: Any, exc: ValidationError) -> ConfigError:
    lines: list[str] = []
    for err in exc.errors():
        key, relevant = _key_path(data, tuple(err["loc"]), err["type"] == "missing")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (not part of the schema)"
        elif err["type"] == "missing" or isinstance(err.get("input"), (dict, list)):
            msg = err["msg"]
        else:
            msg = f"{err['msg']}, got {err['input']!r}"
        line = f"{path}: key '{key or '<top>'}': {msg}"
        if relevant and line not in lines:
            lines.append(line)
    return ConfigError("\n".join(lines))


def load_cluster_profile(path: str | Path) -> ClusterSpec:
    """Read a cluster profile file."""
    p = Path(path)
    data = _read_yaml(p)
    try:
        return ClusterProfile.model_validate(data).cluster
    except ValidationError as exc:
        raise _explain(p, data, exc) from None


def load_config(path: str | Path) -> StudyConfig:
    """Read and validate a study config; a named cluster profile is read here, once, into ``execution.cluster``."""
    p = Path(path)
    data = _read_yaml(p)
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: a study config must be a mapping of keys, got {type(data).__name__}")
    try:
        cfg = StudyConfig.model_validate(data)
    except ValidationError as exc:
        raise _explain(p, data, exc) from None
    return with_cluster(cfg, resolve_cluster(cfg, p))


def packaged_profile(name: str) -> Path:
    """Where the packaged cluster profile ``name`` is (it may not exist)."""
    return Path(str(files("pipelines").joinpath("profiles", f"{name}.yaml")))


def cluster_profile(name: str, config_path: Path | None, option: str = "key 'execution.cluster'") -> ClusterSpec:
    """The cluster profile ``name``: ``clusters/NAME.yaml`` beside the config, the file NAME, or a packaged profile.

    ``option`` names where the name was given, for the error when there is no such profile.
    """
    candidates = [Path(name), packaged_profile(name)]
    if config_path is not None:
        candidates.insert(0, config_path.parent / "clusters" / f"{name}.yaml")
    for c in candidates:
        if c.is_file():
            return load_cluster_profile(c)
    if name == "local":
        return LocalCluster()
    where = config_path or "<config>"
    raise ConfigError(
        f"{where}: {option}: no cluster profile {name!r} (looked for {', '.join(str(c) for c in candidates)})"
    )


def resolve_cluster(cfg: StudyConfig, config_path: Path | None) -> ClusterSpec:
    """The cluster spec: inline, or a profile (see :func:`cluster_profile`)."""
    spec = cfg.execution.cluster
    return spec if not isinstance(spec, str) else cluster_profile(spec, config_path)


def with_cluster(cfg: StudyConfig, spec: ClusterSpec) -> StudyConfig:
    """The config with ``execution.cluster`` replaced (the study, and its hash, stay the same)."""
    return cfg.model_copy(update={"execution": cfg.execution.model_copy(update={"cluster": spec})})


def study_hash(cfg: StudyConfig) -> str:
    """Content hash of what the study computes and how its store is laid out."""
    return content_hash({
        "study": cfg.study,
        "families": [f.model_dump(mode="json") for f in cfg.families],
        "analysis": cfg.analysis.model_dump(mode="json", exclude={"formalism", "formalisms"}),
        "formalisms": [f.to_dict() for f in cfg.analysis.formalism_values()],
        "batch_size": cfg.execution.batch_size,
    }, digits=16)
