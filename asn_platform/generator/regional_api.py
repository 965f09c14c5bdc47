"""A stand-in for a region's paginated JSON API (Banjarbaru serves survey responses and complaints this way).

It behaves like the real one where it matters to a client: bearer-token authentication (401 otherwise), cursor
pagination (`?limit=&cursor=` -> `{"data": [...], "next_cursor": ...}`), 429 with Retry-After when a client asks
faster than its rate limit, and an occasional 503. It serves `<store>/<region>/<collection>.jsonl`, where the
sample generator writes what the region would hold; `/v1/survey-responses` serves `survey_responses.jsonl`.

`make run` and the tests start it on 127.0.0.1 and stop it when done; `python -m asn_platform regional-api`
runs it on its own.
"""

from __future__ import annotations

import base64
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

MAX_PAGE = 10_000


@dataclass
class ApiBehaviour:
    """How demanding the API is: requests per second before it answers 429, every how many requests it fails with
    a 503 (0: never), an outage: after this many answered pages, every request fails until it is set to None, and
    whether its cursor never ends."""

    rate_per_second: float = 50.0
    fail_every: int = 23
    retry_after_s: int = 1
    outage_after: int | None = None
    # A server bug seen in the wild: past the last record it answers empty pages, each with a cursor never seen before.
    endless: bool = False


class _Store:
    """Each collection's records as raw JSON lines, read once; a cursor is the position of the next record."""

    def __init__(self, region_dir: Path) -> None:
        self.region_dir = region_dir
        self._collections: dict[str, list[bytes]] = {}
        self._lock = threading.Lock()

    def collection(self, name: str) -> list[bytes] | None:
        with self._lock:
            if name not in self._collections:
                path = self.region_dir / f"{name.replace('-', '_')}.jsonl"
                if not path.is_file():
                    return None
                self._collections[name] = [line for line in path.read_bytes().splitlines() if line.strip()]
            return self._collections[name]


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


def _position(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("p"):
            raise ValueError(cursor)
        return int(text[1:])
    except ValueError:
        raise ValueError(f"invalid cursor {cursor!r}") from None


class RegionalApi(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, region_dir: Path, token: str, behaviour: ApiBehaviour, port: int = 0, host: str = "127.0.0.1"
    ) -> None:
        super().__init__((host, port), _Handler)
        self.store = _Store(region_dir)
        self.token = token
        self.behaviour = behaviour
        self.requests = 0
        self.throttled = 0
        self.failed = 0
        self.answered = 0
        self._admitted = 0
        self._allowance = behaviour.rate_per_second
        self._last = time.monotonic()
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def admit(self) -> str:
        """'ok', 'throttle' (over the rate: token bucket) or 'fail' (the occasional server error)."""
        with self._lock:
            self.requests += 1
            now = time.monotonic()
            rate = self.behaviour.rate_per_second
            self._allowance = min(rate, self._allowance + (now - self._last) * rate)
            self._last = now
            if self._allowance < 1:
                self.throttled += 1
                return "throttle"
            self._allowance -= 1
            self._admitted += 1
            outage = self.behaviour.outage_after is not None and self.answered >= self.behaviour.outage_after
            if outage or (self.behaviour.fail_every and self._admitted % self.behaviour.fail_every == 0):
                self.failed += 1
                return "fail"
            self.answered += 1
            return "ok"


class _Handler(BaseHTTPRequestHandler):
    server: RegionalApi
    server_version = "RegionalAPI/1.0"

    def log_message(self, format: str, *args: object) -> None:
        pass  # a client's requests are not this process's output

    def _send(self, status: HTTPStatus, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: HTTPStatus, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps({"error": status.phrase, "message": message}).encode(), headers)

    def do_GET(self) -> None:
        api = self.server
        expected = f"Bearer {api.token}"
        if not hmac.compare_digest(self.headers.get("Authorization", "").encode(), expected.encode()):
            self._error(HTTPStatus.UNAUTHORIZED, "missing or wrong bearer token")
            return
        admitted = api.admit()
        if admitted == "throttle":
            retry = {"Retry-After": str(api.behaviour.retry_after_s)}
            self._error(HTTPStatus.TOO_MANY_REQUESTS, "rate limit exceeded", retry)
            return
        if admitted == "fail":
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, "upstream database busy, try again")
            return
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        records = api.store.collection(parts[1]) if len(parts) == 2 and parts[0] == "v1" else None
        if records is None:
            self._error(HTTPStatus.NOT_FOUND, f"no collection at {url.path}")
            return
        query = parse_qs(url.query)
        try:
            limit = int(query.get("limit", ["100"])[0])
            start = _position(query["cursor"][0]) if "cursor" in query else 0
            endless = api.behaviour.endless
            if not 1 <= limit <= MAX_PAGE or start < 0 or (start > len(records) and not endless):
                raise ValueError(f"limit must be 1..{MAX_PAGE} and the cursor inside the collection")
        except ValueError as error:
            self._error(HTTPStatus.BAD_REQUEST, str(error))
            return
        end = min(start + limit, len(records))
        next_cursor = json.dumps(_cursor(max(end, start + limit)) if endless or end < len(records) else None)
        body = b'{"data":[' + b",".join(records[start:end]) + b'],"next_cursor":' + next_cursor.encode()
        body += f',"total":{len(records)}}}'.encode()
        self._send(HTTPStatus.OK, body)


@contextmanager
def running_api(
    region_dir: Path, token: str, behaviour: ApiBehaviour | None = None, port: int = 0, host: str = "127.0.0.1"
) -> Iterator[RegionalApi]:
    """The API serving `region_dir` on 127.0.0.1 (a free port unless one is given) until the block ends."""
    api = RegionalApi(region_dir, token, behaviour or ApiBehaviour(), port, host)
    thread = threading.Thread(target=api.serve_forever, name="regional-api", daemon=True)
    thread.start()
    try:
        yield api
    finally:
        api.shutdown()
        api.server_close()
        thread.join(timeout=10)
