"""The Prefect flow of a study: one task per stage of :data:`pipelines.study.STAGES` (the resumable
candidates stage retries); per-candidate work goes to Dask in batches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.signals import stop_on_signals
from pipelines.config import StudyConfig, load_config
from pipelines.study import run_study

T = TypeVar("T")


def prefect_stages(retries: int) -> Callable[[str, Callable[..., T]], Callable[..., T]]:
    """Wrap each stage into a Prefect task; only the (resumable) compute stage retries."""

    def stage(name: str, fn: Callable[..., T]) -> Callable[..., T]:
        def call(*args: Any, **kwargs: Any) -> T:
            def run_stage() -> T:
                return fn(*args, **kwargs)

            run_stage.__name__ = name
            return task(
                run_stage,
                name=name,
                retries=retries if name == "candidates" else 0,
                retry_delay_seconds=2,
                cache_policy=NO_CACHE,
            )()

        return call

    return stage


@flow(name="iit-study")
def study_flow(
    config: str,
    store: str | None = None,
    scheduler: str | None = None,
    allow_config_change: bool = False,
    progress_bar: bool | None = None,
    loaded: StudyConfig | None = None,
) -> dict[str, Any]:
    """Run or resume the study described by the YAML file ``config`` (``loaded``: that file, already read)."""
    cfg = loaded if loaded is not None else load_config(config)
    with stop_on_signals():  # in place of Prefect's SIGTERM handler, which logs a crash report first
        summary = run_study(
            config, store, scheduler, allow_config_change, progress_bar,
            stage=prefect_stages(cfg.execution.retries), cfg=cfg,
        )
    return asdict(summary)
