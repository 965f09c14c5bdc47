"""A failed task becomes an alert: a row in the warehouse's `ops.alerts`, and a webhook call and mail when set up.

Every DAG's tasks call `on_task_failure` (DEFAULT_ARGS), after their last retry. Where to notify comes from
Airflow, never from DAG code: the Connection `asn_alerts_webhook` (an http(s) URL; a token as its password is sent
as a bearer token), the Connection `asn_alerts_smtp` (host, port, login, password; `extra` {"starttls": true}) and
the Variable `asn_alert_emails` (comma-separated recipients). A notification that fails is logged and does not hide
the task's own failure.
"""

from __future__ import annotations

import json
import logging
import smtplib
import time
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import duckdb

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.orchestration.runtime import get_settings

log = logging.getLogger(__name__)

ALERTS_TABLE = "ops.alerts"
WEBHOOK_CONNECTION = "asn_alerts_webhook"
SMTP_CONNECTION = "asn_alerts_smtp"
EMAILS_VARIABLE = "asn_alert_emails"
ERROR_CHARS = 8_000
# The build database may be held by its one writer (a load, dbt): try again for this long before giving up.
LOCK_WAIT_S = 60.0


@dataclass(frozen=True)
class Alert:
    alerted_at: datetime
    dag_id: str
    task_id: str
    run_id: str
    logical_date: datetime | None
    try_number: int | None
    error: str
    log_url: str | None

    @classmethod
    def from_context(cls, context: dict[str, Any]) -> Alert:
        ti = context["ti"]
        error = context.get("exception")
        return cls(
            alerted_at=datetime.now(UTC),
            dag_id=ti.dag_id,
            task_id=ti.task_id,
            run_id=ti.run_id,
            logical_date=context.get("logical_date"),
            try_number=getattr(ti, "try_number", None),
            # A data-quality failure's message names the expectations, tables and failing values.
            error=(f"{type(error).__name__}: {error}" if error else "failed")[:ERROR_CHARS],
            log_url=getattr(ti, "log_url", None),
        )

    @property
    def subject(self) -> str:
        return f"[ASN platform] {self.dag_id}.{self.task_id} failed ({self.run_id})"


def on_task_failure(context: dict[str, Any]) -> None:
    alert = Alert.from_context(context)
    try:
        record_alert(alert, get_settings())
    except Exception:  # the warehouse being unavailable must not stop the notifications
        log.exception("could not record the alert for %s.%s in %s", alert.dag_id, alert.task_id, ALERTS_TABLE)
    notify(alert)


def record_alert(alert: Alert, settings: Settings) -> None:
    deadline = time.monotonic() + LOCK_WAIT_S
    delay = 0.5
    while True:
        try:
            with connect(settings=settings) as connection:
                _insert(connection, alert)
            return
        except duckdb.IOException:  # "Could not set lock on file": another process is writing
            if time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 8.0)


def _insert(connection: duckdb.DuckDBPyConnection, alert: Alert) -> None:
    connection.execute("CREATE SCHEMA IF NOT EXISTS ops")
    connection.execute(
        f"""CREATE TABLE IF NOT EXISTS {ALERTS_TABLE} (
            alerted_at TIMESTAMPTZ NOT NULL, dag_id VARCHAR NOT NULL, task_id VARCHAR NOT NULL,
            run_id VARCHAR NOT NULL, logical_date TIMESTAMPTZ, try_number INTEGER, error VARCHAR NOT NULL,
            log_url VARCHAR)"""
    )
    connection.execute(f"INSERT INTO {ALERTS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(asdict(alert).values()))


def _connection(connection_id: str) -> Any | None:
    from airflow.sdk import Connection

    try:
        return Connection.get(connection_id)
    except Exception:  # not defined: nothing to notify through
        return None


def notify(alert: Alert) -> None:
    webhook = _connection(WEBHOOK_CONNECTION)
    if webhook is not None:
        try:
            send_webhook(alert, webhook)
        except Exception:
            log.exception("alert webhook %s failed", WEBHOOK_CONNECTION)
    smtp = _connection(SMTP_CONNECTION)
    recipients = _recipients()
    if smtp is not None and recipients:
        try:
            send_mail(alert, smtp, recipients)
        except Exception:
            log.exception("alert mail through %s failed", SMTP_CONNECTION)


def _recipients() -> list[str]:
    from airflow.sdk import Variable

    try:
        raw = Variable.get(EMAILS_VARIABLE, default="")
    except Exception:
        return []
    return [address.strip() for address in str(raw or "").split(",") if address.strip()]


def send_webhook(alert: Alert, connection: Any) -> None:
    scheme = connection.schema if connection.schema in {"http", "https"} else "http"
    port = f":{connection.port}" if connection.port else ""
    path = (connection.extra_dejson or {}).get("path", "/")
    url = f"{scheme}://{connection.host}{port}{path}"
    body = json.dumps({"text": alert.subject, **asdict(alert)}, default=str).encode()
    headers = {"Content-Type": "application/json"}
    if connection.password:
        headers["Authorization"] = f"Bearer {connection.password}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # the URL is the operator's own connection
        response.read()


def send_mail(alert: Alert, connection: Any, recipients: list[str]) -> None:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = (connection.extra_dejson or {}).get("from", connection.login or "asn-platform@localhost")
    message["To"] = ", ".join(recipients)
    message.set_content(
        f"{alert.subject}\n\nTask: {alert.dag_id}.{alert.task_id}\nRun: {alert.run_id}\n"
        f"Logical date: {alert.logical_date}\nTry: {alert.try_number}\nLog: {alert.log_url}\n\n{alert.error}\n"
    )
    with smtplib.SMTP(connection.host, connection.port or 25, timeout=10) as server:
        if (connection.extra_dejson or {}).get("starttls"):
            server.starttls()
        if connection.login and connection.password:
            server.login(connection.login, connection.password)
        server.send_message(message)
