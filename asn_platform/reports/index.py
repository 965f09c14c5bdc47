"""The report index, `reports_dir/index.html`: the page people open first. It links to each report (the Data
Docs, and whatever entries a caller adds) and sums up what the data-quality gates recorded, per stage.

Plain HTML on the vendored bootstrap, every link relative, so the folder reads the same from a file share, a laptop
or a web server, with no network.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from asn_platform.core.settings import Settings
from asn_platform.quality.runner import RESULTS_TABLE
from asn_platform.quality.suites import STAGES
from asn_platform.reports.assets import asset_url, ensure_assets, relative_url
from asn_platform.reports.dq_results import RUNS_KEPT, DataDocsError, latest_runs_sql, recorded_results
from asn_platform.reports.language import Language
from asn_platform.reports.pages import render_template

INDEX_NAME = "index.html"


@dataclass(frozen=True)
class ReportEntry:
    """One report the index links to."""

    title: str
    page: Path  # the page itself, wherever it lives; the index links to it by a relative path
    description: str = ""


@dataclass(frozen=True)
class StageSummary:
    stage: str
    suites: int
    runs: int
    checks: int
    failed_errors: int
    failed_warnings: int
    latest_run: datetime


def stage_summaries(settings: Settings) -> list[StageSummary]:
    """Per stage, over the runs the Data Docs show (the latest RUNS_KEPT of each suite): suites, runs, checks run,
    failed errors and warnings, the latest run. Raises DataDocsError when nothing is recorded yet."""
    with recorded_results(settings) as connection:
        rows = connection.execute(
            f"""WITH latest AS ({latest_runs_sql()})
                SELECT stage, count(DISTINCT suite), count(DISTINCT (suite, run_id, table_name)), count(*),
                       count_if(NOT r.success AND r.severity = 'error'),
                       count_if(NOT r.success AND r.severity = 'warning'), max(r.validated_at)
                FROM latest JOIN {RESULTS_TABLE} r USING (stage, suite, run_id, table_name)
                GROUP BY stage"""
        ).fetchall()
    order = list(STAGES)
    rows.sort(key=lambda row: (order.index(row[0]) if row[0] in order else len(order), row[0]))
    return [StageSummary(*row[:6], latest_run=row[6].astimezone(UTC)) for row in rows]


def render_index(settings: Settings, entries: Sequence[ReportEntry], index: Path) -> str:
    """The index page at `index`, in the settings' report language (templates/index.html)."""
    t = Language.of(settings)
    try:
        summaries, missing = stage_summaries(settings), None
    except DataDocsError as error:
        summaries, missing = [], str(error)

    def shade(summary: StageSummary) -> str:
        return "table-danger" if summary.failed_errors else "table-warning" if summary.failed_warnings else ""

    return render_template(
        "index.html",
        t,
        title=t("index.title"),
        written=t.timestamp(datetime.now(UTC)),
        reports=[
            (entry.title, entry.description, relative_url(entry.page, index) if entry.page.is_file() else None)
            for entry in entries
        ],
        stages=[
            {
                "stage": summary.stage,
                "label": t.label("stage", summary.stage, STAGES.get(summary.stage)),
                "shade": shade(summary),
                "counts": [t.number(count) for count in (summary.suites, summary.runs, summary.checks,
                                                         summary.failed_errors, summary.failed_warnings)],
                "latest_run": t.timestamp(summary.latest_run),
            }
            for summary in summaries
        ],
        runs_kept=RUNS_KEPT,
        missing=missing,
        assets={key: asset_url(settings, key, index) for key in (*INDEX_STYLESHEETS, *INDEX_SCRIPTS)},
        stylesheets=INDEX_STYLESHEETS,
        scripts=INDEX_SCRIPTS,
    )  # fmt: skip


INDEX_STYLESHEETS = ("bootstrap.css", "bootstrap-table.css")
INDEX_SCRIPTS = ("jquery.js", "bootstrap-table.js")


def write_report_index(settings: Settings, entries: Sequence[ReportEntry]) -> Path:
    """Write `reports_dir/index.html`: the Data Docs first, then `entries` (`reports.site.default_entries`: the
    workforce report and the dbt docs), then the data-quality summary per stage; returns its path. Written whole under
    another name and renamed into place."""
    index = settings.reports_dir / INDEX_NAME
    ensure_assets(settings)
    t = Language.of(settings)
    data_docs = ReportEntry(t("index.data_docs_title"), settings.data_docs_dir / "index.html", t("index.data_docs"))
    page = render_index(settings, [data_docs, *entries], index)
    descriptor, draft = tempfile.mkstemp(prefix=".index.", suffix=".html", dir=settings.reports_dir)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(page)
    Path(draft).chmod(0o644)
    Path(draft).replace(index)
    return index
