"""Waiting for a region's delivery without holding a worker: a deferrable sensor and the trigger it hands off to.

A scheduled run of `asn_ingest_<region>` waits until a file lands in the region's landing folder that is newer than
the region's last successful run, for at most the registry's `delivery_wait_hours`; nothing by then is not a
failure (the sensor is skipped, nothing loads, and the freshness check reports a region that stays silent). A run
somebody asked for (manual, backfill, `make run`) does not wait: it loads whatever is pending, which is a no-op when
nothing is.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import BaseSensorOperator
from airflow.triggers.base import BaseTrigger, TriggerEvent
from airflow.utils.types import DagRunType

# What a delivery looks like in the landing area: <region>/<dataset>/<YYYY-MM-DD>/<file>.
DELIVERY_GLOB = "*/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]/*"


def newer_deliveries(region_dir: Path, newer_than: float | None) -> list[str]:
    """Delivery files under `region_dir` modified after `newer_than` (a POSIX time; None: every one), by name."""
    found = []
    for path in region_dir.glob(DELIVERY_GLOB):
        try:
            modified = path.stat().st_mtime
        except FileNotFoundError:  # moved away while we looked
            continue
        if path.is_file() and (newer_than is None or modified > newer_than):
            found.append(str(path.relative_to(region_dir)))
    return sorted(found)


class NewDeliveryTrigger(BaseTrigger):
    """Fires once a delivery newer than `newer_than` is in `region_dir`; runs in the triggerer, off the workers."""

    def __init__(self, region_dir: str, newer_than: float | None, poke_interval: float = 300.0) -> None:
        super().__init__()
        self.region_dir = region_dir
        self.newer_than = newer_than
        self.poke_interval = poke_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {"region_dir": self.region_dir, "newer_than": self.newer_than, "poke_interval": self.poke_interval},
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        while True:
            # The glob touches the disk: off the triggerer's event loop, which serves every waiting task.
            found = await asyncio.to_thread(newer_deliveries, Path(self.region_dir), self.newer_than)
            if found:
                yield TriggerEvent({"deliveries": found})
                return
            await asyncio.sleep(self.poke_interval)


class DeliverySensor(BaseSensorOperator):
    """Waits (deferred) for a new delivery of `region` in `landing_dir`; returns the new files' paths."""

    def __init__(
        self, *, region: str, landing_dir: Path, wait: timedelta, poke_interval: float = 300.0, **kwargs: Any
    ) -> None:
        # soft_fail: a day without a delivery skips the run instead of failing it.
        super().__init__(timeout=wait.total_seconds(), soft_fail=True, poke_interval=poke_interval, **kwargs)
        self.region = region
        self.landing_dir = landing_dir
        self.wait = wait

    def execute(self, context: Any) -> list[str]:
        region_dir = self.landing_dir / self.region
        dag_run = context["dag_run"]
        if dag_run.run_type != DagRunType.SCHEDULED:  # a str enum: equal to "scheduled" as well
            self.log.info("%s run: loading whatever %s has pending, without waiting", dag_run.run_type, self.region)
            return newer_deliveries(region_dir, None)
        since = context.get("prev_start_date_success")
        newer_than = since.timestamp() if since else None
        found = newer_deliveries(region_dir, newer_than)
        if found:
            return found
        self.log.info("waiting up to %s for a delivery of %s newer than %s", self.wait, self.region, since)
        self.defer(
            trigger=NewDeliveryTrigger(str(region_dir), newer_than, self.poke_interval),
            method_name="execute_complete",
            timeout=self.wait,
        )
        return []  # not reached: defer() raises

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> list[str]:
        return list((event or {}).get("deliveries", []))
