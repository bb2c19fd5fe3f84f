"""Dask clusters from a cluster spec: local (loopback only), an existing scheduler, Slurm/PBS, Kubernetes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from distributed import Client, LocalCluster
from distributed.security import Security

from pipelines.config import (
    TLS,
    ClusterSpec,
    ExistingScheduler,
    JobqueueCluster,
    KubernetesCluster,
)
from pipelines.config import LocalCluster as LocalSpec


def security(tls: TLS | None) -> Security | None:
    """Dask TLS settings for the client (and, through the deploy specs, scheduler and workers)."""
    if tls is None:
        return None
    return Security(
        tls_ca_file=tls.ca_file,
        tls_client_cert=tls.cert,
        tls_client_key=tls.key,
        require_encryption=tls.require_encryption,
    )


def jobqueue_cluster(spec: JobqueueCluster) -> Any:
    """A dask-jobqueue SLURMCluster or PBSCluster (needs the ``hpc`` extra)."""
    try:
        from dask_jobqueue import PBSCluster, SLURMCluster
    except ImportError as exc:
        raise RuntimeError("Slurm/PBS clusters need dask-jobqueue: pip install 'iitstudies[hpc]'") from exc
    cls = SLURMCluster if spec.kind == "slurm" else PBSCluster
    kwargs: dict[str, Any] = dict(
        cores=spec.cores,
        processes=spec.processes,
        memory=spec.memory,
        walltime=spec.walltime,
        queue=spec.queue,
        account=spec.account,
        interface=spec.interface,
        local_directory=spec.local_directory,
        log_directory=spec.log_directory,
        job_extra_directives=list(spec.job_extra_directives),
        job_script_prologue=list(spec.job_script_prologue),
    )
    if spec.dashboard_address is not None:
        kwargs["scheduler_options"] = {"dashboard_address": spec.dashboard_address}
    if spec.tls is not None:
        kwargs["protocol"] = "tls://"
        kwargs["security"] = Security(
            tls_ca_file=spec.tls.ca_file,
            tls_scheduler_cert=spec.tls.cert,
            tls_scheduler_key=spec.tls.key,
            tls_worker_cert=spec.tls.cert,
            tls_worker_key=spec.tls.key,
            tls_client_cert=spec.tls.cert,
            tls_client_key=spec.tls.key,
            require_encryption=spec.tls.require_encryption,
        )
    return cls(**{k: v for k, v in kwargs.items() if v is not None})


def kubernetes_spec(spec: KubernetesCluster) -> dict[str, Any]:
    """The dask-kubernetes cluster spec (needs the ``kubernetes`` extra)."""
    try:
        from dask_kubernetes.operator import make_cluster_spec
    except ImportError as exc:
        raise RuntimeError("Kubernetes clusters need dask-kubernetes: pip install 'iitstudies[kubernetes]'") from exc
    return make_cluster_spec(
        name=spec.name,
        image=spec.image,
        n_workers=spec.n_workers,
        resources=spec.resources or None,
        env=spec.env or None,
    )


@contextlib.contextmanager
def connect(spec: ClusterSpec) -> Iterator[Client]:
    """A client on the cluster the spec describes; clusters it starts are closed afterwards."""
    if isinstance(spec, ExistingScheduler):
        with Client(spec.address, security=security(spec.tls)) as client:
            yield client
        return
    if isinstance(spec, LocalSpec):
        cluster: Any = LocalCluster(
            n_workers=spec.n_workers,
            threads_per_worker=spec.threads_per_worker,
            processes=True,
            memory_limit=spec.memory_limit,
            host=spec.host,
            dashboard_address=spec.dashboard_address,
        )
    elif isinstance(spec, JobqueueCluster):
        cluster = jobqueue_cluster(spec)
        cluster.scale(jobs=spec.jobs)
    else:
        from dask_kubernetes.operator import KubeCluster

        cluster = KubeCluster(custom_cluster_spec=kubernetes_spec(spec), namespace=spec.namespace)
    with cluster, Client(cluster, security=security(getattr(spec, "tls", None))) as client:
        yield client
