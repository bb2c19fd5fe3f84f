"""Cluster profiles become real Dask cluster specs (checked offline: job scripts, Kubernetes spec)."""

from pathlib import Path

import pytest
from distributed.security import Security

from pipelines.executor import jobqueue_cluster, kubernetes_spec
from pipelines.config import load_cluster_profile

CLUSTERS = Path(__file__).resolve().parents[1] / "pipelines" / "profiles"


@pytest.fixture
def tls_files(tmp_path):
    """Throw-away CA, certificate and key files."""
    sec = Security.temporary()
    files = {}
    for name, pem in (("ca_file", sec.tls_ca_file), ("cert", sec.tls_scheduler_cert), ("key", sec.tls_scheduler_key)):
        files[name] = str(tmp_path / f"{name}.pem")
        Path(files[name]).write_text(pem)
    return files


@pytest.mark.parametrize(("profile", "directive"), [("slurm", "#SBATCH"), ("pbs", "#PBS")])
def test_jobqueue_job_script_uses_tls(profile, directive, tls_files):
    pytest.importorskip("dask_jobqueue")
    spec = load_cluster_profile(CLUSTERS / f"{profile}.yaml")
    spec = spec.model_copy(update={"interface": "lo", "tls": spec.tls.model_copy(update=tls_files)})
    cluster = jobqueue_cluster(spec)
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert directive in script and "04:00:00" in script
    assert "tls://127.0.0.1" in script and "--tls-ca-file" in script
    assert "--nworkers 8" in script and "--nthreads 1" in script


def test_kubernetes_spec():
    pytest.importorskip("dask_kubernetes")
    spec = kubernetes_spec(load_cluster_profile(CLUSTERS / "kubernetes.yaml"))
    assert spec["kind"] == "DaskCluster"
    worker = spec["spec"]["worker"]
    assert worker["replicas"] == 8
    container = worker["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/example/iitstudies:latest"
    assert container["resources"]["limits"]["memory"] == "4Gi"
