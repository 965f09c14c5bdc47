"""Alerts (a failed task, a warehouse build past its deadline): recorded in ops.alerts, posted to a real local webhook
and mailed through a real local SMTP server by Airflow notifiers, each configured the Airflow way
(environment-variable Connections and Variables)."""

from __future__ import annotations

import email
import json
import socket
import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import pytest

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.orchestration.alerts import ALERTS_TABLE, on_deadline_missed, on_task_failure
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


class _SmtpSession(socketserver.StreamRequestHandler):
    """The server side of plain SMTP (RFC 5321: no TLS, no AUTH), as much as a client sending mail uses; each mail is
    appended to the server's `received` as (sender, recipients, message). The stdlib's smtpd is gone from Python
    3.12, and aiosmtpd is not installed."""

    server: _SmtpServer

    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        sender, recipients = "", []
        self._reply("220 test SMTP server")
        for raw in self.rfile:
            command = raw.decode().rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb in {"EHLO", "HELO"}:
                self._reply("250 test")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip().strip("<>"), []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                lines = []
                for data_line in self.rfile:
                    text = data_line.decode().rstrip("\r\n")
                    if text == ".":
                        break
                    lines.append(text[1:] if text.startswith("..") else text)  # dot-stuffing undone
                self.server.received.append((sender, recipients, "\n".join(lines)))
                self._reply("250 OK: queued")
            elif verb in {"RSET", "NOOP"}:
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 not implemented")


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.received: list[tuple[str, list[str], str]] = []


@pytest.fixture
def mailbox() -> Iterator[tuple[int, list[tuple[str, list[str], str]]]]:
    server = _SmtpServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], server.received
    server.shutdown()
    server.server_close()


def _context(error: Exception) -> dict:
    ti = SimpleNamespace(dag_id="asn_warehouse", task_id="gate_marts", run_id="manual__2026-12-02", try_number=1,
                         log_url="http://127.0.0.1:8080/log")  # fmt: skip
    return {"ti": ti, "exception": error, "logical_date": datetime(2026, 12, 2, tzinfo=UTC)}


def _set_up_notifications(monkeypatch: pytest.MonkeyPatch, webhook_address: str, smtp_port: int) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_ASN_ALERTS_WEBHOOK", f"http://:hook-token@{webhook_address}/?path=%2Fhooks%2Fasn")
    # The SMTP provider's connection; the test server speaks neither SSL nor STARTTLS.
    monkeypatch.setenv(
        "AIRFLOW_CONN_ASN_ALERTS_SMTP",
        f"smtp://127.0.0.1:{smtp_port}?from_email=asn-platform%40example.go.id&disable_ssl=true&disable_tls=true",
    )
    monkeypatch.setenv("AIRFLOW_VAR_ASN_ALERT_EMAILS", "bkpsdm@example.go.id, ops@example.go.id")


def _mail_text(data: str) -> tuple[str, str]:
    """A received mail's subject and decoded HTML body."""
    message = email.message_from_string(data)
    (part,) = [part for part in message.walk() if part.get_content_type() == "text/html"]
    return str(message["Subject"]), part.get_payload(decode=True).decode()


def test_a_failed_task_is_recorded_posted_and_mailed(
    settings: Settings, webhook: tuple[str, list[dict]], mailbox: tuple[int, list], monkeypatch: pytest.MonkeyPatch
) -> None:
    address, posts = webhook
    port, mails = mailbox
    _set_up_notifications(monkeypatch, address, port)
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
    sender, recipients, data = mail
    assert sender == "asn-platform@example.go.id"
    assert recipients == ["bkpsdm@example.go.id", "ops@example.go.id"]
    subject, body = _mail_text(data)
    assert subject == "[ASN platform] asn_warehouse.gate_marts failed (manual__2026-12-02)"
    assert "1 of 315 rows failed" in body
    assert "<td>Run</td><td>manual__2026-12-02</td>" in body


def test_a_build_past_its_deadline_is_recorded_posted_and_mailed(
    settings: Settings, webhook: tuple[str, list[dict]], mailbox: tuple[int, list], monkeypatch: pytest.MonkeyPatch
) -> None:
    address, posts = webhook
    port, mails = mailbox
    _set_up_notifications(monkeypatch, address, port)
    # What Airflow's scheduler hands a deadline callback (models/deadline.py, Deadline.handle_miss): the run as the
    # REST API shows it, and the deadline.
    context = {
        "dag_run": {"dag_id": "asn_warehouse", "dag_run_id": "asset_triggered__2026-12-07T01:00:00+00:00",
                    "logical_date": "2026-12-07T01:00:00Z", "queued_at": "2026-12-07T01:00:02Z", "state": "running"},
        "deadline": {"id": "0193a0b2", "deadline_time": "2026-12-07T01:45:02Z"},
    }  # fmt: skip

    on_deadline_missed(context, allowed_s=45 * 60)

    with connect(settings=settings, read_only=True) as connection:
        rows = connection.execute(f"SELECT dag_id, task_id, run_id, logical_date, error FROM {ALERTS_TABLE}").fetchall()
    ((dag_id, task_id, run_id, logical_date, message),) = rows
    assert (dag_id, task_id, run_id) == (
        "asn_warehouse",
        "dagrun_deadline",
        "asset_triggered__2026-12-07T01:00:00+00:00",
    )
    assert logical_date == datetime(2026, 12, 7, 1, tzinfo=UTC)
    assert message == (
        "DeadlineMissed: not finished 0:45:00 after it was queued (queued at 2026-12-07T01:00:02Z, deadline "
        "2026-12-07T01:45:02Z); the run was running"
    )
    (post,) = posts
    assert (
        post["text"] == "[ASN platform] asn_warehouse missed its deadline (asset_triggered__2026-12-07T01:00:00+00:00)"
    )
    assert post["error"] == message
    ((_, recipients, data),) = mails
    subject, body = _mail_text(data)
    assert recipients == ["bkpsdm@example.go.id", "ops@example.go.id"]
    assert subject == post["text"]
    assert "not finished 0:45:00 after it was queued" in body


def test_a_notifier_that_fails_does_not_stop_the_others(
    settings: Settings, mailbox: tuple[int, list], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, mails = mailbox
    with socket.socket() as closed:  # a port nothing listens on: the webhook is down
        closed.bind(("127.0.0.1", 0))
        down = f"127.0.0.1:{closed.getsockname()[1]}"
    _set_up_notifications(monkeypatch, down, port)
    on_task_failure(_context(RuntimeError("dbt build failed near {{ 7 * 7 }} <b>")))
    ((_, _, data),) = mails
    subject, body = _mail_text(data)
    assert subject == "[ASN platform] asn_warehouse.gate_marts failed (manual__2026-12-02)"
    # The error is data in the mail's template: shown as written, escaped, never rendered.
    assert "RuntimeError: dbt build failed near {{ 7 * 7 }} &lt;b&gt;" in body
    with connect(settings=settings, read_only=True) as connection:
        assert connection.execute(f"SELECT count(*) FROM {ALERTS_TABLE}").fetchone() == (1,)


def test_without_notification_settings_the_alert_is_still_recorded(settings: Settings) -> None:
    on_task_failure(_context(RuntimeError("dbt build failed")))
    on_task_failure(_context(RuntimeError("dbt build failed again")))
    with connect(settings=settings, read_only=True) as connection:
        errors = [
            row[0] for row in connection.execute(f"SELECT error FROM {ALERTS_TABLE} ORDER BY alerted_at").fetchall()
        ]
    assert errors == ["RuntimeError: dbt build failed", "RuntimeError: dbt build failed again"]
