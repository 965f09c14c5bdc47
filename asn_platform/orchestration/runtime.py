"""The settings of this process's Airflow tasks, the one place below the launchers where they are looked up.

Everything under the orchestration floor takes its settings as an argument; a DAG's task starts the chain here. A
worker reads them from its environment (each time: nothing cached goes stale); a launcher that runs the DAGs in its
own process (`make run`, the tests) hands its settings over with `use_settings`, so the tasks run with exactly the
settings it was given.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from asn_platform.core.settings import Settings

_from_launcher: list[Settings] = []


def get_settings() -> Settings:
    """The launcher's settings while `use_settings` holds them; otherwise the environment's."""
    return _from_launcher[-1] if _from_launcher else Settings.from_env()


@contextmanager
def use_settings(settings: Settings) -> Iterator[Settings]:
    """Tasks run in this process during the block use `settings`."""
    _from_launcher.append(settings)
    try:
        yield settings
    finally:
        _from_launcher.pop()
