"""Fetching a dataset a region serves over HTTP into the landing area, where it is then loaded like any file.

Page by page with cursor pagination; every page is appended to a hidden partial file and a checkpoint (next cursor,
bytes written) is saved after it, so a fetch that dies resumes where it stopped instead of starting over or
duplicating records. 429 answers are retried after their Retry-After; 5xx answers, timeouts and dropped connections
with exponential backoff; 401/403 and other client errors stop at once with what to fix. Only a complete
collection becomes `landing/<region>/<dataset>/<date>/<dataset>_<YYYYMMDD>.jsonl`, one record per line.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from fnmatch import fnmatch
from pathlib import Path

import httpx

from asn_platform.core.settings import ApiConnection, Settings
from ingestion.registry import ApiTransport, RegistryError, region_source

MAX_WAIT_S = 60.0  # longest honoured Retry-After or backoff step


class ApiError(RuntimeError):
    """The API could not be read; the message names the URL, what it answered and what to do."""


@dataclass(frozen=True)
class FetchResult:
    region: str
    dataset: str
    path: Path
    status: str  # fetched | already_fetched
    records: int = 0
    pages: int = 0
    retries: int = 0
    resumed_from_page: int = 0


def _wait_seconds(response: httpx.Response | None, attempt: int) -> float:
    """Retry-After (seconds or an HTTP date) when the server gives one, else exponential backoff with jitter."""
    header = response.headers.get("Retry-After") if response is not None else None
    if header:
        try:
            return min(MAX_WAIT_S, max(0.0, float(header)))
        except ValueError:
            try:
                return min(MAX_WAIT_S, max(0.0, parsedate_to_datetime(header).timestamp() - time.time()))
            except (TypeError, ValueError):
                pass
    step = min(MAX_WAIT_S, 0.5 * 2 ** (attempt - 1))
    return step + random.uniform(0, step / 10)  # jitter, so clients do not retry in step


def _page(
    client: httpx.Client, url: str, params: dict[str, str | int], api: ApiTransport, sleep: Callable[[float], None]
) -> tuple[dict[str, object], int]:
    """One page's JSON and how many retries it took."""
    last = ""
    for attempt in range(1, api.max_attempts + 1):
        response = None
        try:
            response = client.get(url, params=params)
        except httpx.TimeoutException:
            last = f"no answer within {api.timeout_s:g} s"
        except httpx.TransportError as error:
            last = f"connection failed ({type(error).__name__}: {error})"
        else:
            status = response.status_code
            if status == httpx.codes.OK:
                try:
                    body = response.json()
                except json.JSONDecodeError as error:
                    raise ApiError(f"{response.url}: answered 200 with invalid JSON ({error.msg})") from None
                if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                    raise ApiError(f"{response.url}: answer has no 'data' list; is the endpoint right?")
                return body, attempt - 1
            if status in {httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN}:
                raise ApiError(f"{response.url}: {status} {response.reason_phrase}: check the connection's token")
            if status != httpx.codes.TOO_MANY_REQUESTS and status < httpx.codes.INTERNAL_SERVER_ERROR:
                raise ApiError(f"{response.url}: {status} {response.reason_phrase}: {response.text[:200]}")
            last = f"{status} {response.reason_phrase}"
        if attempt < api.max_attempts:
            sleep(_wait_seconds(response, attempt))
    raise ApiError(f"{url} {params}: gave up after {api.max_attempts} attempts (last: {last})")


@dataclass
class _Checkpoint:
    """Progress of a fetch, saved after every page: the next cursor and how much of the partial file is good."""

    cursor: str | None = None
    bytes: int = 0
    records: int = 0
    pages: int = 0

    @classmethod
    def resume(cls, path: Path, partial: Path) -> _Checkpoint:
        """Where an earlier fetch stopped; from the start if there is no usable checkpoint (none, unreadable, or
        claiming more bytes than the partial file holds)."""
        try:
            state = cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return cls()
        if not partial.exists() or partial.stat().st_size < state.bytes:
            return cls()
        return state

    def save(self, path: Path) -> None:
        draft = path.with_suffix(".tmp")
        with draft.open("w", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(self)))
            handle.flush()
            os.fsync(handle.fileno())
        draft.replace(path)  # atomic: a crash leaves the old checkpoint or the new one, never half of one


def fetch_dataset(
    region: str,
    dataset: str,
    delivery_date: date,
    settings: Settings,
    *,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[str], None] | None = None,
    connection: ApiConnection | None = None,
) -> FetchResult:
    """Fetch the whole collection as the delivery of `delivery_date`; a delivery already fetched is not fetched
    again, and an interrupted one resumes from its checkpoint. The connection is the registry's, from the
    environment, unless the caller resolved it (Airflow tasks use Airflow's connections and secrets backends)."""
    config = region_source(region, settings.sources_dir).dataset(dataset)
    if config.api is None:
        raise RegistryError(f"{region}/{dataset} is delivered as files, not through an API")
    name = f"{dataset}_{delivery_date:%Y%m%d}.jsonl"
    if not fnmatch(name, config.file_pattern):
        raise RegistryError(f"{region}/{dataset}: file_pattern {config.file_pattern!r} must match fetched {name!r}")
    target_dir = settings.landing_dir / region / dataset / delivery_date.isoformat()
    target = target_dir / name
    if target.exists():
        return FetchResult(region, dataset, target, "already_fetched")
    target_dir.mkdir(parents=True, exist_ok=True)
    partial, checkpoint = target_dir / f".{name}.partial", target_dir / f".{name}.checkpoint.json"
    state = _Checkpoint.resume(checkpoint, partial)
    resumed_from = state.pages
    if state.pages and state.cursor is None:
        # Every page was written before an interruption; only the rename was missing.
        _promote(partial, checkpoint, target)
        return FetchResult(region, dataset, target, "fetched", state.records, state.pages, 0, resumed_from)
    connection = connection or settings.api_connection(config.api.connection_id)
    url = connection.base_url + config.api.endpoint
    retries = 0
    started = time.monotonic()
    headers = {"Authorization": f"Bearer {connection.token}", "Accept": "application/json"}
    with (
        httpx.Client(timeout=config.api.timeout_s, headers=headers) as client,
        partial.open("r+b" if partial.exists() else "wb") as out,
    ):
        out.truncate(state.bytes)  # drop whatever was written after the last checkpoint
        out.seek(0, os.SEEK_END)
        seen = {state.cursor}
        while True:
            _within_limits(region, dataset, config.api, state.pages, time.monotonic() - started)
            params: dict[str, str | int] = {"limit": config.api.page_size}
            if state.cursor:
                params["cursor"] = state.cursor
            body, page_retries = _page(client, url, params, config.api, sleep)
            retries += page_retries
            records: list[object] = body["data"]  # type: ignore[assignment]  # a list, checked by _page
            out.write(b"".join(_json_line(record) for record in records))
            out.flush()
            os.fsync(out.fileno())
            next_cursor = body.get("next_cursor")
            state = _Checkpoint(
                str(next_cursor) if next_cursor else None, out.tell(), state.records + len(records), state.pages + 1
            )
            state.save(checkpoint)
            if progress and state.pages % 20 == 0:
                progress(f"{region}/{dataset}: {state.records} records in {state.pages} pages")
            if not state.cursor:
                break
            if state.cursor in seen:  # a server that hands out the same cursor again would page forever
                raise ApiError(f"{url}: cursor {state.cursor!r} came back after page {state.pages}; stopping")
            seen.add(state.cursor)
    _promote(partial, checkpoint, target)
    return FetchResult(region, dataset, target, "fetched", state.records, state.pages, retries, resumed_from)


def _within_limits(region: str, dataset: str, api: ApiTransport, pages: int, seconds: float) -> None:
    """Raises once a fetch has taken the registry's most pages or seconds: a cursor that never repeats but never ends
    (seen: 10,972 requests in 20 s) would otherwise page until the disk is full. What was fetched stays, with its
    checkpoint, for a retry to resume once the limit is raised or the API mended."""
    if pages >= api.max_pages:
        raise ApiError(
            f"{region}/{dataset}: {pages:,} pages fetched in {seconds:.0f} s and the API still gives a next cursor: "
            f"stopped at the registry's api.max_pages ({api.max_pages:,}); an endless cursor, or raise the limit"
        )
    if seconds >= api.max_fetch_s:
        raise ApiError(
            f"{region}/{dataset}: {pages:,} pages fetched in {seconds:.0f} s and the API still gives a next cursor: "
            f"stopped at the registry's api.max_fetch_s ({api.max_fetch_s:g} s); a slow or endless API, or raise the "
            "limit"
        )


def _promote(partial: Path, checkpoint: Path, target: Path) -> None:
    """The complete partial file becomes the delivery (atomically), and its checkpoint goes."""
    partial.replace(target)
    checkpoint.unlink()


def _json_line(record: object) -> bytes:
    """The record as the API sent it, one per line: same keys, strings and values (numbers as JSON doubles), any
    non-ASCII character escaped, so even a lone surrogate from a cut-off emoji is written, not a crash."""
    return json.dumps(record, ensure_ascii=True, separators=(",", ":")).encode() + b"\n"


def fetch_region(
    region: str,
    delivery_date: date,
    settings: Settings,
    connections: dict[str, ApiConnection] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[FetchResult]:
    """Fetch every dataset the region serves through an API, for `delivery_date`; `connections` by connection id
    when the caller resolved them; `progress` hears every 20 pages."""
    source = region_source(region, settings.sources_dir)
    return [
        fetch_dataset(
            region,
            dataset,
            delivery_date,
            settings,
            connection=(connections or {}).get(config.api.connection_id),
            progress=progress,
        )
        for dataset, config in sorted(source.datasets.items())
        if config.api is not None
    ]
