"""The whole pipeline at a given scale, stage by stage, beside the raw DuckDB floor, then day after day of deliveries.

Run: .venv/bin/python benchmarks/pipeline.py --scale sample|regional|national|X [--data DIR] [--json FILE]
                                               [--days [N]] [--append-doc]
(`make bench SCALE=... [DAYS=N] [DATA=DIR] [DOC=1]`). `--data` defaults to bench/pipeline-<scale> in the data folder
of the settings (ASN_DATA_DIR, by default the project's data/). `--days` is 1 unless given (one day after the full
load), 30 when given without a number, 0 for the full run alone (`--skip-incremental` says the same).

Scales (national-style deliveries of `python -m asn_platform generate --scale X`, every delivery style):
sample = 0.002 (5 regions, one per style, 11,200 ASN), regional = 0.02 (10 regions, 112,000 ASN, about a province),
national = 1 (500 regions, 5.6 million ASN). The deliveries are generated into `--data` only if it holds none
(landing/ and national_sources/), so deliveries generated before are reused. Everything the run writes goes under
`--data`/pipeline-run/ (warehouse, published, reports, the floor's databases, the daily deliveries and the regions'
state between days), deleted first: a data folder's own warehouse is never touched.

Each stage runs in a fresh process (wall time, CPU time and peak RSS of its process tree from wait4, and the 1-minute
load average when it starts and ends), with settings built once from the environment it is given (ASN_DATA_DIR,
ASN_SOURCES_DIR, ASN_AS_OF pinned to the deliveries' date, a fixed ASN_PSEUDONYM_KEY unless one is set) and passed
to the pipeline's own code:

- generate: `python -m asn_platform generate --scale X` (skipped, "reused", when deliveries are there);
- fetch: the API datasets (Banjarbaru-style regions) through the stand-in API into the landing area
  (asn_platform.local.run.stand_in_apis, asn_platform.orchestration.stages.fetch);
- ingest: ingestion.service.load_pending for every region (what `python -m ingestion load --all` runs). "DQ on
  deliveries" is the part of it spent in the delivery suites and record screening, as each load reports it
  (LoadResult.checks_s, summed; inside ingest's time, reported apart);
- raw gate, dbt build, marts gate: asn_platform.orchestration.stages.gate("raw", ...), build(...), gate("marts", ...);
- publish: asn_platform.serving.publish.publish(...);
- reports: asn_platform.reports.site.build_site (build_reports, build_dbt_docs, build_data_docs, then
  write_report_index), as the DAG's reports task.

The floor, in the same run and fresh processes: DuckDB alone reading the same delivery files
(benchmarks/ingestion_throughput.run_floor), the hand-written benchmarks/sql/*.sql computing the same marts from the
raw layer (benchmarks/dbt_build_floor.run_floor_phase, on a copy of the raw layer taken right after ingest: the
floor reads raw-shaped tables, as DuckDB alone cannot map 500 regions' dialects), and DuckDB copying the floor's
marts into a new database file and Parquet (publish's floor). The gates and reports have no floor. Every mart is
checked equal to its floor table (dbt_build_floor.compare). Ingestion beside read_csv is also measured in CPU
seconds: each process's own CPU time (time.process_time, every thread) around each file's read or load, so neither
side counts its interpreter's start or imports.

Days (`--days N`): after the full load, N daily deliveries dated one day after another, for every region in its own
style (benchmarks/days.py: a delta region sends the day's new and changed records, a full-extract region its whole
state; an API dataset is written as its fetched collection, the fetch being timed in the full run), each with
0.1-1 % real change (new staff, transfers, people leaving service, promotions, a day of training records and survey
responses; seeded), each region's state carried from day to day as Parquet. Each day runs ingest, raw gate, dbt
build, marts gate and publish in fresh processes, and reports their wall and CPU seconds with the load average, the
raw layer's size after it (rows per raw table, the standing rows of tables that end rows, the build database's MB)
and the records the generator changed (new + changed + vanished). After the last day's ingest the raw layer is copied
again, the floor's marts computed on it, and every mart of the last day checked equal to its floor.

Targets, reported as met or not (never asserted): ingestion >= 0.6x DuckDB read_csv throughput on the CSV deliveries,
in CPU seconds (aim 0.75x); a 1 % daily delivery (day 1) <= 5 % of the full run's same stages; the last days cost no
more than 1.1x the first (median of the last three days against the median of days 2-4); the raw layer grows by no
more than 1.2x the records changed, every day; the whole pipeline <= 2x its floor at national scale, <= 3x at
regional; peak memory <= 6 GB (at national scale). Ratios are given in wall and in CPU seconds. `--json FILE` writes
every figure with the machine; `--append-doc` appends a section to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling benchmarks, imported for their floors

import days
import dbt_build_floor
import ingestion_throughput

from asn_platform.core.console import Steps
from asn_platform.core.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DOC = PROJECT_ROOT / "docs" / "benchmarks.md"
SCALES = {"sample": 0.002, "regional": 0.02, "national": 1.0}
RUN_DIR = "pipeline-run"
PSEUDONYM_KEY = "pipeline-benchmark-key"
# In pipeline order; each has its floor phase, or none.
STAGES = ("generate", "fetch", "ingest", "raw_gate", "dbt_build", "marts_gate", "publish", "reports")
FLOORS = {"ingest": "floor_read", "dbt_build": "floor_marts", "publish": "floor_publish"}
# A day: its delivery, then the pipeline's stages (a day's cost is theirs; generating the delivery is the benchmark's).
DAY = ("generate_day", "ingest", "raw_gate", "dbt_build", "marts_gate", "publish")
DAY_PIPELINE = DAY[1:]
LABELS = {
    "generate": "generate",
    "generate_day": "generate the delivery",
    "fetch": "fetch (API datasets)",
    "ingest": "ingest",
    "delivery_dq": "  of which DQ on deliveries",
    "raw_gate": "DQ raw gate",
    "dbt_build": "dbt build",
    "marts_gate": "DQ on marts",
    "publish": "publish",
    "reports": "reports",
}
SHORT = {"generate_day": "generate", "ingest": "ingest", "raw_gate": "raw gate", "dbt_build": "dbt build",
         "marts_gate": "marts gate", "publish": "publish"}  # fmt: skip
DEFAULT_DAYS = 30  # --days without a number
TARGET_INGEST_CPU_RATIO = 0.6
AIM_INGEST_CPU_RATIO = 0.75
TARGET_PIPELINE_RATIO = {"national": 2.0, "regional": 3.0}
TARGET_INCREMENTAL_SHARE = 0.05
TARGET_LAST_DAYS = 1.1
TARGET_RAW_GROWTH = 1.2
TARGET_PEAK_MB = 6_000


class Paths:
    """Where a run reads its deliveries and writes everything else."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.landing, self.sources = data / "landing", data / "national_sources"
        self.run = data / RUN_DIR
        self.warehouse = self.run / "warehouse"
        self.floor = self.run / "floor"
        self.days = self.run / "days"
        self.state = self.days / "state"  # each region's state at the end of the last day generated
        self.floor_last_day = self.run / "floor-last-day"
        self.results = self.run / "results"

    def day_landing(self, number: int) -> Path:
        return self.days / f"day-{number:02d}" / "landing"

    def environment(self, as_of: date, *, landing: Path | None = None) -> dict[str, str]:
        env = os.environ | {
            "ASN_DATA_DIR": str(self.data),
            "ASN_SOURCES_DIR": str(self.sources),
            "ASN_LANDING_DIR": str(landing or self.landing),
            "ASN_WAREHOUSE_DIR": str(self.warehouse),
            "ASN_PUBLISHED_DIR": str(self.run / "published"),
            "ASN_REPORTS_DIR": str(self.run / "reports"),
            "ASN_AS_OF": as_of.isoformat(),
            "ASN_PSEUDONYM_KEY": os.environ.get("ASN_PSEUDONYM_KEY", "").strip() or PSEUDONYM_KEY,
        }
        env.pop("ASN_WAREHOUSE_PATH", None)
        return env


def _mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6 if path.exists() else 0.0


def _table_rows(schemas: tuple[str, ...], settings: Settings, path: Path | None = None) -> int:
    """Rows of every table of `schemas` in the build database (or the file at `path`)."""
    from asn_platform.core.warehouse import connect

    with connect(path, settings=settings, read_only=True) as connection:
        return int(
            connection.execute(
                f"SELECT coalesce(sum(estimated_size), 0) FROM duckdb_tables() "
                f"WHERE schema_name IN ({', '.join('?' * len(schemas))})",
                list(schemas),
            ).fetchone()[0]
        )


# --- inside a child process: one stage each ---------------------------------------------------------------------


def stage_generate(scale: float, settings: Settings) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "asn_platform", "generate", "--scale", str(scale)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = re.search(r"==> (\d+) regions, ([\d,]+) ASN, ([\d,]+) rows in (\d+) files", done.stdout)
    if not found:
        raise SystemExit(f"unexpected output of generate: {done.stdout[-500:]}")
    return {
        "rows": int(found[3].replace(",", "")),
        "mb": _mb(settings.landing_dir) + _mb(settings.source_api_dir),
        "regions": int(found[1]),
        "headcount": int(found[2].replace(",", "")),
    }


def stage_fetch(settings: Settings) -> dict:
    """What `make run` does for API datasets: the stand-in API serves each region's store, the landing area gets
    the fetched collection, as of the deliveries' date."""
    from asn_platform.local.run import stand_in_apis
    from asn_platform.orchestration.stages import fetch
    from ingestion.registry import load_registry

    if settings.as_of is None:
        raise SystemExit("fetch needs ASN_AS_OF: the deliveries' date")
    regions = [r for r, s in load_registry(settings.sources_dir).items() if any(c.api for c in s.datasets.values())]
    rows, paths = 0, set()
    with stand_in_apis(settings, progress=lambda _: None) as served:
        for region in regions:
            if not (served.source_api_dir / region).is_dir():
                continue  # a sample region of the registry, without deliveries at this scale
            for result in fetch(region, settings.as_of, served):
                rows += int(result["records"])
                paths.add(Path(str(result["path"])))
    return {"rows": rows, "mb": sum(_mb(path) for path in paths), "files": len(paths)}


def stage_ingest(settings: Settings) -> dict:
    """The regions' pending deliveries; the delivery suites' and record screening's share as the loads report it."""
    from asn_platform.core.warehouse import connect

    figures = ingestion_throughput.ingest_by_format(settings)
    formats = {k: v for k, v in figures.items() if not k.startswith("_")}
    with connect(settings=settings, read_only=True) as connection:
        checks = connection.execute("SELECT count(*) FROM dq.expectation_results WHERE stage = 'delivery'").fetchone()
    return {
        "rows": sum(v["rows"] for v in formats.values()),
        "mb": sum(v["bytes"] for v in formats.values()) / 1e6,
        "formats": formats,
        "status": figures["_status"],
        "startup_s": figures["_startup_s"],
        "delivery_dq_s": figures["_checks_s"],
        "delivery_dq_checks": checks[0] if checks else 0,
    }


def stage_gate(stage: str, settings: Settings) -> dict:
    from asn_platform.core.settings import MART_SCHEMAS
    from asn_platform.orchestration.stages import gate
    from asn_platform.serving.publish import RESTRICTED_SCHEMAS

    reports = gate(stage, settings)
    schemas = ("raw",) if stage == "raw" else (*MART_SCHEMAS, *RESTRICTED_SCHEMAS)
    return {
        "rows": _table_rows(schemas, settings),
        "mb": _mb(settings.warehouse_path),
        "suites": len(reports),
        "warnings": [o.label for r in reports for o in r.warnings][:20],
    }


def stage_dbt_build(settings: Settings) -> dict:
    from asn_platform.orchestration.stages import build

    result = build(settings)
    return {"rows": _table_rows(("raw",), settings), "mb": _mb(settings.warehouse_path), "statuses": result.statuses}


def stage_publish(settings: Settings) -> dict:
    from asn_platform.serving.publish import publish

    publication = publish(settings)
    folder = publication.path.resolve().parent
    return {"rows": sum(publication.tables.values()), "mb": _mb(folder), "version": publication.version}


def stage_reports(settings: Settings) -> dict:
    """The DAG's reports task: workforce charts, dbt docs, Data Docs, then the index (asn_platform.reports.site)."""
    from asn_platform.core.settings import MART_SCHEMAS
    from asn_platform.reports.site import build_site

    written = build_site(settings)
    return {"rows": _table_rows(MART_SCHEMAS, settings, settings.analytics_path),
            "mb": _mb(settings.reports_dir), "written": written}  # fmt: skip


def stage_floor_read(paths: Paths) -> dict:
    work = paths.floor / "read"
    work.mkdir(parents=True, exist_ok=True)
    figures = ingestion_throughput.run_floor(paths.landing, paths.sources, work)
    shutil.rmtree(work, ignore_errors=True)
    return {"rows": sum(v["rows"] for v in figures.values()),
            "mb": sum(v["bytes"] for v in figures.values()) / 1e6, "formats": figures}  # fmt: skip


def stage_floor_marts(settings: Settings) -> dict:
    """The hand-written marts on the floor's copy of the raw layer (the settings' build database, in floor/)."""
    figures = dbt_build_floor.run_floor_phase(settings)
    return {"rows": _table_rows(("raw",), settings), "statements": figures["statements"],
            "mb": _mb(settings.warehouse_path)}  # fmt: skip


def stage_floor_publish(paths: Paths) -> dict:
    """DuckDB copying the floor's marts into a new database file, and each to Parquet: what publish writes."""
    import duckdb

    target, parquet = paths.floor / "published.duckdb", paths.floor / "parquet"
    target.unlink(missing_ok=True)
    shutil.rmtree(parquet, ignore_errors=True)
    parquet.mkdir(parents=True)
    rows = 0
    with duckdb.connect() as connection:
        connection.execute(f"ATTACH '{paths.floor / 'warehouse.duckdb'}' AS warehouse (READ_ONLY)")
        connection.execute(f"ATTACH '{target}' AS published")
        tables = connection.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'warehouse' "
            "AND schema_name LIKE 'floor\\_%' ESCAPE '\\' ORDER BY ALL"
        ).fetchall()
        for schema, table in tables:
            connection.execute(f'CREATE SCHEMA IF NOT EXISTS published."{schema}"')
            connection.execute(f'CREATE TABLE published."{schema}"."{table}" AS FROM warehouse."{schema}"."{table}"')
            connection.execute(f'COPY warehouse."{schema}"."{table}" TO \'{parquet / f"{schema}.{table}.parquet"}\'')
            rows += connection.execute(f'SELECT count(*) FROM published."{schema}"."{table}"').fetchone()[0]
    return {"rows": rows, "mb": _mb(target) + _mb(parquet), "tables": len(tables)}


def stage_generate_day(scale: float, day: int, paths: Paths, settings: Settings) -> dict:
    """Every region's delivery of day `day` into the settings' landing area (benchmarks/days.py)."""
    return days.generate_day(settings, scale, day, paths.state) | {"mb": _mb(settings.landing_dir)}


def run_stage(name: str, paths: Paths, scale: float, settings: Settings, day: int | None = None) -> dict:
    """One stage, in this (child) process, with the settings its entry point built."""
    runners: dict[str, Callable[[], dict]] = {
        "generate": lambda: stage_generate(scale, settings),
        "fetch": lambda: stage_fetch(settings),
        "ingest": lambda: stage_ingest(settings),
        "raw_gate": lambda: stage_gate("raw", settings),
        "dbt_build": lambda: stage_dbt_build(settings),
        "marts_gate": lambda: stage_gate("marts", settings),
        "publish": lambda: stage_publish(settings),
        "reports": lambda: stage_reports(settings),
        "floor_read": lambda: stage_floor_read(paths),
        "floor_marts": lambda: stage_floor_marts(settings),
        "floor_publish": lambda: stage_floor_publish(paths),
        "generate_day": lambda: stage_generate_day(scale, day or 1, paths, settings),
    }
    return runners[name]() | {"self_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


# --- the parent ---------------------------------------------------------------------------------------------------


# Each stage's line, with the time since the benchmark began (how many stages are left depends on --days).
_STEPS = Steps("bench", every=60)


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _child(name: str, paths: Paths, scale: float, env: dict[str, str], tag: str, *, day: int | None = None) -> dict:
    """One stage in a fresh interpreter: its figures, wall seconds, CPU seconds and the peak RSS of its process tree
    (wait4 counts every descendant it waited for: dbt, the generator's workers), and the 1-minute load average when
    it started and ended."""
    out = paths.results / f"{tag}{name}.json"
    command = [sys.executable, __file__, "--stage", name, "--data", str(paths.data), "--scale", str(scale)]
    if day is not None:
        command += ["--day", str(day)]
    load = _load()
    started = time.perf_counter()
    step = f"{tag}{LABELS.get(name, name)}"
    _STEPS.started(step)  # on a terminal: a line now and a reminder every minute while it runs
    log = paths.results / f"{tag}{name}.log"
    with log.open("w") as handle:  # dbt's and the loads' own lines: kept, out of the report
        process = subprocess.Popen(
            [*command, "--result", str(out)], env=env, cwd=PROJECT_ROOT, stdout=handle, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if code := os.waitstatus_to_exitcode(status):
        print(log.read_text()[-4000:], file=sys.stderr)
        raise SystemExit(f"stage {tag}{name} failed with exit code {code} (its output: {log})")
    figures = json.loads(out.read_text())
    peak = max(usage.ru_maxrss / 1024, figures.pop("self_peak_rss_mb"))
    cpu = usage.ru_utime + usage.ru_stime
    figures |= {"wall_s": round(wall, 3), "cpu_s": round(cpu, 2), "peak_rss_mb": round(peak), "load_before": load,
                "load_after": _load()}  # fmt: skip
    figures["rows_per_s"] = round(figures["rows"] / wall) if wall else 0
    figures["mb_per_s"] = round(figures["mb"] / wall, 2) if wall else 0
    _STEPS.finished(step, f"CPU {cpu:,.1f} s, load {load:.2f}, {figures['rows']:,} rows, {figures['mb']:,.1f} MB, "
                          f"peak RSS {peak:,.0f} MB", seconds=wall)  # fmt: skip
    return figures


def _has_deliveries(paths: Paths) -> bool:
    return paths.sources.is_dir() and any(p.is_file() for p in paths.landing.glob("*/*/*/*"))


def _csv_ratios(ingest: dict, floor: dict) -> tuple[float, float]:
    """Ingestion's throughput over DuckDB read_csv's on the CSV deliveries (plain and gzip), the same bytes: in wall
    seconds, and in CPU seconds (each process's own, around each file; 0 where a figure is missing)."""
    names = [name for name in floor["formats"] if name.startswith("csv")]

    def ratio(key: str) -> float:
        floor_s = sum(floor["formats"][n].get(key, 0.0) for n in names)
        ingest_s = sum(ingest["formats"].get(n, {}).get(key, 0.0) for n in names)
        return floor_s / ingest_s if ingest_s and floor_s else 0.0  # the same MB on both sides

    return ratio("seconds"), ratio("cpu_seconds")


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 3) if whole else None


def _stage_row(label: str, figures: dict, floor: dict | None) -> dict:
    return {"stage": label, "wall_s": figures["wall_s"], "cpu_s": figures.get("cpu_s"),
            "load_before": figures.get("load_before"), "rows": figures["rows"], "rows_per_s": figures["rows_per_s"],
            "mb": round(figures["mb"], 1), "mb_per_s": figures["mb_per_s"], "peak_rss_mb": figures["peak_rss_mb"],
            "floor_wall_s": floor["wall_s"] if floor else None, "floor_cpu_s": floor["cpu_s"] if floor else None,
            "ratio_to_floor": _ratio(figures["wall_s"], floor["wall_s"]) if floor else None,
            "cpu_ratio_to_floor": _ratio(figures["cpu_s"], floor["cpu_s"]) if floor else None}  # fmt: skip


def _target(target: str, value: float, met: bool, **more: Any) -> dict:
    return {"target": target, "value": round(value, 3), "met": met} | more


def _pipeline_target(scale_name: str, scale: float) -> tuple[str, float]:
    """National's target at national scale (1.0 and above), regional's below it."""
    if scale_name == "national" or scale >= 1:
        return "national", TARGET_PIPELINE_RATIO["national"]
    return "regional", TARGET_PIPELINE_RATIO["regional"]


def summarise(full: dict[str, dict], floor: dict[str, dict], marts: list[dict], scale: float, *,
              day_figures: dict | None = None, scale_name: str = "") -> dict:  # fmt: skip
    """The report: per stage figures and ratios, the whole pipeline's, the days', the targets."""
    ingest = full["ingest"]
    dq = {"wall_s": round(ingest["delivery_dq_s"], 3), "cpu_s": None, "rows": ingest["rows"], "mb": ingest["mb"],
          "rows_per_s": round(ingest["rows"] / ingest["delivery_dq_s"]) if ingest["delivery_dq_s"] else 0,
          "mb_per_s": round(ingest["mb"] / ingest["delivery_dq_s"], 2) if ingest["delivery_dq_s"] else 0,
          "peak_rss_mb": ingest["peak_rss_mb"], "load_before": ingest.get("load_before")}  # fmt: skip
    rows = []
    for name in STAGES:
        rows.append(_stage_row(name, full[name], floor.get(FLOORS.get(name, ""))))
        if name == "ingest":
            rows.append(_stage_row("delivery_dq", dq, None))
    pipeline_stages = [name for name in STAGES if name != "generate"]
    pipeline_s = sum(full[name]["wall_s"] for name in pipeline_stages)
    pipeline_cpu = sum(full[name].get("cpu_s", 0.0) for name in pipeline_stages)
    floor_s = sum(phase["wall_s"] for phase in floor.values())
    floor_cpu = sum(phase.get("cpu_s", 0.0) for phase in floor.values())
    floored_s = sum(full[name]["wall_s"] for name in FLOORS)
    floored_cpu = sum(full[name].get("cpu_s", 0.0) for name in FLOORS)
    day_list = (day_figures or {}).get("days", [])
    peak = max(f["peak_rss_mb"] for f in [*full.values(), *(s for d in day_list for s in d["stages"].values())])
    ingest_wall, ingest_cpu = _csv_ratios(ingest, floor["floor_read"])
    ratio, cpu_ratio = pipeline_s / floor_s, _ratio(pipeline_cpu, floor_cpu)
    which, limit = _pipeline_target(scale_name, scale)
    other = "regional" if which == "national" else "national"
    targets = {
        "ingestion_vs_read_csv": _target(
            f">= {TARGET_INGEST_CPU_RATIO}x in CPU seconds (aim {AIM_INGEST_CPU_RATIO}x)", ingest_cpu,
            ingest_cpu >= TARGET_INGEST_CPU_RATIO, wall_value=round(ingest_wall, 3)),
        "pipeline_vs_floor": _target(f"<= {limit}x ({which} target; {other}: {TARGET_PIPELINE_RATIO[other]}x)",
                                     ratio, ratio <= limit, cpu_value=cpu_ratio),
        "peak_memory": _target(f"<= {TARGET_PEAK_MB:,} MB (at national scale)", peak, peak <= TARGET_PEAK_MB),
    }  # fmt: skip
    report: dict[str, Any] = {
        "scale": scale,
        "stages": rows,
        "full": full,
        "floor": floor,
        "pipeline_s": round(pipeline_s, 2),
        "pipeline_cpu_s": round(pipeline_cpu, 2),
        "floor_s": round(floor_s, 2),
        "floor_cpu_s": round(floor_cpu, 2),
        "ratio_pipeline_to_floor": round(ratio, 3),
        "cpu_ratio_pipeline_to_floor": cpu_ratio,
        # Like for like: only the stages that have a floor (no gates, no reports, no fetch).
        "floored_stages_s": round(floored_s, 2),
        "floored_stages_cpu_s": round(floored_cpu, 2),
        "ratio_floored_stages_to_floor": round(floored_s / floor_s, 3),
        "cpu_ratio_floored_stages_to_floor": _ratio(floored_cpu, floor_cpu),
        "ingestion_vs_read_csv": {"wall": round(ingest_wall, 3), "cpu": round(ingest_cpu, 3)},
        "marts": marts,
        "mismatches": sum(bool(row["problems"]) for row in marts),
        "targets": targets,
    }
    if day_list:
        report |= _summarise_days(full, day_figures or {}, targets)
    return report


def _day_cost(day: dict, key: str) -> float:
    return sum(day["stages"][name].get(key, 0.0) for name in DAY_PIPELINE)


def _summarise_days(full: dict[str, dict], figures: dict, targets: dict[str, dict]) -> dict:
    """Each day's cost per stage, the raw layer after it and what the generator changed; day 1 against the full run;
    the targets on days."""
    rows, before = [], figures["raw_before"]
    for day in figures["days"]:
        generated, raw = day["stages"]["generate_day"], day["raw"]
        growth = raw["rows"] - before["rows"]
        rows.append({
            "day": day["day"], "date": day["date"],
            "stages": {name: {"wall_s": s["wall_s"], "cpu_s": s["cpu_s"], "load_before": s["load_before"],
                              "load_after": s.get("load_after"), "rows": s["rows"], "peak_rss_mb": s["peak_rss_mb"]}
                       for name, s in day["stages"].items()},
            "wall_s": round(_day_cost(day, "wall_s"), 2), "cpu_s": round(_day_cost(day, "cpu_s"), 2),
            "delivered_rows": day["stages"]["ingest"]["rows"], "delivered_mb": round(day["stages"]["ingest"]["mb"], 1),
            "changed_rows": generated["changed_rows"], "changed_share": generated.get("changed_share"),
            "changes": generated["changes"],
            "raw_rows": raw["rows"], "raw_standing_rows": raw["standing_rows"], "raw_mb": raw["mb"],
            "archive_mb": raw.get("archive_mb"),
            "raw_tables": raw["tables"], "raw_standing": raw["standing"], "raw_growth": growth,
            "raw_growth_per_changed": _ratio(growth, generated["changed_rows"]),
        })  # fmt: skip
        before = raw
    first = figures["days"][0]["stages"]
    same = [name for name in DAY_PIPELINE if name in full]
    share = {key: _ratio(sum(first[n][key] for n in same), sum(full[n][key] for n in same)) for key in ("wall_s",
             "cpu_s")}  # fmt: skip
    incremental = {
        "stages": [_stage_row(name, first[name], None) | {
            "share_of_full": _ratio(first[name]["wall_s"], full[name]["wall_s"]) if name in full else None,
            "cpu_share_of_full": _ratio(first[name]["cpu_s"], full[name]["cpu_s"]) if name in full else None}
            for name in DAY],
        "wall_s": round(sum(first[n]["wall_s"] for n in same), 2),
        "cpu_s": round(sum(first[n]["cpu_s"] for n in same), 2),
        "full_wall_s": round(sum(full[n]["wall_s"] for n in same), 2),
        "full_cpu_s": round(sum(full[n]["cpu_s"] for n in same), 2),
        "share_of_full": share["wall_s"], "cpu_share_of_full": share["cpu_s"],
    }  # fmt: skip
    if share["wall_s"] is not None:
        targets["incremental_vs_full"] = _target(
            f"<= {TARGET_INCREMENTAL_SHARE:.0%} of the full run's same stages (day 1)", share["wall_s"],
            share["wall_s"] <= TARGET_INCREMENTAL_SHARE, cpu_value=share["cpu_s"])  # fmt: skip
    growths = [row["raw_growth_per_changed"] for row in rows if row["raw_growth_per_changed"] is not None]
    if growths:
        worst = max(growths)
        targets["raw_growth_vs_changed"] = _target(
            f"<= {TARGET_RAW_GROWTH}x the records changed, every day (the worst day)", worst,
            worst <= TARGET_RAW_GROWTH, per_day=growths)  # fmt: skip
    if len(rows) >= 2:
        early, late = rows[1:4], rows[-3:]
        wall = statistics.median(r["wall_s"] for r in late) / statistics.median(r["wall_s"] for r in early)
        cpu = _ratio(statistics.median(r["cpu_s"] for r in late), statistics.median(r["cpu_s"] for r in early))
        compared = (f"median of days {late[0]['day']}-{late[-1]['day']} against median of days "
                    f"{early[0]['day']}-{early[-1]['day']}")  # fmt: skip
        if len(rows) < 7:
            compared += f" (overlapping: {len(rows)} days, 7 or more keep them apart)"
        targets["last_days_vs_days_2_4"] = _target(f"<= {TARGET_LAST_DAYS}x", wall, wall <= TARGET_LAST_DAYS,
                                                   cpu_value=cpu, compared=compared)  # fmt: skip
    marts = figures.get("marts", [])
    return {
        "incremental": incremental,
        "days": {
            "count": len(rows),
            "rows": rows,
            "raw_after_full_run": figures["raw_before"],
            "marts_last_day": marts,
            "mismatches_last_day": sum(bool(row["problems"]) for row in marts),
            "floor_marts_last_day": figures.get("floor_marts"),
        },
        "day_figures": figures,
    }


def _times(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "-"


def _share(value: float | None) -> str:
    return f"{value:.2%}" if value is not None else ""


def _cell(figures: dict) -> str:
    return f"{figures['wall_s']:,.1f} / {figures['cpu_s']:,.1f} ({figures['load_before']:.1f})"


def _stage_line(row: dict) -> str:
    cpu = f"{row['cpu_s']:>8,.1f}" if row["cpu_s"] is not None else f"{'':>8}"
    load = f"{row['load_before']:>5.1f}" if row.get("load_before") is not None else f"{'':>5}"
    if row["floor_wall_s"]:
        floor = (f"{row['floor_wall_s']:>8,.1f} {row['floor_cpu_s'] or 0:>8,.1f} {row['ratio_to_floor']:>5.2f}x "
                 f"{row['cpu_ratio_to_floor'] or 0:>5.2f}x")  # fmt: skip
    else:
        floor = f"{'no floor':>8}"
    return (f"{LABELS[row['stage']]:<28} {row['wall_s']:>9,.1f} {cpu} {load} {row['rows']:>12,} "
            f"{row['rows_per_s']:>10,} {row['mb']:>9,.1f} {row['mb_per_s']:>8,.1f} {row['peak_rss_mb']:>8,} "
            f"{floor}")  # fmt: skip


def _met(target: dict) -> str:
    text = f"{'met' if target['met'] else 'NOT met'} ({target['value']}"
    if target.get("cpu_value") is not None:
        text += f"; in CPU seconds {target['cpu_value']}"
    if target.get("wall_value") is not None:
        text += f"; in wall seconds {target['wall_value']}"
    if target.get("compared"):
        text += f"; {target['compared']}"
    return text + ")"


def _print(report: dict) -> None:
    print(f"\n{'stage':<28} {'wall s':>9} {'CPU s':>8} {'load':>5} {'rows':>12} {'rows/s':>10} {'MB':>9} {'MB/s':>8} "
          f"{'peak MB':>8} {'floor s':>8} {'floor CPU':>8} {'ratio':>6} {'CPU':>6}")  # fmt: skip
    for row in report["stages"]:
        print(_stage_line(row))
    print(f"whole pipeline (fetch to reports) {report['pipeline_s']:,.1f} s, CPU {report['pipeline_cpu_s']:,.1f} s; "
          f"floor {report['floor_s']:,.1f} s, CPU {report['floor_cpu_s']:,.1f} s: "
          f"{report['ratio_pipeline_to_floor']:.2f}x (CPU {_times(report['cpu_ratio_pipeline_to_floor'])}); the "
          f"stages with a floor alone (ingest, dbt build, publish) {report['floored_stages_s']:,.1f} s: "
          f"{report['ratio_floored_stages_to_floor']:.2f}x (CPU "
          f"{_times(report['cpu_ratio_floored_stages_to_floor'])})")  # fmt: skip
    print(f"ingestion beside read_csv on the CSV deliveries: {report['ingestion_vs_read_csv']['cpu']:.3f}x in CPU "
          f"seconds, {report['ingestion_vs_read_csv']['wall']:.3f}x in wall seconds")  # fmt: skip
    if incremental := report.get("incremental"):
        print("\nday 1 (the first daily delivery), against the full run's stages (wall s / CPU s, share of full):")
        for row in incremental["stages"]:
            share = ""
            if row["share_of_full"] is not None:
                share = f"{row['share_of_full']:>7.1%} {row['cpu_share_of_full']:>7.1%}"
            print(f"  {LABELS[row['stage']]:<26} {row['wall_s']:>9,.1f} s {row['cpu_s']:>9,.1f} s "
                  f"{row['rows']:>12,} rows  {share}")  # fmt: skip
        print(f"  total {incremental['wall_s']:,.1f} s against {incremental['full_wall_s']:,.1f} s: "
              f"{incremental['share_of_full']:.1%} (CPU {incremental['cpu_s']:,.1f} s against "
              f"{incremental['full_cpu_s']:,.1f} s: {incremental['cpu_share_of_full']:.1%})")  # fmt: skip
    if days_report := report.get("days"):
        print("\ndays: each stage wall s / CPU s (1-minute load average at its start); total = ingest to publish")
        header = f"{'day':>3} {'date':<10} " + " ".join(f"{SHORT[name]:>20}" for name in DAY)
        print(header + f" {'total wall/CPU':>17} {'delivered':>11} {'changed':>9} {'share':>6} {'raw rows':>12} "
              f"{'standing':>12} {'raw MB':>8} {'growth/chg':>10}")  # fmt: skip
        before = days_report["raw_after_full_run"]
        standing = f"{before['standing_rows']:>12,}" if before["standing_rows"] is not None else f"{'-':>12}"
        print(f"{'after the full run':<{15 + 21 * len(DAY) + 18 + 12 + 10 + 7}} {before['rows']:>12,} {standing} "
              f"{before['mb']:>8,.1f}")  # fmt: skip
        for row in days_report["rows"]:
            standing = f"{row['raw_standing_rows']:>12,}" if row["raw_standing_rows"] is not None else f"{'-':>12}"
            growth = row["raw_growth_per_changed"]
            print(f"{row['day']:>3} {row['date']:<10} " + " ".join(f"{_cell(row['stages'][n]):>20}" for n in DAY)
                  + f" {row['wall_s']:>8,.1f}/{row['cpu_s']:<8,.1f} {row['delivered_rows']:>11,} "
                  f"{row['changed_rows']:>9,} {_share(row.get('changed_share')):>6} {row['raw_rows']:>12,} {standing} "
                  f"{row['raw_mb']:>8,.1f} {growth if growth is not None else '-':>10}")  # fmt: skip
        last = days_report["rows"][-1]["changes"]
        print("changed records of the last day, new/changed/vanished: " + "; ".join(
            f"{dataset} {c['new']:,}/{c['changed']:,}/{c['vanished']:,}" for dataset, c in last.items()))  # fmt: skip
    print(f"\nmarts equal to the floor: {len(report['marts']) - report['mismatches']} of {len(report['marts'])}")
    for row in report["marts"]:
        if row["problems"]:
            print(f"  {row['table']}: {'; '.join(row['problems'])[:400]}")
    if days_report and days_report["marts_last_day"]:
        marts = days_report["marts_last_day"]
        print(f"marts equal to the floor after the last day: {len(marts) - days_report['mismatches_last_day']} of "
              f"{len(marts)}")  # fmt: skip
        for row in marts:
            if row["problems"]:
                print(f"  {row['table']}: {'; '.join(row['problems'])[:400]}")
    for name, target in report["targets"].items():
        print(f"target {name} {target['target']}: {_met(target)}")


def append_doc(report: dict, json_path: Path | None) -> None:
    machine = report["machine"]
    day_count = report["days"]["count"] if report.get("days") else 0
    lines = [
        "",
        f"### Scale {report['scale']:g}{f', {day_count} days' if day_count > 1 else ''} ({report['date']}, commit "
        f"{machine['commit']})",
        "",
        f"`.venv/bin/python benchmarks/pipeline.py --scale {report['scale_name']}"
        + (f" --days {day_count}" if day_count != 1 else "")
        + (f" --json {json_path.name}" if json_path else "")
        + "`: "
        + report["deliveries"]
        + ". Machine: "
        f"{machine['cores']} cores ({machine['cpu']}), {machine['memory_gib']} GiB, {machine['system']}; Python "
        f"{machine['python']}, DuckDB {machine['duckdb']}, dbt-core {machine['dbt-core']}, dbt-duckdb "
        f"{machine['dbt-duckdb']}, Airflow {machine['airflow']}; DuckDB memory limit {machine['duckdb_memory_limit']}, "
        f"dbt threads {machine['dbt_threads']}; load average before the run {report['full']['fetch']['load_before']}.",
        "",
        "| stage | wall s | CPU s | load | rows | rows/s | MB | MB/s | peak RSS MB | floor s | floor CPU s | ratio | "
        "CPU ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["stages"]:
        floor = (f"{row['floor_wall_s']:,.1f} | {row['floor_cpu_s'] or 0:,.1f} | {row['ratio_to_floor']:.2f}x | "
                 f"{row['cpu_ratio_to_floor'] or 0:.2f}x" if row["floor_wall_s"] else "no floor | | |")  # fmt: skip
        cpu = f"{row['cpu_s']:,.1f}" if row["cpu_s"] is not None else ""
        load = f"{row['load_before']:.1f}" if row.get("load_before") is not None else ""
        lines.append(
            f"| {LABELS[row['stage']].strip()} | {row['wall_s']:,.1f} | {cpu} | {load} | {row['rows']:,} "
            f"| {row['rows_per_s']:,} | {row['mb']:,.1f} | {row['mb_per_s']:,.1f} | {row['peak_rss_mb']:,} | {floor} |"
        )
    lines.append(f"| **whole pipeline** (fetch to reports) | {report['pipeline_s']:,.1f} | "
                 f"{report['pipeline_cpu_s']:,.1f} | | | | | | | {report['floor_s']:,.1f} | "
                 f"{report['floor_cpu_s']:,.1f} | **{report['ratio_pipeline_to_floor']:.2f}x** | "
                 f"{_times(report['cpu_ratio_pipeline_to_floor'])} |")  # fmt: skip
    lines.append(f"| stages with a floor (ingest, dbt build, publish) | {report['floored_stages_s']:,.1f} | "
                 f"{report['floored_stages_cpu_s']:,.1f} | | | | | | | {report['floor_s']:,.1f} | "
                 f"{report['floor_cpu_s']:,.1f} | {report['ratio_floored_stages_to_floor']:.2f}x | "
                 f"{_times(report['cpu_ratio_floored_stages_to_floor'])} |")  # fmt: skip
    ratios = report["ingestion_vs_read_csv"]
    lines += ["", f"Ingestion beside DuckDB's read_csv on the CSV deliveries: {ratios['cpu']:.3f}x in CPU seconds, "
              f"{ratios['wall']:.3f}x in wall seconds."]  # fmt: skip
    if incremental := report.get("incremental"):
        lines += ["", "Day 1 (the first daily delivery: new staff, transfers, people leaving service and promotions, "
                  "a day of training and survey responses; each region in its own load mode), against the full run's "
                  "same stages:", "",
                  "| stage | wall s | CPU s | rows | share of full | CPU share |",
                  "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
        for row in incremental["stages"]:
            share = " | "
            if row["share_of_full"] is not None:
                share = f"{row['share_of_full']:.1%} | {row['cpu_share_of_full']:.1%}"
            lines.append(f"| {LABELS[row['stage']]} | {row['wall_s']:,.1f} | {row['cpu_s']:,.1f} | {row['rows']:,} | "
                         f"{share} |")  # fmt: skip
        lines.append(f"| **total** | {incremental['wall_s']:,.1f} | {incremental['cpu_s']:,.1f} | | "
                     f"**{incremental['share_of_full']:.1%}** | {incremental['cpu_share_of_full']:.1%} |")  # fmt: skip
    if days_report := report.get("days"):
        lines += ["", "Day by day: each stage's wall s / CPU s (the 1-minute load average at its start); total is "
                  "ingest to publish; delivered the rows of the day's files; changed the records the generator "
                  "changed (new / changed / vanished); raw rows the rows of the datasets' raw tables after the day "
                  "(standing: not ended by a later load, where the tables record it); raw MB the build database's "
                  "file:", "",
                  "| day | " + " | ".join(SHORT[name] for name in DAY) + " | total wall / CPU s | delivered | changed "
                  "(new / changed / vanished) | share changed | raw rows | standing | raw MB | raw growth / changed |",
                  "|---:|" + "---:|" * (len(DAY) + 8)]  # fmt: skip
        before = days_report["raw_after_full_run"]
        standing = f"{before['standing_rows']:,}" if before["standing_rows"] is not None else ""
        lines.append("| full run |" + " |" * (len(DAY) + 4) + f" {before['rows']:,} | {standing} | "
                     f"{before['mb']:,.1f} | |")  # fmt: skip
        for row in days_report["rows"]:
            counts = [sum(c[key] for c in row["changes"].values()) for key in ("new", "changed", "vanished")]
            standing = f"{row['raw_standing_rows']:,}" if row["raw_standing_rows"] is not None else ""
            growth = row["raw_growth_per_changed"]
            cells = " | ".join(_cell(row["stages"][name]) for name in DAY)
            changed = f"{row['changed_rows']:,} ({' / '.join(f'{c:,}' for c in counts)})"
            lines.append(
                f"| {row['day']} | {cells} | {row['wall_s']:,.1f} / {row['cpu_s']:,.1f} | {row['delivered_rows']:,} | "
                f"{changed} | {_share(row.get('changed_share'))} | {row['raw_rows']:,} | {standing} | "
                f"{row['raw_mb']:,.1f} | "
                f"{growth if growth is not None else ''} |"
            )
    lines += ["", f"Marts equal to the floor: {len(report['marts']) - report['mismatches']} of {len(report['marts'])}."]
    if days_report and days_report["marts_last_day"]:
        marts = days_report["marts_last_day"]
        lines += [f"After the last day: {len(marts) - days_report['mismatches_last_day']} of {len(marts)}."]
    lines += [f"Target {name} {t['target']}: **{_met(t).replace('NOT met', 'not met')}**."
              for name, t in report["targets"].items()]  # fmt: skip
    # The doc's prose is wrapped at 120 like the rest of it; table rows stay whole.
    text = [line if line.startswith("|") else textwrap.fill(line, 120, break_on_hyphens=False) for line in lines]
    with DOC.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(text) + "\n")


def run_days(paths: Paths, scale: float, count: int) -> dict:
    """`count` days after the full run, each in fresh processes (see the module docstring); the figures of each
    stage, the raw layer after each day, and the last day's marts beside their floor."""
    from asn_platform.generator.sample import SAMPLE_AS_OF

    figures: dict[str, Any] = {"raw_before": days.raw_size(Settings.from_env(paths.environment(SAMPLE_AS_OF))),
                               "days": []}  # fmt: skip
    env: dict[str, str] = {}
    for number in range(1, count + 1):
        day = SAMPLE_AS_OF + timedelta(days=number)
        env = paths.environment(day, landing=paths.day_landing(number))
        stages: dict[str, dict] = {}
        for name in DAY:
            print(f"== day {number} ({day}) {name}", flush=True)
            stages[name] = _child(name, paths, scale, env, f"day{number:02d}-", day=number)
            if name == "ingest" and number == count:  # the floor's copy of the last day's raw layer
                paths.floor_last_day.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(paths.warehouse / "warehouse.duckdb", paths.floor_last_day / "warehouse.duckdb")
        raw = days.raw_size(Settings.from_env(env))
        figures["days"].append({"day": number, "date": day.isoformat(), "stages": stages, "raw": raw})
        if number < count:  # a day's files are loaded: only the state carries on (the last day's stay, to look at)
            shutil.rmtree(paths.day_landing(number).parent, ignore_errors=True)
    print("== floor_marts on the last day's raw layer", flush=True)
    floor_env = env | {"ASN_WAREHOUSE_DIR": str(paths.floor_last_day)}
    figures["floor_marts"] = _child("floor_marts", paths, scale, floor_env, f"day{count:02d}-")
    settings = Settings.from_env(env)
    figures["marts"] = dbt_build_floor.compare(
        settings.warehouse_path, paths.floor_last_day / "warehouse.duckdb", settings
    )
    return figures


def benchmark(scale_name: str, scale: float, data: Path, *, day_count: int, json_path: Path | None,
              doc: bool) -> dict:  # fmt: skip
    from asn_platform.generator.sample import SAMPLE_AS_OF

    paths = Paths(data.resolve())
    shutil.rmtree(paths.run, ignore_errors=True)
    paths.results.mkdir(parents=True)
    env = paths.environment(SAMPLE_AS_OF)
    full: dict[str, dict] = {}
    reused = _has_deliveries(paths)
    for name in STAGES:
        if name == "generate" and reused:
            print("== generate: deliveries already there, reused (not timed)", flush=True)
            full[name] = {"wall_s": 0.0, "cpu_s": 0.0, "rows": 0, "mb": _mb(paths.landing), "rows_per_s": 0,
                          "mb_per_s": 0, "peak_rss_mb": 0, "load_before": _load(), "reused": True}  # fmt: skip
            continue
        print(f"== {name}", flush=True)
        full[name] = _child(name, paths, scale, env, "")
        if name == "ingest":  # the floor computes its marts from the same raw layer, copied before dbt adds to it
            paths.floor.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(paths.warehouse / "warehouse.duckdb", paths.floor / "warehouse.duckdb")
    floor_env = env | {"ASN_WAREHOUSE_DIR": str(paths.floor)}
    floor: dict[str, dict] = {}
    for name in ("floor_read", "floor_marts", "floor_publish"):
        print(f"== {name}", flush=True)
        floor[name] = _child(name, paths, scale, floor_env, "")
    settings = Settings.from_env(env)  # the parent's own reads: the comparison and the machine's description
    marts = dbt_build_floor.compare(settings.warehouse_path, paths.floor / "warehouse.duckdb", settings)
    day_figures = run_days(paths, scale, day_count) if day_count else None
    report = summarise(full, floor, marts, scale, day_figures=day_figures, scale_name=scale_name)
    machine = dbt_build_floor.describe_machine(settings.warehouse_path, settings)
    machine["airflow"] = _version("apache-airflow")
    report |= {
        "scale_name": scale_name,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "data": str(paths.data),
        "deliveries": _describe_deliveries(full, paths),
        "machine": machine,
    }
    _print(report)
    if json_path:
        json_path.write_text(json.dumps(report, indent=2, default=str))
    if doc:
        append_doc(report, json_path)
    return report


def _describe_deliveries(full: dict[str, dict], paths: Paths) -> str:
    ingest = full["ingest"]
    files = sum(v["files"] for v in ingest["formats"].values())
    regions = sum(1 for p in paths.landing.iterdir() if p.is_dir())
    how = "reused" if full["generate"].get("reused") else "generated in this run"
    return f"{regions} regions, {files:,} delivery files, {ingest['mb']:,.0f} MB, {ingest['rows']:,} rows ({how})"


def _version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def default_data(settings: Settings, scale_name: str) -> Path:
    """Where a run keeps its deliveries when `--data` is not given: bench/pipeline-<scale> in the data folder."""
    return settings.data_dir / "bench" / f"pipeline-{scale_name}"


def _scale(value: str) -> tuple[str, float]:
    if value in SCALES:
        return value, SCALES[value]
    number = float(value)
    if not 0 < number <= 1:
        raise argparse.ArgumentTypeError(f"{value}: a scale is sample, regional, national or a number in (0, 1]")
    return value, number


def _days(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value}: a number of days is 0 or more")
    return number


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=_scale, default="sample", help="sample, regional, national or X (0-1]")
    parser.add_argument("--data", type=Path, help="deliveries folder (default <data folder>/bench/pipeline-<scale>)")
    parser.add_argument("--json", type=Path, help="write the figures here (default <data>/pipeline-<scale>.json)")
    parser.add_argument("--days", type=_days, nargs="?", const=DEFAULT_DAYS, default=1,
                        help=f"daily deliveries after the full run (1; {DEFAULT_DAYS} without a number)")  # fmt: skip
    parser.add_argument("--skip-incremental", action="store_true", help="no daily delivery after the full run")
    parser.add_argument("--append-doc", action="store_true", help="append the figures to docs/benchmarks.md")
    parser.add_argument("--report", type=Path, help="no run: print (and --append-doc) the figures of a saved JSON")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--day", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    scale_name, scale = args.scale if isinstance(args.scale, tuple) else _scale(args.scale)
    settings = Settings.from_env()  # a stage's child: the environment Paths.environment gave it
    data = args.data or default_data(settings, scale_name)
    if args.stage:  # inside a child process
        figures = run_stage(args.stage, Paths(data.resolve()), scale, settings, args.day)
        args.result.write_text(json.dumps(figures, default=str))
        return 0
    if args.report:  # the summary recomputed from the saved figures, so a later summary's fields are there too
        saved = json.loads(args.report.read_text())
        report = saved | summarise(
            saved["full"], saved["floor"], saved["marts"], saved["scale"],
            day_figures=saved.get("day_figures"), scale_name=saved.get("scale_name", ""),
        )  # fmt: skip
        _print(report)
        if args.append_doc:
            append_doc(report, args.report)
        return 0
    data.mkdir(parents=True, exist_ok=True)
    json_path = args.json or data / f"pipeline-{scale_name}.json"
    report = benchmark(scale_name, scale, data, day_count=0 if args.skip_incremental else args.days,
                       json_path=json_path, doc=args.append_doc)  # fmt: skip
    return 1 if report["mismatches"] or report.get("days", {}).get("mismatches_last_day") else 0


if __name__ == "__main__":
    sys.exit(main())
