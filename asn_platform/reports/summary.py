"""What `make run` shows at the end: what was loaded, what the gates saw, what the marts say, where things are; in
the settings' report language (Bahasa Indonesia by default), numbers and dates written the language's way."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import duckdb

from asn_platform.core.console import text_table
from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect, has_table
from asn_platform.quality.holds import held_regions
from asn_platform.quality.runner import RESULTS_SCHEMA, RESULTS_TABLE, RESULTS_TABLE_NAME
from asn_platform.quality.suites import STAGES
from asn_platform.reports.language import Language
from asn_platform.serving.bi import bi_connection_string
from ingestion.registry import registry_problems

# The latest complete calendar year of each region (its snapshot year is still running), with what the marts say
# about it: training against 20 JP, placement fit, merit candidates and service quality (IKM, respondent-weighted).
HEADLINES = """
WITH years AS (SELECT region, max(calendar_year) - 1 AS calendar_year FROM competency.unit_year GROUP BY region),
training AS (
    SELECT u.region, any_value(u.calendar_year) AS calendar_year,
           round(100.0 * sum(u.meeting_20_jp) / sum(u.active_headcount), 1) AS meeting_20_jp_pct,
           round(1.0 * sum(u.jp_total) / sum(u.active_headcount), 1) AS mean_jp,
           round(100.0 * sum(u.jp_total * u.ict_jp_pct / 100) / sum(u.jp_total), 1) AS ict_jp_pct
    FROM competency.unit_year AS u JOIN years USING (region, calendar_year) GROUP BY u.region),
fit AS (
    SELECT region, round(100.0 * sum(matches) / sum(assessed), 1) AS fit_pct,
           sum(critical_mismatches) AS critical, sum(merit_eligible) AS merit
    FROM placement.unit_fit GROUP BY region),
service AS (
    SELECT l.region, round(sum(l.ikm * l.respondents) / sum(l.respondents), 2) AS ikm
    FROM service_quality.service_competency_link AS l JOIN years USING (region, calendar_year)
    WHERE l.respondents > 0 GROUP BY l.region)
SELECT training.region, training.calendar_year::VARCHAR, training.meeting_20_jp_pct, training.mean_jp,
       training.ict_jp_pct, fit.fit_pct, fit.critical, fit.merit, service.ikm
FROM training LEFT JOIN fit USING (region) LEFT JOIN service USING (region)
ORDER BY training.region
"""


HEADLINE_COLUMNS = ("region", "year", "met_20_jp", "mean_jp", "ict_jp", "placement_fit", "critical_misfits",
                    "merit_candidates", "ikm")  # fmt: skip


def headline_columns(t: Language) -> list[str]:
    """The headline table's column names, as the summary and the workforce pages show them."""
    return [t(f"headlines.{column}") for column in HEADLINE_COLUMNS]


def headline_cells(row: Sequence[Any], t: Language) -> list[str]:
    """A row of HEADLINES as people read it: shares as 85,3% (id) or 85.3% (en), IKM with two decimals."""
    region, year, met, mean_jp, ict, fit, critical, merit, ikm = row
    return [
        region,
        year,
        t.percent(met),
        _optional(mean_jp, t, 1),
        t.percent(ict),
        t.percent(fit),
        _optional(critical, t),
        _optional(merit, t),
        _optional(ikm, t, 2),
    ]


def _optional(value: int | Decimal | None, t: Language, places: int | None = None) -> str:
    return "-" if value is None else t.number(value, places)


def _cells(row: Sequence[Any], t: Language) -> list[str]:
    """A table row for text_table: counts and measures in the language's number format, dates its way."""
    cells = []
    for value in row:
        if isinstance(value, bool) or value is None:
            cells.append("-" if value is None else str(value))
        elif isinstance(value, Decimal):  # as many decimals as the query rounded to: 0,0 seconds, not 0
            cells.append(t.number(value, max(-int(value.as_tuple().exponent), 0)))
        elif isinstance(value, int | float):
            cells.append(t.number(value))
        elif isinstance(value, date) and not isinstance(value, datetime):
            cells.append(t.short_date(value))
        else:
            cells.append(str(value))
    return cells


def _headlines(analytics: duckdb.DuckDBPyConnection, t: Language) -> list[str]:
    rows = analytics.execute(HEADLINES).fetchall()
    return [
        "",
        t("summary.headlines"),
        text_table(headline_columns(t), [headline_cells(row, t) for row in rows]),
        "  " + t("summary.headlines_note"),
    ]


# The latest validation of each table by each suite: for a delivery, each region's latest file of each dataset.
LATEST_QUALITY = f"""
SELECT * FROM {RESULTS_TABLE}
WHERE (stage, suite, table_name, run_id) IN (
    SELECT stage, suite, table_name, arg_max(run_id, validated_at) FROM {RESULTS_TABLE}
    GROUP BY stage, suite, table_name)
"""
STAGE_ORDER = f"coalesce(list_position({list(STAGES)}, stage), {len(STAGES) + 1})"
SHOWN_FAILURES = 8


def _quality(build: duckdb.DuckDBPyConnection, t: Language) -> list[str]:
    counts = build.execute(
        f"""SELECT stage, count(DISTINCT suite || table_name), count(*),
                   count(*) FILTER (NOT success AND severity = 'error'),
                   count(*) FILTER (NOT success AND severity = 'warning')
            FROM ({LATEST_QUALITY}) GROUP BY stage ORDER BY {STAGE_ORDER}"""
    ).fetchall()
    failures = build.execute(
        f"""SELECT severity, stage, table_name, expectation,
                   coalesce(kwargs->>'description', column_name, '') AS target, unexpected_count, element_count
            FROM ({LATEST_QUALITY}) WHERE NOT success
            ORDER BY severity, {STAGE_ORDER}, table_name, expectation"""
    ).fetchall()
    parts = ["", t("summary.quality")]
    headers = [t(f"summary.quality_{column}") for column in ("stage", "tables", "checks", "failed", "warned")]
    parts.append(text_table(headers, [_cells(row, t) for row in counts]))
    for severity, stage, table, expectation, target, unexpected, elements in failures[:SHOWN_FAILURES]:
        rows = (
            t("summary.rows_of", unexpected=t.number(unexpected or 0), elements=t.number(elements))
            if elements is not None
            else t.count("summary.rows", unexpected or 0)
        )
        parts.append(f"  {t.label('severity', severity)}: {stage} {table}: {expectation}({target}): {rows}")
    if len(failures) > SHOWN_FAILURES:
        parts.append("  " + t("summary.more_failures", more=t.number(len(failures) - SHOWN_FAILURES),
                                table=RESULTS_TABLE))  # fmt: skip
    return parts


def _where_things_are(settings: Settings, t: Language) -> list[str]:
    published = settings.analytics_path
    places = [
        ("landing", str(settings.landing_dir)),
        ("build", str(settings.warehouse_path)),
        ("published", str(published)),
        ("restricted", f"{settings.restricted_path}  {t('summary.where.restricted_note')}"),
        ("parquet", f"{settings.parquet_dir}/<schema>/<table>.parquet"),
        ("versions", f"{settings.versions_dir}  (python -m asn_platform versions)"),
        ("reports", str(settings.reports_dir / "index.html")),
        ("airflow", str(settings.airflow_home)),
    ]
    labels = {key: t(f"summary.where.{key}") for key, _ in places}
    width = max(len(label) for label in labels.values())
    lines = [
        t("summary.where"),
        *(f"  {labels[key].ljust(width)} {where}" for key, where in places),
        "",
        t("summary.bi"),
        f"  {bi_connection_string(settings)}",
    ]
    uri = settings.serving_postgres_uri()
    if uri:
        parts = urlsplit(uri)
        jdbc = f"jdbc:postgresql://{parts.hostname}:{parts.port or 5432}{parts.path}"
        lines.append("  " + t("summary.jdbc", jdbc=jdbc))
    lines += [
        "",
        t("summary.query"),
        f"  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{published}', read_only=True)"
        ".sql('SELECT * FROM core.dim_employee LIMIT 5'))\"",
        "",
    ]
    return lines


def render(settings: Settings) -> str:
    t = Language.of(settings)
    parts = ["", "=" * 100, t("summary.title"), "=" * 100]
    if settings.sources_dir.is_dir() and (held := registry_problems(settings.sources_dir)):
        parts += ["", t("summary.held")]
        parts += [f"  {region}: {problem}" for region, problem in held.items()]
    if settings.warehouse_path.exists():
        with connect(settings.warehouse_path, read_only=True, settings=settings) as build:
            if gated := held_regions(build):
                parts += ["", t("summary.held_by_gate")]
                parts += [f"  {region}: {'; '.join(reasons)}" for region, reasons in gated.items()]
            if has_table(build, "raw", "load_audit"):
                rows = build.execute(
                    """SELECT region, dataset, delivery_date, status, received_rows, loaded_rows,
                              quarantined_rows, duplicate_rows, round(duration_s, 1)
                       FROM raw.load_audit
                       QUALIFY row_number() OVER (PARTITION BY delivery_id ORDER BY finished_at DESC) = 1
                       ORDER BY region, dataset, delivery_date"""
                ).fetchall()
                parts += ["", t("summary.deliveries")]
                headers = [t(f"summary.deliveries_{column}") for column in ("region", "dataset", "delivered",
                           "status", "received", "loaded", "quarantined", "duplicates", "seconds")]  # fmt: skip
                parts.append(text_table(headers, [_cells(row, t) for row in rows]))
            if has_table(build, RESULTS_SCHEMA, RESULTS_TABLE_NAME):
                parts += _quality(build, t)
    published = settings.analytics_path
    if published.exists():
        with connect(published, read_only=True, settings=settings) as analytics:
            rows = analytics.execute(
                """SELECT region, count(*) AS active, count(*) FILTER (employment_type = 'PNS') AS pns,
                          count(*) FILTER (employment_type = 'PPPK') AS pppk,
                          round(100.0 * count(*) FILTER (gender = 'F') / count(*), 1) AS women
                   FROM core.dim_employee WHERE status = 'active' GROUP BY region ORDER BY region"""
            ).fetchall()
            parts += ["", t("summary.active")]
            headers = [t("headlines.region"), t("summary.active_count"), "PNS", "PPPK", t("summary.women")]
            parts.append(text_table(headers, [[*_cells(row[:4], t), t.percent(row[4])] for row in rows]))
            parts += _headlines(analytics, t)
            (version, published_at) = analytics.execute("SELECT version, published_at FROM main.publication").fetchone()
        parts += ["", t("summary.serving", version=version, published=t.timestamp(published_at))]
    else:
        parts += ["", t("summary.nothing_published")]
    parts += ["", *_where_things_are(settings, t)]
    return "\n".join(parts)
