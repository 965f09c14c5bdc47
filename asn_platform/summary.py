"""What `make run` shows at the end: what was loaded, what the gates saw, what the marts say, where things are."""

from __future__ import annotations

from collections.abc import Sequence

from asn_platform.quality.runner import RESULTS_TABLE
from asn_platform.settings import Settings
from asn_platform.warehouse import connect, has_table


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[f"{value:,}" if isinstance(value, int) else str(value) for value in row] for row in rows]
    widths = [max([len(header), *(len(row[i]) for row in cells)]) for i, header in enumerate(headers)]
    lines = ["  ".join(header.ljust(width) for header, width in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    for row in cells:
        lines.append(
            "  ".join(
                cell.rjust(w) if cell[:1].isdigit() else cell.ljust(w) for cell, w in zip(row, widths, strict=True)
            )
        )
    return "\n".join("  " + line for line in lines)


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
            if has_table(build, "dq", "expectation_results"):
                rows = build.execute(
                    f"""SELECT stage, count(*), count(*) FILTER (NOT success AND severity = 'error'),
                               count(*) FILTER (NOT success AND severity = 'warning')
                        FROM {RESULTS_TABLE}
                        WHERE (stage, run_id) IN (SELECT stage, arg_max(run_id, validated_at) FROM {RESULTS_TABLE}
                                                  GROUP BY stage, suite)
                        GROUP BY stage ORDER BY stage"""
                ).fetchall()
                parts += ["", "Data-quality checks (latest run of each suite):"]
                parts.append(text_table(("stage", "checks", "failed", "warned"), rows))
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
            rows = analytics.execute(
                """SELECT unit_code, count(*) FROM core.dim_employee WHERE status = 'active'
                   GROUP BY unit_code ORDER BY 2 DESC, 1 LIMIT 5"""
            ).fetchall()
            parts += ["", "Largest units:"]
            parts.append(text_table(("unit", "active"), rows))
            (published_at,) = analytics.execute("SELECT published_at FROM main.publication").fetchone()
        parts += ["", f"Published {published_at:%Y-%m-%d %H:%M:%S %Z}"]
    else:
        parts += ["", "Nothing published yet."]
    parts += [
        "",
        "Where things are:",
        f"  landing area (deliveries)       {settings.landing_dir}",
        f"  build database (private)        {settings.warehouse_path}",
        f"  published warehouse (analysts)  {published}",
        f"  Airflow home (SQLite metadata)  {settings.airflow_home}",
        "",
        "Query the published warehouse (read-only):",
        f"  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{published}', read_only=True)"
        ".sql('SELECT * FROM core.dim_employee LIMIT 5'))\"",
        "",
    ]
    return "\n".join(parts)
