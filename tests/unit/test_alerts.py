"""A failed task's alert: recorded in ops.alerts, posted to a real local webhook, mailed through a real local SMTP
server, each configured the Airflow way (environment-variable Connections and Variables)."""

from __future__ import annotations

import asyncore
import json
import smtpd
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import pytest

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.orchestration.alerts import ALERTS_TABLE, on_task_failure
from asn_platform.quality import QualityGateFailed


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "auth": self.headers.get("Authorization"), **json.loads(body)})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def mailbox() -> Iterator[tuple[int, list[tuple[str, list[str], str]]]]:
    received: list[tuple[str, list[str], str]] = []

    class Server(smtpd.SMTPServer):
        def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
            received.append((mailfrom, rcpttos, data.decode() if isinstance(data, bytes) else data))

    server = Server(("127.0.0.1", 0), None)
    thread = threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.1}, daemon=True)
    thread.start()
    yield server.socket.getsockname()[1], received
    server.close()


def _context(error: Exception) -> dict:
    ti = SimpleNamespace(dag_id="asn_warehouse", task_id="gate_marts", run_id="manual__2026-12-02", try_number=1,
                         log_url="http://127.0.0.1:8080/log")  # fmt: skip
    return {"ti": ti, "exception": error, "logical_date": datetime(2026, 12, 2, tzinfo=UTC)}


def test_a_failed_task_is_recorded_posted_and_mailed(
    settings: Settings, webhook: tuple[str, list[dict]], mailbox: tuple[int, list], monkeypatch: pytest.MonkeyPatch
) -> None:
    address, posts = webhook
    port, mails = mailbox
    monkeypatch.setenv("AIRFLOW_CONN_ASN_ALERTS_WEBHOOK", f"http://:hook-token@{address}/?path=%2Fhooks%2Fasn")
    monkeypatch.setenv("AIRFLOW_CONN_ASN_ALERTS_SMTP", f"smtp://asn-platform%40example.go.id@127.0.0.1:{port}")
    monkeypatch.setenv("AIRFLOW_VAR_ASN_ALERT_EMAILS", "bkpsdm@example.go.id, ops@example.go.id")
    error = QualityGateFailed([])
    error.args = ("data-quality gate failed:\n  [error] expect_column_values_to_be_between(ikm) on "
                  "service_quality.ikm_unit_period: 1 of 315 rows failed",)  # fmt: skip

    on_task_failure(_context(error))

    with connect(settings=settings, read_only=True) as connection:
        rows = connection.execute(f"SELECT dag_id, task_id, run_id, try_number, error FROM {ALERTS_TABLE}").fetchall()
    assert len(rows) == 1
    dag_id, task_id, run_id, try_number, message = rows[0]
    assert (dag_id, task_id, run_id, try_number) == ("asn_warehouse", "gate_marts", "manual__2026-12-02", 1)
    assert "expect_column_values_to_be_between(ikm) on service_quality.ikm_unit_period" in message
    (post,) = posts
    assert post["path"] == "/hooks/asn"
    assert post["auth"] == "Bearer hook-token"
    assert post["text"] == "[ASN platform] asn_warehouse.gate_marts failed (manual__2026-12-02)"
    assert "service_quality.ikm_unit_period" in post["error"]
    (mail,) = mails
    sender, recipients, text = mail
    assert sender == "asn-platform@example.go.id"
    assert recipients == ["bkpsdm@example.go.id", "ops@example.go.id"]
    assert "Subject: [ASN platform] asn_warehouse.gate_marts failed" in text
    assert "1 of 315 rows failed" in text


def test_without_notification_settings_the_alert_is_still_recorded(settings: Settings) -> None:
    on_task_failure(_context(RuntimeError("dbt build failed")))
    on_task_failure(_context(RuntimeError("dbt build failed again")))
    with connect(settings=settings, read_only=True) as connection:
        errors = [
            row[0] for row in connection.execute(f"SELECT error FROM {ALERTS_TABLE} ORDER BY alerted_at").fetchall()
        ]
    assert errors == ["RuntimeError: dbt build failed", "RuntimeError: dbt build failed again"]
