"""Every page of `reports_dir`, built the one way the DAG's `reports` task and `python -m asn_platform reports` do:
the workforce report (charts, from the published warehouse), the dbt docs (lineage), the Data Docs (from the
recorded data-quality results), then the index linking them.

Each builder runs on its own, so one failing (nothing published yet, a dbt project that does not compile) still
leaves the others and the index written; the failures are raised together at the end, naming each report.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from asn_platform.settings import Settings, get_settings


class ReportsFailed(RuntimeError):
    """One or more reports could not be built; the index and the other reports were still written."""


def _builders() -> dict[str, Callable[[Settings], Path]]:
    """Each report by name, with what builds it and returns its first page."""
    from asn_platform.quality.data_docs import build_data_docs
    from asn_platform.reports.dbt_docs import build_dbt_docs
    from asn_platform.reports.workforce import build_reports

    return {
        "workforce report": lambda settings: build_reports(settings)[0].page,
        "dbt docs": build_dbt_docs,
        "Data Docs": build_data_docs,
    }


def build_site(settings: Settings | None = None, *, only: tuple[str, ...] | None = None) -> dict[str, str]:
    """Build the reports (`only`: those named, e.g. ("Data Docs",)), then the index; returns what was written,
    by report. Raises ReportsFailed after writing the index if any report failed."""
    from asn_platform.reports.index import write_report_index

    settings = settings or get_settings()
    written: dict[str, str] = {}
    failures: list[str] = []
    for name, builder in _builders().items():
        if only is not None and name not in only:
            continue
        try:
            written[name] = str(builder(settings))
        except Exception as error:  # each report on its own: the index still says which one is missing
            failures.append(f"{name}: {error}")
    written["report index"] = str(write_report_index(settings))
    if failures:
        raise ReportsFailed("reports not built (the index and the others were): " + "; ".join(failures))
    return written
