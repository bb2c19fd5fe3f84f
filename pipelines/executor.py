"""Where stage work runs: :class:`LocalExecutor` (in this process) or :class:`DaskExecutor` on a Dask
cluster from a cluster spec (local on loopback only, an existing scheduler, Slurm/PBS, Kubernetes).

Both have one interface, :meth:`map`: apply a function to a shared value (sent to
each worker once) and a list of items, yielding ``(index, result)`` as results
complete. This is the only module that imports ``distributed``.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from distributed import Client, LocalCluster, as_completed
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
        job_extra_directives=list(spec.job_extra_directives),
        job_script_prologue=list(spec.job_script_prologue),
    )
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


S = TypeVar("S")
I = TypeVar("I")  # noqa: E741
R = TypeVar("R")


class Executor(Protocol):
    """Runs stage work: ``map(fn, shared, items)`` yields ``(index, fn(shared, items[index]))`` as each completes."""

    def map(self, fn: Callable[[S, I], R], shared: S, items: Sequence[I], name: str) -> Iterator[tuple[int, R]]: ...

    def describe(self) -> dict[str, Any]:
        """What the work runs on (for the provenance): cluster kind, dashboard, workers."""
        ...


class LocalExecutor:
    """Runs every item in this process, in order (tests, benchmarks, debugging)."""

    def map(self, fn: Callable[[S, I], R], shared: S, items: Sequence[I], name: str) -> Iterator[tuple[int, R]]:
        for i, item in enumerate(items):
            yield i, fn(shared, item)

    def describe(self) -> dict[str, Any]:
        return {"cluster": "in-process", "dashboard": None, "workers": 1}


class DaskExecutor:
    """Runs items as Dask tasks; a shared value is scattered to every worker once per executor."""

    def __init__(self, client: Client, kind: str):
        self.client = client
        self.kind = kind
        self._scattered: dict[int, tuple[Any, Any]] = {}

    def _shared(self, value: Any) -> Any:
        if id(value) not in self._scattered:  # keep the value alive so its id stays unique
            self._scattered[id(value)] = (value, self.client.scatter(value, broadcast=True, hash=False))
        return self._scattered[id(value)][1]

    def map(self, fn: Callable[[S, I], R], shared: S, items: Sequence[I], name: str) -> Iterator[tuple[int, R]]:
        if not items:
            return
        remote = self._shared(shared)
        token = uuid.uuid4().hex[:8]
        futures = {
            self.client.submit(fn, remote, item, key=f"{name}-{i}-{token}"): i for i, item in enumerate(items)
        }
        for fut in as_completed(futures):
            i = futures.pop(fut)
            result = fut.result()
            fut.release()
            yield i, result

    def describe(self) -> dict[str, Any]:
        return {
            "cluster": self.kind,
            "dashboard": self.client.dashboard_link,
            "workers": len(self.client.scheduler_info().get("workers", {})),
        }


@contextlib.contextmanager
def dask_executor(spec: ClusterSpec) -> Iterator[DaskExecutor]:
    """A Dask executor on the cluster the spec describes; clusters it starts are closed afterwards."""
    with connect(spec) as client:
        yield DaskExecutor(client, spec.kind)


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
