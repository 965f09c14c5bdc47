"""`make run`'s progress inside a DAG: an Airflow listener that reports each task of an in-process run (`dag.test()`)
as it starts and ends (`core.console.Steps`), so the warehouse DAG's minutes of dbt are never silent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from asn_platform.core.console import Steps


def _task_name(task_instance: Any) -> str:
    index = getattr(task_instance, "map_index", -1)
    return task_instance.task_id + (f"[{index}]" if index is not None and index >= 0 else "")


def _listener(steps: Steps) -> object:
    # Airflow (5 s to import) only when a DAG runs: every other subcommand imports this module too.
    from airflow.listeners import hookimpl

    class TaskListener:
        @hookimpl
        def on_task_instance_running(self, previous_state: Any, task_instance: Any) -> None:
            steps.started(_task_name(task_instance))

        @hookimpl
        def on_task_instance_success(self, previous_state: Any, task_instance: Any) -> None:
            steps.finished(_task_name(task_instance), "succeeded")

        @hookimpl
        def on_task_instance_failed(self, previous_state: Any, task_instance: Any, error: Any) -> None:
            steps.finished(_task_name(task_instance), "FAILED")

        @hookimpl
        def on_task_instance_skipped(self, previous_state: Any, task_instance: Any) -> None:
            steps.finished(_task_name(task_instance), "skipped")

    return TaskListener()


@contextmanager
def task_progress(dag_id: str, tasks: int, out: Callable[[str], None] = print) -> Iterator[Steps]:
    """Reports the tasks of the DAG run in this process for the block."""
    from airflow.sdk.listener import get_listener_manager

    steps = Steps(dag_id, tasks, out=out)
    listener = _listener(steps)
    manager = get_listener_manager()
    manager.add_listener(listener)
    try:
        yield steps
    finally:
        manager.pm.unregister(listener)
        steps.close()
