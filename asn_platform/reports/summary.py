"""What `make run` shows at the end: what was loaded, what the gates saw, what the marts say, where things are."""

from __future__ import annotations

from urllib.parse import urlsplit

import duckdb

from asn_platform.core.console import text_table
from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect, has_table
from asn_platform.quality.runner import RESULTS_SCHEMA, RESULTS_TABLE, RESULTS_TABLE_NAME
from asn_platform.quality.suites import STAGES
from asn_platform.serving.bi import bi_connection_string

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
SELECT training.region, training.calendar_year::VARCHAR, training.meeting_20_jp_pct || ' %', training.mean_jp,
       training.ict_jp_pct || ' %', fit.fit_pct || ' %', fit.critical, fit.merit, coalesce(service.ikm::VARCHAR, '-')
FROM training LEFT JOIN fit USING (region) LEFT JOIN service USING (region)
ORDER BY training.region
"""


def _headlines(analytics: duckdb.DuckDBPyConnection) -> list[str]:
    rows = analytics.execute(HEADLINES).fetchall()
    headers = ("region", "year", "met 20 JP", "mean JP", "ICT JP", "placement fit", "critical misfits",
               "merit candidates", "IKM")  # fmt: skip
    return [
        "",
        "Headline figures, latest complete year (competency.unit_year, placement.unit_fit, "
        "service_quality.service_competency_link):",
        text_table(headers, rows),
        "  (placement fit: staff whose education field matches their unit's sector, of those assessable; IKM on "
        "25-100, mutu B from 76.61)",
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


def _quality(build: duckdb.DuckDBPyConnection) -> list[str]:
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
    parts = ["", "Data-quality checks (latest validation of each table; errors block their stage, warnings are shown):"]
    parts.append(text_table(("stage", "tables", "checks", "failed", "warned"), counts))
    for severity, stage, table, expectation, target, unexpected, elements in failures[:SHOWN_FAILURES]:
        rows = f"{unexpected:,} of {elements:,} rows" if elements is not None else f"{unexpected or 0:,} rows"
        parts.append(f"  {severity}: {stage} {table}: {expectation}({target}): {rows}")
    if len(failures) > SHOWN_FAILURES:
        parts.append(f"  ... and {len(failures) - SHOWN_FAILURES} more in {RESULTS_TABLE}")
    return parts


def _where_things_are(settings: Settings) -> list[str]:
    published = settings.analytics_path
    lines = [
        "Where things are:",
        f"  landing area (deliveries)          {settings.landing_dir}",
        f"  build database (private)           {settings.warehouse_path}",
        f"  published, pseudonymous (analysts) {published}",
        f"  published, restricted (HR agency)  {settings.restricted_path}  (owner-only: names and NIPs)",
        f"  every mart as Parquet              {settings.parquet_dir}/<schema>/<table>.parquet",
        f"  kept versions (rollback)           {settings.versions_dir}  (python -m asn_platform versions)",
        f"  report index (charts, lineage, DQ) {settings.reports_dir / 'index.html'}",
        f"  Airflow home (SQLite metadata)     {settings.airflow_home}",
        "",
        "BI connection (Superset, any SQLAlchemy tool; read-only, duckdb-engine):",
        f"  {bi_connection_string(settings)}",
    ]
    uri = settings.serving_postgres_uri()
    if uri:
        parts = urlsplit(uri)
        lines.append(f"  JDBC (PostgreSQL target): jdbc:postgresql://{parts.hostname}:{parts.port or 5432}{parts.path}")
    lines += [
        "",
        "Query the published warehouse (read-only):",
        f"  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{published}', read_only=True)"
        ".sql('SELECT * FROM core.dim_employee LIMIT 5'))\"",
        "",
    ]
    return lines


def render(settings: Settings) -> str:
    parts = ["", "=" * 100, "ASN workforce data platform: result", "=" * 100]
    if settings.warehouse_path.exists():
        with connect(settings.warehouse_path, read_only=True, settings=settings) as build:
            if has_table(build, "raw", "load_audit"):
                rows = build.execute(
                    """SELECT region, dataset, delivery_date::VARCHAR, status, received_rows, loaded_rows,
                              quarantined_rows, duplicate_rows, round(duration_s, 1)
                       FROM raw.load_audit
                       QUALIFY row_number() OVER (PARTITION BY delivery_id ORDER BY finished_at DESC) = 1
                       ORDER BY region, dataset, delivery_date"""
                ).fetchall()
                parts += ["", "Deliveries (latest load of each):"]
                headers = ("region", "dataset", "delivered", "status", "received", "loaded", "quarantined",
                           "duplicates", "seconds")  # fmt: skip
                parts.append(text_table(headers, rows))
            if has_table(build, RESULTS_SCHEMA, RESULTS_TABLE_NAME):
                parts += _quality(build)
    published = settings.analytics_path
    if published.exists():
        with connect(published, read_only=True, settings=settings) as analytics:
            rows = analytics.execute(
                """SELECT region, count(*) AS active, count(*) FILTER (employment_type = 'PNS') AS pns,
                          count(*) FILTER (employment_type = 'PPPK') AS pppk,
                          round(100.0 * count(*) FILTER (gender = 'F') / count(*), 1) || ' %' AS women
                   FROM core.dim_employee WHERE status = 'active' GROUP BY region ORDER BY region"""
            ).fetchall()
            parts += ["", "Active civil servants by region (published mart core.dim_employee):"]
            parts.append(text_table(("region", "active", "PNS", "PPPK", "women"), rows))
            parts += _headlines(analytics)
            (version, published_at) = analytics.execute("SELECT version, published_at FROM main.publication").fetchone()
        parts += ["", f"Serving version {version}, published {published_at:%Y-%m-%d %H:%M:%S %Z}"]
    else:
        parts += ["", "Nothing published yet."]
    parts += ["", *_where_things_are(settings)]
    return "\n".join(parts)
