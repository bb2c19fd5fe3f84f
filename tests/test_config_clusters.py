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


@pytest.mark.parametrize(("profile", "directive"), [("slurm-hpc", "#SBATCH"), ("pbs", "#PBS")])
def test_jobqueue_job_script_uses_tls(profile, directive, tls_files):
    pytest.importorskip("dask_jobqueue")
    spec = load_cluster_profile(CLUSTERS / f"{profile}.yaml")
    spec = spec.model_copy(update={"interface": "lo", "dashboard_address": "127.0.0.1:0", "tls": spec.tls.model_copy(update=tls_files)})
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


def test_slurm_profile_fits_a_single_node_slurm(tmp_path):
    pytest.importorskip("dask_jobqueue")
    spec = load_cluster_profile(CLUSTERS / "slurm.yaml")
    spec = spec.model_copy(update={"log_directory": str(tmp_path)})
    cluster = jobqueue_cluster(spec)
    try:
        script = cluster.job_script()
        dashboard = cluster.dashboard_link
    finally:
        cluster.close()
    assert spec.jobs == 2 and "#SBATCH --cpus-per-task=1" in script and "--nthreads 1" in script
    assert "tcp://127.0.0.1:" in script and "#SBATCH -p" not in script and "#SBATCH -A" not in script
    assert f"#SBATCH -e {tmp_path}/dask-worker-%J.err" in script
    assert dashboard.startswith("http://127.0.0.1:")


def test_cluster_option_names_a_profile_or_fails_in_one_line(tmp_path, capsys):
    from flows.cli import main
    from pipelines.config import cluster_profile

    assert cluster_profile("slurm", None) == load_cluster_profile(CLUSTERS / "slurm.yaml")
    (tmp_path / "clusters").mkdir()
    (tmp_path / "clusters" / "mine.yaml").write_text("cluster: {kind: local, n_workers: 3}\n")
    assert cluster_profile("mine", tmp_path / "study.yaml").n_workers == 3
    config = tmp_path / "study.yaml"
    config.write_text((CLUSTERS.parents[1] / "configs" / "quickstart.yaml").read_text())
    assert main(["run", str(config), "--cluster", "no-such-profile", "--no-prefect"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("iitstudies: error: ") and "--cluster: no cluster profile 'no-such-profile'" in err
    assert len(err.splitlines()) == 1 and not (tmp_path / "studies").exists()
