"""Alerts: a failed task or a late warehouse build becomes a row in the warehouse's `ops.alerts`, and a webhook call
and mail through Airflow notifiers when set up.

Every DAG's tasks call `on_task_failure` (DEFAULT_ARGS), after their last retry; the warehouse DAG's deadline calls
`on_deadline_missed` (a DeadlineAlert's callback, run by the executor) when a build has not finished in time. Both
record the alert, then hand it to the notifiers: the SMTP provider's `SmtpNotifier` and `AlertWebhookNotifier` below
(no HTTP provider is installed). Where to notify comes from Airflow, never from DAG code: the Connection
`asn_alerts_webhook` (an http(s) URL; a token as its password is sent as a bearer token), the Connection
`asn_alerts_smtp` (the SMTP provider's: host, port, login, password; extras `from_email`, `disable_ssl`,
`disable_tls`) and the Variable `asn_alert_emails` (comma-separated recipients). A notification that fails is logged
and does not hide the task's own failure; a channel not set up is skipped.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
from airflow.sdk import BaseNotifier

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.orchestration.runtime import get_settings

log = logging.getLogger(__name__)

ALERTS_TABLE = "ops.alerts"
WEBHOOK_CONNECTION = "asn_alerts_webhook"
SMTP_CONNECTION = "asn_alerts_smtp"
EMAILS_VARIABLE = "asn_alert_emails"
# The sender when the SMTP connection names none (its extra `from_email`).
DEFAULT_SENDER = "asn-platform@localhost"
MAIL_TEMPLATE = Path(__file__).with_name("templates") / "alert_mail.html"
# What ops.alerts records as the task of a missed deadline: the run as a whole was late, not one task.
DEADLINE_TASK_ID = "dagrun_deadline"
ERROR_CHARS = 8_000
WEBHOOK_TIMEOUT_S = 10.0
# The build database may be held by its one writer (a load, dbt): wait this long for it at most (an alert is not
# held back for ASN_WAREHOUSE_LOCK_WAIT_S).
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
        """A failed task, from its callback's context."""
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

    @classmethod
    def from_deadline(cls, context: dict[str, Any], allowed: timedelta) -> Alert:
        """A run that missed its deadline, from the context Airflow gives a deadline callback: the run (as the REST
        API shows it) and the deadline."""
        run, deadline = context["dag_run"], context["deadline"]
        return cls(
            alerted_at=datetime.now(UTC),
            dag_id=run["dag_id"],
            task_id=DEADLINE_TASK_ID,
            run_id=run["dag_run_id"],
            logical_date=_timestamp(run.get("logical_date")),
            try_number=None,
            error=(
                f"DeadlineMissed: not finished {allowed} after it was queued (queued at {run.get('queued_at')}, "
                f"deadline {deadline.get('deadline_time')}); the run was {run.get('state')}"
            ),
            log_url=None,
        )

    @property
    def subject(self) -> str:
        if self.task_id == DEADLINE_TASK_ID:
            return f"[ASN platform] {self.dag_id} missed its deadline ({self.run_id})"
        return f"[ASN platform] {self.dag_id}.{self.task_id} failed ({self.run_id})"


def _timestamp(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def on_task_failure(context: dict[str, Any]) -> None:
    """A task's on_failure_callback (DEFAULT_ARGS)."""
    raise_alert(Alert.from_context(context), context)


def on_deadline_missed(context: dict[str, Any], allowed_s: float) -> None:
    """The warehouse deadline's callback (defaults.warehouse_deadline): `allowed_s`, the deadline's interval, comes
    from the DeadlineAlert's kwargs."""
    raise_alert(Alert.from_deadline(context, timedelta(seconds=allowed_s)), context)


def raise_alert(alert: Alert, context: dict[str, Any]) -> None:
    try:
        record_alert(alert, get_settings())
    except Exception:  # the warehouse being unavailable must not stop the notifications
        log.exception("could not record the alert for %s.%s in %s", alert.dag_id, alert.task_id, ALERTS_TABLE)
    # The notifiers render their templates with the callback's context and the alert.
    notifier_context = {**context, "alert": alert}
    for notifier in notifiers():
        try:
            notifier(notifier_context)
        except Exception:
            log.exception("alert %s through %s failed", alert.subject, type(notifier).__name__)


def record_alert(alert: Alert, settings: Settings) -> None:
    """Into the build database, waiting for it (`connect`) for at most LOCK_WAIT_S while its writer holds it."""
    waiting = settings.model_copy(update={"warehouse_lock_wait_s": min(LOCK_WAIT_S, settings.warehouse_lock_wait_s)})
    with connect(settings=waiting, report=lambda message: log.info("%s", message)) as connection:
        _insert(connection, alert)


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


def _recipients() -> list[str]:
    from airflow.sdk import Variable

    try:
        raw = Variable.get(EMAILS_VARIABLE, default="")
    except Exception:
        return []
    return [address.strip() for address in str(raw or "").split(",") if address.strip()]


class AlertWebhookNotifier(BaseNotifier):
    """Posts the context's `alert` as JSON ({"text": subject, ...the alert's fields}) to the URL of an Airflow
    Connection: scheme http or https (default http), host, port, the path in the extra `path`, and the password, if
    any, as a bearer token."""

    def __init__(self, connection_id: str = WEBHOOK_CONNECTION) -> None:
        super().__init__()
        self.connection_id = connection_id

    def notify(self, context: Any) -> None:
        from airflow.sdk import Connection

        alert: Alert = context["alert"]
        connection = Connection.get(self.connection_id)
        scheme = connection.schema if connection.schema in {"http", "https"} else "http"
        port = f":{connection.port}" if connection.port else ""
        path = (connection.extra_dejson or {}).get("path", "/")
        headers = {"Authorization": f"Bearer {connection.password}"} if connection.password else {}
        payload = {"text": alert.subject, **asdict(alert)}
        # The URL is the operator's own connection.
        response = httpx.post(
            f"{scheme}://{connection.host}{port}{path}",
            content=json.dumps(payload, default=str).encode(),
            headers={"Content-Type": "application/json", **headers},
            timeout=WEBHOOK_TIMEOUT_S,
        )
        response.raise_for_status()


def notifiers() -> list[BaseNotifier]:
    """The notifiers set up in Airflow now: the webhook when its Connection exists, mail when the SMTP Connection
    and at least one recipient do."""
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    found: list[BaseNotifier] = []
    if _connection(WEBHOOK_CONNECTION) is not None:
        found.append(AlertWebhookNotifier(WEBHOOK_CONNECTION))
    smtp, recipients = _connection(SMTP_CONNECTION), _recipients()
    if smtp is not None and recipients:
        found.append(
            SmtpNotifier(
                to=recipients,
                from_email=(smtp.extra_dejson or {}).get("from_email") or DEFAULT_SENDER,
                # Templates, rendered with the context: the alert's own text is data, never a template.
                subject="{{ alert.subject }}",
                template=str(MAIL_TEMPLATE),
                smtp_conn_id=SMTP_CONNECTION,
            )
        )
    return found
