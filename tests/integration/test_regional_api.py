"""Banjarbaru's API path against the real stand-in server on 127.0.0.1: auth, pagination, 429/5xx, resume."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx
import pytest

from asn_platform.core.settings import SOURCES_DIR, Settings
from asn_platform.generator import generate_sample
from asn_platform.generator.profiles import BANJARBARU
from asn_platform.generator.regional_api import ApiBehaviour, RegionalApi, running_api
from ingestion.api import ApiError, fetch_dataset
from ingestion.service import load_pending

TOKEN = "test-token-banjarbaru"
FETCH_DATE = date(2026, 11, 2)


@pytest.fixture
def store(settings: Settings) -> Path:
    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(BANJARBARU,), api_dir=settings.source_api_dir)
    return settings.source_api_dir / "banjarbaru"


@pytest.fixture
def connect_to(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Settings]:
    """Point the banjarbaru_api connection at a running server (with this token) for the test: in the settings it
    returns, and in the environment (for the command line)."""

    def point(api: RegionalApi, token: str = TOKEN) -> Settings:
        variable, uri = "AIRFLOW_CONN_BANJARBARU_API", f"http://:{token}@127.0.0.1:{api.server_address[1]}"
        monkeypatch.setenv(variable, uri)
        return settings.model_copy(update={"connections": {**settings.connections, variable: uri}})

    return point


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_server_pages_with_a_cursor_and_refuses_a_wrong_token(store: Path) -> None:
    with running_api(store, TOKEN, ApiBehaviour(fail_every=0)) as api:
        url = f"{api.base_url}/v1/complaints"
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        first = httpx.get(url, params={"limit": 100}, headers=auth).json()
        second = httpx.get(url, params={"limit": 100, "cursor": first["next_cursor"]}, headers=auth).json()
        assert len(first["data"]) == 100
        assert first["data"][0]["ticketId"] != second["data"][0]["ticketId"]
        assert first["total"] == len(_lines(store / "complaints.jsonl"))
        assert httpx.get(url, params={"cursor": "garbage!"}, headers=auth).status_code == 400
        assert httpx.get(f"{api.base_url}/v1/nothing", headers=auth).status_code == 404


def test_server_throttles_with_retry_after(store: Path) -> None:
    with running_api(store, TOKEN, ApiBehaviour(rate_per_second=2, fail_every=0)) as api:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        answers = [httpx.get(f"{api.base_url}/v1/complaints", headers=auth) for _ in range(6)]
    throttled = [answer for answer in answers if answer.status_code == 429]
    assert throttled
    assert throttled[0].headers["Retry-After"] == "1"


def test_fetch_survives_throttling_and_server_errors_and_lands_every_record_once(
    settings: Settings, store: Path, connect_to: object
) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with running_api(store, TOKEN, ApiBehaviour(rate_per_second=3, fail_every=4)) as api:
        result = fetch_dataset("banjarbaru", "survey_responses", FETCH_DATE, connect_to(api), sleep=sleep)  # type: ignore[operator]
        assert api.failed > 0
        assert api.throttled > 0
    served = _lines(store / "survey_responses.jsonl")
    landed = _lines(result.path)
    assert (
        result.path == settings.landing_dir / "banjarbaru/survey_responses/2026-11-02/survey_responses_20261102.jsonl"
    )
    assert result.records == len(served) == len(landed)
    assert [json.loads(line) for line in landed] == [json.loads(line) for line in served]  # same records, in order
    assert result.retries >= api.failed
    assert 1.0 in waits  # it honoured Retry-After
    assert not list(result.path.parent.glob(".*"))  # no partial file or checkpoint left behind


def test_an_interrupted_fetch_resumes_from_its_checkpoint(settings: Settings, store: Path, connect_to: object) -> None:
    with running_api(store, TOKEN, ApiBehaviour(fail_every=0, outage_after=4)) as api:
        current = connect_to(api)  # type: ignore[operator]
        # Four pages answer, then the API is down for longer than the client's retries last.
        with pytest.raises(ApiError, match=r"gave up after 6 attempts \(last: 503 Service Unavailable\)"):
            fetch_dataset("banjarbaru", "survey_responses", FETCH_DATE, current, sleep=lambda _: None)
        target_dir = settings.landing_dir / "banjarbaru" / "survey_responses" / FETCH_DATE.isoformat()
        assert not list(target_dir.glob("*.jsonl"))  # nothing half-fetched is offered for loading
        api.behaviour.outage_after = None  # the API is back
        requests_before = api.requests
        result = fetch_dataset("banjarbaru", "survey_responses", FETCH_DATE, current, sleep=lambda _: None)
    assert result.resumed_from_page == 4
    assert api.requests - requests_before == result.pages - 4  # it did not start over
    landed = [json.loads(line)["id"] for line in _lines(result.path)]
    assert len(landed) == len(set(landed)) == len(_lines(store / "survey_responses.jsonl"))


def _registry_with_limits(settings: Settings, root: Path, limits: str) -> Settings:
    """The settings with a copy of the registry whose complaints API has `limits` (YAML flow keys) added."""
    sources = root / "limited_sources"
    sources.mkdir()
    original = (SOURCES_DIR / "banjarbaru.yml").read_text(encoding="utf-8")
    endpoint = "endpoint: /v1/complaints, page_size: 500"
    assert endpoint in original
    (sources / "banjarbaru.yml").write_text(original.replace(endpoint, f"{endpoint}, {limits}"), encoding="utf-8")
    return settings.model_copy(update={"sources_dir": sources})


@pytest.mark.parametrize(
    ("limits", "stopped_at"),
    [
        ("max_pages: 5", r"stopped at the registry's api.max_pages \(5\); an endless cursor, or raise the limit"),
        ("max_fetch_s: 0.5", r"stopped at the registry's api.max_fetch_s \(0.5 s\); a slow or endless API"),
    ],
)
def test_a_cursor_that_never_ends_stops_at_the_registrys_page_or_time_limit(
    store: Path, connect_to: object, tmp_path: Path, limits: str, stopped_at: str
) -> None:
    with running_api(store, TOKEN, ApiBehaviour(rate_per_second=1e9, fail_every=0, endless=True)) as api:
        limited = _registry_with_limits(connect_to(api), tmp_path, limits)  # type: ignore[operator]
        with pytest.raises(ApiError) as stopped:
            fetch_dataset("banjarbaru", "complaints", FETCH_DATE, limited, sleep=lambda _: None)
        requests = api.requests
    message = str(stopped.value)
    # The error names the region, the dataset, how many pages and seconds it took, and which limit stopped it.
    pages = int(re.match(r"banjarbaru/complaints: ([0-9,]+) pages fetched in [0-9]+ s and the API still gives a next "
                         "cursor: ", message)[1].replace(",", ""))  # type: ignore[index]  # fmt: skip
    assert re.search(stopped_at, message)
    assert pages == requests  # every page it fetched, and none after the limit
    assert pages > len(_lines(store / "complaints.jsonl")) // 500  # it went past the last record before stopping
    if limits == "max_pages: 5":
        assert pages == 5
    target_dir = limited.landing_dir / "banjarbaru" / "complaints" / FETCH_DATE.isoformat()
    assert not list(target_dir.glob("*.jsonl"))  # nothing offered for loading


def test_a_wrong_token_is_a_clear_error_and_nothing_lands(settings: Settings, store: Path, connect_to: object) -> None:
    with running_api(store, TOKEN) as api:
        current = connect_to(api, token="stale-token")  # type: ignore[operator]
        with pytest.raises(ApiError, match=r"401 Unauthorized: check the connection's token"):
            fetch_dataset("banjarbaru", "complaints", FETCH_DATE, current, sleep=lambda _: None)
    assert not list((settings.landing_dir / "banjarbaru" / "complaints" / FETCH_DATE.isoformat()).glob("*.jsonl"))


def test_fetched_and_file_deliveries_load_and_a_second_fetch_is_a_no_op(
    settings: Settings, store: Path, connect_to: object
) -> None:
    with running_api(store, TOKEN, ApiBehaviour(fail_every=0)) as api:
        current = connect_to(api)  # type: ignore[operator]
        fetched = fetch_dataset("banjarbaru", "complaints", FETCH_DATE, current)
        again = fetch_dataset("banjarbaru", "complaints", FETCH_DATE, current)
        fetch_dataset("banjarbaru", "survey_responses", FETCH_DATE, current)
    assert again.status == "already_fetched"
    results = {result.delivery.dataset: result for result in load_pending(current, "banjarbaru")}
    assert {dataset: result.status for dataset, result in results.items()} == dict.fromkeys(
        ("complaints", "personnel", "services", "survey_responses", "training", "units"), "loaded"
    )
    assert results["complaints"].loaded == fetched.records
    assert results["personnel"].loaded == BANJARBARU.headcount


def test_a_fetch_interrupted_after_its_last_page_finishes_without_fetching_again(
    settings: Settings, store: Path, connect_to: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ingestion.api

    promote = ingestion.api._promote

    def crash(*args: object) -> None:
        raise KeyboardInterrupt  # the process dies between the last checkpoint and the rename

    with running_api(store, TOKEN, ApiBehaviour(fail_every=0)) as api:
        current = connect_to(api)  # type: ignore[operator]
        monkeypatch.setattr(ingestion.api, "_promote", crash)
        with pytest.raises(KeyboardInterrupt):
            fetch_dataset("banjarbaru", "complaints", FETCH_DATE, current)
        monkeypatch.setattr(ingestion.api, "_promote", promote)
        requests_before = api.requests
        result = fetch_dataset("banjarbaru", "complaints", FETCH_DATE, current)
    assert api.requests == requests_before  # nothing fetched twice
    landed = [json.loads(line)["ticketId"] for line in _lines(result.path)]
    assert len(landed) == len(set(landed)) == len(_lines(store / "complaints.jsonl"))


def test_the_stand_in_api_command_names_what_is_missing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from asn_platform.__main__ import main

    monkeypatch.delenv("ASN_REGIONAL_API_TOKEN", raising=False)
    assert main(["regional-api", "banjarbaru"]) == 2
    assert "regional-api needs a token: --token, or ASN_REGIONAL_API_TOKEN" in capsys.readouterr().err
    with pytest.raises(
        SystemExit, match=r"no API store at .*source_api/banjarbaru; run `python -m asn_platform generate`"
    ):
        main(["regional-api", "banjarbaru", "--token", "t"])


def test_fetch_command_dates_the_delivery_by_the_regions_own_clock(
    settings: Settings, store: Path, connect_to: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ingestion.__main__ import main

    with running_api(store, TOKEN, ApiBehaviour(fail_every=0)) as api:
        connect_to(api)  # type: ignore[operator]
        before = datetime.now(ZoneInfo("Asia/Makassar")).date()  # Banjarbaru keeps WITA
        assert main(["fetch", "banjarbaru"]) == 0
        after = datetime.now(ZoneInfo("Asia/Makassar")).date()
    out = capsys.readouterr().out
    fetched = sorted(settings.landing_dir.glob("banjarbaru/complaints/*/complaints_*.jsonl"))
    assert [path.parent.name for path in fetched] in ([before.isoformat()], [after.isoformat()])
    assert "banjarbaru/complaints:" in out
