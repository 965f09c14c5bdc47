"""The report index, `reports_dir/index.html`: the page people open first. It links to each report (the Data
Docs, and whatever entries a caller adds) and sums up what the data-quality gates recorded, per stage.

Plain HTML on the vendored bootstrap, every link relative, so the folder reads the same from a file share, a laptop
or a web server, with no network.
"""

from __future__ import annotations

import html
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

INDEX_NAME = "index.html"
# Stages in pipeline order, with what each guards; a stage not listed here is shown after them under its own name.


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


def _link(entry: ReportEntry, index: Path) -> str:
    description = f'<div class="small text-muted">{html.escape(entry.description)}</div>' if entry.description else ""
    if not entry.page.is_file():
        return (
            f'<div class="list-group-item text-muted"><strong>{html.escape(entry.title)}</strong> '
            f"(not built yet){description}</div>"
        )
    href = html.escape(relative_url(entry.page, index))
    return (
        f'<a class="list-group-item list-group-item-action" href="{href}">'
        f"<strong>{html.escape(entry.title)}</strong>{description}</a>"
    )


def _summary_table(summaries: list[StageSummary]) -> str:
    rows = []
    for summary in summaries:
        shade = "table-danger" if summary.failed_errors else "table-warning" if summary.failed_warnings else ""
        label = STAGES.get(summary.stage, summary.stage)
        rows.append(
            f'<tr class="{shade}"><td><strong>{html.escape(summary.stage)}</strong>'
            f'<div class="small text-muted">{html.escape(label)}</div></td>'
            f'<td class="text-right">{summary.suites:,}</td><td class="text-right">{summary.runs:,}</td>'
            f'<td class="text-right">{summary.checks:,}</td><td class="text-right">{summary.failed_errors:,}</td>'
            f'<td class="text-right">{summary.failed_warnings:,}</td>'
            f"<td>{summary.latest_run:%Y-%m-%d %H:%M} UTC</td></tr>"
        )
    columns = ("Stage", "Suites", "Runs", "Checks run", "Failed errors", "Failed warnings", "Latest run")
    numeric = {"Suites", "Runs", "Checks run", "Failed errors", "Failed warnings"}
    right = ' data-align="right"'
    header = "".join(f'<th data-sortable="true"{right if name in numeric else ""}>{name}</th>' for name in columns)
    return (
        f'<table class="table table-sm" id="dq-summary" data-toggle="table">'
        f"<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def render_index(settings: Settings, entries: Sequence[ReportEntry], index: Path) -> str:
    try:
        summaries = stage_summaries(settings)
        quality = _summary_table(summaries) + (
            f'<p class="small text-muted">Over the latest {RUNS_KEPT} runs of each suite, as the Data Docs show them. '
            "A failed error blocks its stage; a failed warning is recorded and shown. Every check and its failing "
            "values are in the Data Docs.</p>"
        )
    except DataDocsError as error:
        quality = f'<div class="alert alert-secondary">No data-quality results yet: {html.escape(str(error))}</div>'

    def asset(key: str) -> str:
        return html.escape(asset_url(settings, key, index))

    links = "".join(_link(entry, index) for entry in entries)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>ASN workforce data platform: reports</title>
  <link rel="stylesheet" href="{asset("bootstrap.css")}">
  <link rel="stylesheet" href="{asset("bootstrap-table.css")}">
</head>
<body class="bg-light">
  <main class="container py-4">
    <h1 class="h3">ASN workforce data platform: reports</h1>
    <p class="text-muted small">Written {generated}.</p>
    <h2 class="h5 mt-4">Reports</h2>
    <div class="list-group mb-4">{links}</div>
    <h2 class="h5">Data quality</h2>
    {quality}
  </main>
  <script src="{asset("jquery.js")}"></script>
  <script src="{asset("bootstrap-table.js")}"></script>
</body>
</html>
"""


def write_report_index(settings: Settings, entries: Sequence[ReportEntry]) -> Path:
    """Write `reports_dir/index.html`: the Data Docs first, then `entries` (`reports.site.default_entries`: the
    workforce report and the dbt docs), then the data-quality summary per stage; returns its path. Written whole under
    another name and renamed into place."""
    index = settings.reports_dir / INDEX_NAME
    ensure_assets(settings)
    data_docs = ReportEntry(
        "Data Docs",
        settings.data_docs_dir / "index.html",
        "Every data-quality check of the latest runs, per stage and suite, with the failing values "
        "(Great Expectations); rebuilt by make data-docs.",
    )
    page = render_index(settings, [data_docs, *entries], index)
    descriptor, draft = tempfile.mkstemp(prefix=".index.", suffix=".html", dir=settings.reports_dir)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(page)
    Path(draft).chmod(0o644)
    Path(draft).replace(index)
    return index
