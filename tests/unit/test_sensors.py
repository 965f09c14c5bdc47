"""The delivery sensor and its trigger on a real landing folder: what counts as new, waiting, and not waiting."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import TaskDeferred

from asn_platform.orchestration.sensors import DeliverySensor, NewDeliveryTrigger, newer_deliveries


def _deliver(landing: Path, relative: str, modified: float | None = None) -> Path:
    path = landing / "langsa" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("nip,nama\n")
    if modified is not None:
        os.utime(path, (modified, modified))
    return path


def test_only_delivery_files_newer_than_the_last_success_count(tmp_path: Path) -> None:
    now = time.time()
    _deliver(tmp_path, "personnel/2026-11-01/langsa_pegawai_20261101.csv", now - 3600)
    _deliver(tmp_path, "training/2026-11-02/langsa_diklat_20261102.csv", now)
    _deliver(tmp_path, "personnel/notes/readme.csv", now)  # not a dated delivery folder
    region = tmp_path / "langsa"
    assert newer_deliveries(region, None) == [
        "personnel/2026-11-01/langsa_pegawai_20261101.csv",
        "training/2026-11-02/langsa_diklat_20261102.csv",
    ]
    assert newer_deliveries(region, now - 60) == ["training/2026-11-02/langsa_diklat_20261102.csv"]
    assert newer_deliveries(tmp_path / "sorong", None) == []


def test_the_trigger_fires_when_a_new_delivery_lands(tmp_path: Path) -> None:
    region = tmp_path / "langsa"
    region.mkdir()
    trigger = NewDeliveryTrigger(str(region), time.time() - 1, poke_interval=0.05)

    async def first_event() -> dict:
        async def deliver_later() -> None:
            await asyncio.sleep(0.2)
            _deliver(tmp_path, "complaints/2026-11-03/langsa_pengaduan_20261103.csv")

        delivery = asyncio.create_task(deliver_later())
        event = await asyncio.wait_for(anext(trigger.run()), timeout=10)
        await delivery
        return event.payload

    assert asyncio.run(first_event()) == {"deliveries": ["complaints/2026-11-03/langsa_pengaduan_20261103.csv"]}
    classpath, kwargs = trigger.serialize()
    assert classpath == "asn_platform.orchestration.sensors.NewDeliveryTrigger"
    assert NewDeliveryTrigger(**kwargs).region_dir == str(region)


def _context(run_type: str, previous_success: datetime | None) -> dict:
    return {"dag_run": SimpleNamespace(run_type=run_type), "prev_start_date_success": previous_success}


def _sensor(landing: Path) -> DeliverySensor:
    return DeliverySensor(task_id="wait_for_delivery", region="langsa", landing_dir=landing, wait=timedelta(hours=6))


def test_a_scheduled_run_waits_deferred_for_a_delivery_newer_than_the_last_success(tmp_path: Path) -> None:
    _deliver(tmp_path, "personnel/2026-11-01/langsa_pegawai_20261101.csv", time.time() - 7200)
    last_success = datetime.now(UTC) - timedelta(hours=1)
    with pytest.raises(TaskDeferred) as deferred:
        _sensor(tmp_path).execute(_context("scheduled", last_success))
    assert deferred.value.timeout == timedelta(hours=6)
    assert isinstance(deferred.value.trigger, NewDeliveryTrigger)
    assert deferred.value.trigger.newer_than == pytest.approx(last_success.timestamp())
    # A file that arrived after the last success is found at once, without deferring.
    _deliver(tmp_path, "training/2026-11-02/langsa_diklat_20261102.csv")
    assert _sensor(tmp_path).execute(_context("scheduled", last_success)) == [
        "training/2026-11-02/langsa_diklat_20261102.csv"
    ]


def test_a_manual_or_backfill_run_does_not_wait(tmp_path: Path) -> None:
    _deliver(tmp_path, "personnel/2026-11-01/langsa_pegawai_20261101.csv", time.time() - 7200)
    recently = datetime.now(UTC)
    for run_type in ("manual", "backfill"):
        assert _sensor(tmp_path).execute(_context(run_type, recently)) == [
            "personnel/2026-11-01/langsa_pegawai_20261101.csv"
        ]
    assert _sensor(tmp_path / "empty").execute(_context("manual", None)) == []


def test_a_day_without_a_delivery_skips_the_run_instead_of_failing_it(tmp_path: Path) -> None:

    from airflow.sdk.bases.operator import TRIGGER_FAIL_REPR, TriggerFailureReason
    from airflow.sdk.exceptions import AirflowSkipException

    timed_out = {"error": TriggerFailureReason.TRIGGER_TIMEOUT}
    with pytest.raises(AirflowSkipException):
        _sensor(tmp_path).resume_execution(TRIGGER_FAIL_REPR, timed_out, _context("scheduled", None))
