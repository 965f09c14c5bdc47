"""Writes bi/superset/assets/, the Superset assets (Superset's v1 export format) that the compose stack's superset-init
imports: the published warehouse as a database, a dataset per published mart, and one dashboard per area.

Generated rather than hand-written because each dataset repeats its mart's contract (every column, its type and its
description, from the marts' ymls) and each chart's saved query context repeats its form data. The committed YAML is
what gets imported; run this after changing a mart or a chart, then commit both:

    .venv/bin/python bi/superset/generate_assets.py

tests/integration/test_superset_dashboards.py imports the assets into a real Superset, runs every chart's saved query
on a published warehouse, and compares each dataset's columns with the published mart's.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent
ASSETS = ROOT / "assets"
MARTS = ROOT.parents[1] / "dbt_project" / "models" / "marts"
# The schemas of analytics.duckdb (asn_platform.core.settings.MART_SCHEMAS); the restricted tier is never served.
SCHEMAS = ("core", "competency", "placement", "service_quality")
DATABASE_NAME = "ASN analytics"
# The warehouse as the Superset container sees it (docker-compose.yml mounts ./data/published there), in the form
# asn_platform.serving.bi.sqlalchemy_uri gives: read-only, no access to other files.
DATABASE_URI = "duckdb:////opt/asn/published/analytics.duckdb?access_mode=read_only&enable_external_access=false"
# Names are the identity: the same uuid on every generation, so a second import updates rather than duplicates.
NAMESPACE = uuid.UUID("6f1c2b0e-8a57-4f7e-9d43-2b7f0c6a9e15")
TIMESTAMP = "2026-12-07T00:00:00+00:00"


# Column labels in Bahasa Indonesia for the columns charts and tables show most; the rest keep their dbt names
# (their descriptions come from the marts' ymls).
COLUMN_LABELS = {
    "region": "Wilayah",
    "unit_code": "Kode unit",
    "calendar_year": "Tahun",
    "year_quarter": "Triwulan",
    "quarter_start": "Awal triwulan",
    "service_name": "Layanan",
    "sector": "Sektor",
    "category": "Kategori",
    "golongan": "Golongan",
    "next_golongan": "Golongan berikutnya",
    "candidates": "Kandidat",
    "fit": "Kesesuaian pendidikan",
    "ikm": "IKM",
    "mutu": "Mutu",
    "kinerja": "Kinerja",
    "respondents": "Responden",
    "is_sample_adequate": "Sampel memadai",
    "need_rank": "Prioritas",
    "ikm_gap": "Selisih dari target IKM",
    "jp_short_of_20": "Kekurangan JP",
    "estimated_cost_idr": "Perkiraan biaya (Rp)",
    "is_funded_within_budget": "Dalam anggaran",
    "recommended_training_focus": "Fokus pelatihan",
    "meeting_20_jp_pct": "Mencapai 20 JP (%)",
    "placement_fit_pct": "Kesesuaian penempatan (%)",
    "weakest_element": "Unsur terlemah",
}


def _uuid(kind: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


def metric(label: str, sql: str) -> dict[str, Any]:
    """An ad-hoc SQL metric as Superset's explore view saves it."""
    return {"expressionType": "SQL", "sqlExpression": sql, "label": label, "hasCustomLabel": True}


def share_pct(label: str, condition: str) -> dict[str, Any]:
    return metric(label, f"100.0 * count(CASE WHEN {condition} THEN 1 END) / nullif(count(*), 0)")


@dataclass(frozen=True)
class Chart:
    """A chart on one mart: `x_axis` for the ECharts bar and line charts, `groupby` and `metrics` for the rest,
    `columns` for a table of rows (raw mode). Filters are (column, operator, value)."""

    name: str
    dataset: str
    viz_type: str
    metrics: list[dict[str, Any]] = field(default_factory=list)
    groupby: list[str] = field(default_factory=list)
    x_axis: str | None = None
    time_grain: str | None = None
    columns: list[str] = field(default_factory=list)
    order_by: list[tuple[str, bool]] = field(default_factory=list)
    filters: list[tuple[str, str, Any]] = field(default_factory=list)
    row_limit: int = 1000
    description: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    def form_data(self) -> dict[str, Any]:
        """What Superset's front end renders the chart from (the chart's `params`)."""
        filters = [
            {
                "clause": "WHERE",
                "expressionType": "SIMPLE",
                "subject": column,
                "operator": operator,
                "comparator": value,
            }
            for column, operator, value in self.filters
        ]
        common: dict[str, Any] = {"viz_type": self.viz_type, "adhoc_filters": filters, "row_limit": self.row_limit}
        if self.viz_type in ("echarts_timeseries_bar", "echarts_timeseries_line"):
            specific = {
                "x_axis": self.x_axis,
                "time_grain_sqla": self.time_grain,
                "metrics": self.metrics,
                "groupby": self.groupby,
                "order_desc": True,
                "show_legend": True,
                "rich_tooltip": True,
                "y_axis_format": "SMART_NUMBER",
                "x_axis_sort_asc": True,
                # Years are labels, not a continuous axis (which would tick 2024.5).
                "xAxisForceCategorical": self.x_axis == "calendar_year",
            }
        elif self.viz_type == "pie":
            specific = {
                "groupby": self.groupby,
                "metric": self.metrics[0],
                "sort_by_metric": True,
                "show_labels": True,
                "label_type": "key_percent",
                "donut": True,
                "show_legend": True,
                "number_format": "SMART_NUMBER",
            }
        elif self.viz_type == "big_number_total":
            specific = {"metric": self.metrics[0], "y_axis_format": "SMART_NUMBER"}
        elif self.viz_type == "table" and self.columns:
            specific = {
                "query_mode": "raw",
                "all_columns": self.columns,
                "order_by_cols": [json.dumps([column, ascending]) for column, ascending in self.order_by],
                "server_page_length": 25,
                "table_timestamp_format": "%Y-%m-%d",
            }
        elif self.viz_type == "table":
            specific = {
                "query_mode": "aggregate",
                "groupby": self.groupby,
                "metrics": self.metrics,
                "order_desc": True,
                "server_page_length": 25,
                "show_cell_bars": True,
            }
        else:
            raise ValueError(f"{self.name}: no form data for {self.viz_type}")
        return common | specific | self.options

    def query(self) -> dict[str, Any]:
        """The query Superset runs for the chart's data (`GET /api/v1/chart/<id>/data/` runs the saved one)."""
        columns: list[Any] = []
        if self.x_axis:
            axis: dict[str, Any] = {"columnType": "BASE_AXIS", "expressionType": "SQL", "sqlExpression": self.x_axis}
            columns.append(axis | {"label": self.x_axis} | ({"timeGrain": self.time_grain} if self.time_grain else {}))
        columns += self.groupby + self.columns
        orderby: list[list[Any]] = [[column, ascending] for column, ascending in self.order_by]
        if self.metrics and not orderby:
            orderby = [[self.metrics[0], False]]
        return {
            "columns": columns,
            "metrics": self.metrics,
            "orderby": orderby,
            "filters": [{"col": column, "op": operator, "val": value} for column, operator, value in self.filters],
            "extras": {"having": "", "where": ""},
            "row_limit": self.row_limit,
            "series_limit": 0,
            "order_desc": True,
        }


@dataclass(frozen=True)
class Dashboard:
    title: str
    slug: str
    description: str
    charts: list[Chart]


TWENTY_JP = share_pct("ASN aktif mencapai 20 JP (%)", "meets_20_jp")
ACTIVE = ("status", "==", "active")

DASHBOARDS = [
    Dashboard(
        title="Pelatihan dan Kompetensi ASN",
        slug="pelatihan-kompetensi",
        description="Hak pengembangan kompetensi 20 JP per tahun (PP 11/2017), pelatihan TIK, IP ASN dan biaya.",
        charts=[
            Chart(
                "Persentase ASN aktif mencapai 20 JP per wilayah",
                "competency.employee_year",
                "echarts_timeseries_bar",
                x_axis="calendar_year",
                groupby=["region"],
                metrics=[TWENTY_JP],
                filters=[ACTIVE],
                description="Bagian ASN aktif yang JP lulusnya dalam setahun mencapai 20 JP, per tahun dan wilayah.",
            ),
            Chart(
                "Porsi JP pelatihan TIK (%)",
                "competency.employee_year",
                "echarts_timeseries_line",
                x_axis="calendar_year",
                groupby=["region"],
                metrics=[metric("JP TIK (%)", "100.0 * sum(jp_ict) / nullif(sum(jp_total), 0)")],
                filters=[ACTIVE],
                description="JP pelatihan keterampilan digital/TIK sebagai bagian dari seluruh JP lulus.",
            ),
            Chart(
                "Sebaran IP ASN per tahun",
                # From unit_year's counts: a person's IP ASN score is the HR agency's (restricted tier).
                "competency.unit_year",
                "echarts_timeseries_bar",
                x_axis="calendar_year",
                metrics=[
                    metric(band, f"sum(ip_asn_{band.lower().replace(' ', '_')})")
                    for band in ("Sangat Tinggi", "Tinggi", "Sedang", "Rendah", "Sangat Rendah")
                ],
                options={"stack": "Stack"},
                description="ASN aktif per kategori Indeks Profesionalitas ASN.",
            ),
            Chart(
                "Unit dengan kekurangan JP terbesar",
                "competency.unit_year",
                "table",
                groupby=["region", "unit_code", "calendar_year"],
                metrics=[
                    metric("Kekurangan JP", "sum(jp_short_of_20)"),
                    metric("ASN aktif", "sum(active_headcount)"),
                    metric("Mencapai 20 JP", "sum(meeting_20_jp)"),
                ],
                row_limit=100,
            ),
            Chart(
                "JP dan biaya per kategori pelatihan",
                "competency.training_records",
                "table",
                groupby=["category"],
                metrics=[
                    metric("Pelatihan", "count(*)"),
                    metric("JP lulus", "sum(CASE WHEN counts_toward_jp THEN jp ELSE 0 END)"),
                    metric("Biaya (Rp)", "sum(cost_idr)"),
                ],
            ),
        ],
    ),
    Dashboard(
        title="Penempatan dan Merit",
        slug="penempatan-merit",
        description="Kesesuaian pendidikan dengan sektor unit (UU 20/2023) dan saringan merit kenaikan pangkat.",
        charts=[
            Chart(
                "Kesesuaian pendidikan dan jabatan per sektor",
                "placement.unit_fit",
                "echarts_timeseries_bar",
                x_axis="sector",
                metrics=[
                    metric("Sesuai (%)", "100.0 * sum(matches) / nullif(sum(assessed), 0)"),
                    metric(
                        "Sesuai atau terkait (%)", "100.0 * (sum(matches) + sum(related)) / nullif(sum(assessed), 0)"
                    ),
                ],
                options={"orientation": "horizontal"},
            ),
            Chart(
                "Kesesuaian pendidikan ASN aktif",
                "placement.employee_fit",
                "pie",
                groupby=["fit"],
                metrics=[metric("ASN", "count(*)")],
            ),
            Chart(
                "Saringan merit: syarat yang terpenuhi",
                "placement.employee_fit",
                "echarts_timeseries_bar",
                x_axis="region",
                # SKP predikat and discipline are per-person performance data of the HR agency's restricted tier:
                # the pseudonymous tier counts only the rules that rest on neither (merit_pipeline: the eligible).
                metrics=[
                    metric("20 JP tahun lalu", "count(CASE WHEN met_20_jp_last_year THEN 1 END)"),
                    metric("Masa golongan cukup", "count(CASE WHEN meets_golongan_time THEN 1 END)"),
                ],
            ),
            Chart(
                "Kandidat kenaikan pangkat per unit dan golongan",
                "placement.merit_pipeline",
                "table",
                columns=["region", "unit_code", "golongan", "next_golongan", "fit", "candidates"],
                order_by=[("unit_code", True), ("golongan", True)],
                row_limit=500,
            ),
        ],
    ),
    Dashboard(
        title="Kualitas Pelayanan Publik",
        slug="kualitas-pelayanan",
        description="Indeks Kepuasan Masyarakat (PermenPANRB 14/2017), pengaduan dan prioritas pelatihan.",
        charts=[
            Chart(
                "IKM per triwulan (tertimbang responden)",
                "service_quality.ikm_unit_period",
                "echarts_timeseries_line",
                x_axis="quarter_start",
                time_grain="P3M",
                groupby=["region"],
                metrics=[metric("IKM", "sum(ikm * respondents) / nullif(sum(respondents), 0)")],
            ),
            Chart(
                "IKM per unit dan layanan",
                "service_quality.ikm_unit_period",
                "table",
                columns=[
                    "region",
                    "unit_code",
                    "service_name",
                    "year_quarter",
                    "ikm",
                    "mutu",
                    "kinerja",
                    "respondents",
                    "is_sample_adequate",
                ],
                order_by=[("year_quarter", False), ("ikm", True)],
                row_limit=500,
            ),
            Chart(
                "Pengaduan diterima dan diselesaikan per unit",
                "service_quality.complaints_unit_period",
                "echarts_timeseries_bar",
                x_axis="unit_code",
                metrics=[metric("Diterima", "sum(complaints)"), metric("Diselesaikan", "sum(resolved)")],
            ),
            Chart(
                "Saluran pengaduan per triwulan",
                "service_quality.complaints_unit_period",
                "echarts_timeseries_bar",
                x_axis="year_quarter",
                metrics=[
                    metric("SP4N-LAPOR!", "sum(complaints_sp4n_lapor)"),
                    metric("WhatsApp", "sum(complaints_whatsapp)"),
                    metric("Situs web", "sum(complaints_website)"),
                    metric("Loket", "sum(complaints_counter)"),
                ],
                options={"stack": "Stack"},
            ),
            Chart(
                "Prioritas pelatihan dengan anggaran terbatas",
                "service_quality.training_needs",
                "table",
                columns=[
                    "region",
                    "need_rank",
                    "unit_code",
                    "ikm",
                    "mutu",
                    "ikm_gap",
                    "jp_short_of_20",
                    "estimated_cost_idr",
                    "is_funded_within_budget",
                    "recommended_training_focus",
                ],
                order_by=[("region", True), ("need_rank", True)],
            ),
            Chart(
                "IKM unit dan pelatihan stafnya",
                "service_quality.service_competency_link",
                "table",
                columns=[
                    "region",
                    "unit_code",
                    "calendar_year",
                    "ikm",
                    "mutu",
                    "meeting_20_jp_pct",
                    "placement_fit_pct",
                    "weakest_element",
                    "recommended_training_focus",
                ],
                order_by=[("calendar_year", False), ("ikm", True)],
            ),
        ],
    ),
]


def mart_contracts() -> dict[str, dict[str, Any]]:
    """`schema.table` -> the mart's model entry of its yml (description, columns with types), in file order."""
    marts: dict[str, dict[str, Any]] = {}
    for schema in SCHEMAS:
        for path in sorted((MARTS / schema).glob("_*__models.yml")):
            for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
                marts[f"{schema}.{model['name']}"] = model
    return marts


def _first_line(text: str | None) -> str:
    return " ".join((text or "").split())


def database() -> dict[str, Any]:
    return {
        "database_name": DATABASE_NAME,
        "sqlalchemy_uri": DATABASE_URI,
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_csv_upload": False,
        "extra": {"allows_virtual_table_explore": True, "schemas_allowed_for_file_upload": []},
        "impersonate_user": False,
        "uuid": _uuid("database", DATABASE_NAME),
        "version": "1.0.0",
        "is_managed_externally": True,
        "external_url": None,
    }


def dataset(table: str, model: dict[str, Any]) -> dict[str, Any]:
    schema, name = table.split(".")
    columns = []
    for column in model["columns"]:
        data_type = str(column["data_type"]).upper()
        columns.append(
            {
                "column_name": column["name"],
                "verbose_name": COLUMN_LABELS.get(column["name"]),
                "is_dttm": data_type.startswith(("DATE", "TIMESTAMP")),
                "is_active": True,
                "type": data_type,
                "advanced_data_type": None,
                "groupby": True,
                "filterable": True,
                "expression": None,
                "description": _first_line(column.get("description")),
                "python_date_format": None,
                "extra": {},
            }
        )
    dates = [column["column_name"] for column in columns if column["is_dttm"]]
    return {
        "table_name": name,
        "main_dttm_col": dates[0] if dates else None,
        "description": _first_line(model.get("description")),
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "schema": schema,
        "sql": None,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": _uuid("dataset", table),
        "metrics": [
            {
                "metric_name": "count",
                "verbose_name": "Jumlah baris",
                "metric_type": "count",
                "expression": "COUNT(*)",
                "description": None,
                "d3format": None,
                "currency": None,
                "extra": {},
                "warning_text": None,
            }
        ],
        "columns": columns,
        "version": "1.0.0",
        "database_uuid": _uuid("database", DATABASE_NAME),
    }


def chart(spec: Chart) -> dict[str, Any]:
    form_data = spec.form_data()
    query_context = {
        "datasource": {"id": 0, "type": "table"},  # the import sets the dataset's id here and in form_data
        "force": False,
        "queries": [spec.query()],
        "form_data": form_data,
        "result_format": "json",
        "result_type": "full",
    }
    return {
        "slice_name": spec.name,
        "description": spec.description or None,
        "certified_by": None,
        "certification_details": None,
        "viz_type": spec.viz_type,
        "params": form_data,
        "query_context": json.dumps(query_context, ensure_ascii=False),
        "cache_timeout": None,
        "uuid": _uuid("chart", spec.name),
        "version": "1.0.0",
        "dataset_uuid": _uuid("dataset", spec.dataset),
        "is_managed_externally": True,
        "external_url": None,
    }


def dashboard(spec: Dashboard) -> dict[str, Any]:
    """Two charts a row, each half the grid's 12 columns."""
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": spec.title}},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
    }
    for index, chart_spec in enumerate(spec.charts):
        row = f"ROW-{index // 2 + 1}"
        if row not in position:
            position["GRID_ID"]["children"].append(row)
            position[row] = {
                "type": "ROW",
                "id": row,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID"],
                "meta": {"background": "BACKGROUND_TRANSPARENT"},
            }
        chart_id = f"CHART-{index + 1}"
        position[row]["children"].append(chart_id)
        position[chart_id] = {
            "type": "CHART",
            "id": chart_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID", row],
            "meta": {
                "chartId": index + 1,  # replaced by the imported chart's id
                "width": 6,
                "height": 50,
                "uuid": _uuid("chart", chart_spec.name),
                "sliceName": chart_spec.name,
            },
        }
    return {
        "dashboard_title": spec.title,
        "description": spec.description,
        "css": "",
        "slug": spec.slug,
        "certified_by": None,
        "certification_details": None,
        "published": True,
        "uuid": _uuid("dashboard", spec.slug),
        "position": position,
        "metadata": {
            "color_scheme": "supersetColors",
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "shared_label_colors": [],
            "color_scheme_domain": [],
            "timed_refresh_immune_slices": [],
            "cross_filters_enabled": True,
            "native_filter_configuration": [],
        },
        "version": "1.0.0",
        "is_managed_externally": True,
        "external_url": None,
    }


def _file_name(name: str) -> str:
    return "".join(character if character.isalnum() else "_" for character in name).strip("_")


def assets() -> dict[str, dict[str, Any]]:
    """Relative path -> content of every asset file."""
    files: dict[str, dict[str, Any]] = {
        "metadata.yaml": {"version": "1.0.0", "type": "assets", "timestamp": TIMESTAMP},
        f"databases/{_file_name(DATABASE_NAME)}.yaml": database(),
    }
    marts = mart_contracts()
    for table, model in marts.items():
        files[f"datasets/{_file_name(DATABASE_NAME)}/{table.replace('.', '__')}.yaml"] = dataset(table, model)
    for board in DASHBOARDS:
        for spec in board.charts:
            if spec.dataset not in marts:
                raise ValueError(f"{spec.name}: {spec.dataset} is not a published mart")
            files[f"charts/{_file_name(spec.name)}.yaml"] = chart(spec)
        files[f"dashboards/{_file_name(board.title)}.yaml"] = dashboard(board)
    return files


def main() -> None:
    shutil.rmtree(ASSETS, ignore_errors=True)
    for relative, content in assets().items():
        path = ASSETS / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8")
    print(f"wrote {len(assets())} files under {ASSETS.relative_to(ROOT.parents[1])}")


if __name__ == "__main__":
    main()
