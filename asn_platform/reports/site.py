"""Every page of `reports_dir`, built the one way the DAG's `reports` task and `python -m asn_platform reports` do:
the workforce report (charts, from the published warehouse), the dbt docs (lineage), the Data Docs (from the
recorded data-quality results), then the index linking them.

Each builder runs on its own, so one failing (nothing published yet, a dbt project that does not compile) still
leaves the others and the index written; the failures are raised together at the end, naming each report.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from asn_platform.core.settings import Settings
from asn_platform.reports.dbt_docs import build_dbt_docs, dbt_docs_index
from asn_platform.reports.index import ReportEntry, write_report_index
from asn_platform.reports.language import Language
from asn_platform.reports.workforce import build_reports, workforce_entry


class ReportsFailed(RuntimeError):
    """One or more reports could not be built; the index and the other reports were still written."""


def default_entries(settings: Settings) -> list[ReportEntry]:
    """The reports every build writes besides the Data Docs: the workforce report (charts, overall and per region)
    and the dbt docs (lineage). One not built yet is listed as such, not left out."""
    t = Language.of(settings)
    return [
        workforce_entry(settings),
        ReportEntry(t("index.dbt_docs_title"), dbt_docs_index(settings), t("index.dbt_docs")),
    ]


def write_index(settings: Settings) -> Path:
    """The report index linking the Data Docs and the default entries (`default_entries`)."""
    return write_report_index(settings, default_entries(settings))


def _build_data_docs(settings: Settings) -> Path:
    # Great Expectations' renderers load in seconds: only when the Data Docs are built.
    from asn_platform.reports.data_docs import build_data_docs

    return build_data_docs(settings)


def _builders() -> dict[str, Callable[[Settings], Path]]:
    """Each report by name, with what builds it and returns its first page."""
    return {
        "workforce report": lambda settings: build_reports(settings)[0].page,
        "dbt docs": build_dbt_docs,
        "Data Docs": _build_data_docs,
    }


def build_site(settings: Settings, *, only: tuple[str, ...] | None = None) -> dict[str, str]:
    """Build the reports (`only`: those named, e.g. ("Data Docs",)), then the index; returns what was written,
    by report. Raises ReportsFailed after writing the index if any report failed."""
    written: dict[str, str] = {}
    failures: list[str] = []
    for name, builder in _builders().items():
        if only is not None and name not in only:
            continue
        try:
            written[name] = str(builder(settings))
        except Exception as error:  # each report on its own: the index still says which one is missing
            failures.append(f"{name}: {error}")
    written["report index"] = str(write_index(settings))
    if failures:
        raise ReportsFailed("reports not built (the index and the others were): " + "; ".join(failures))
    return written
