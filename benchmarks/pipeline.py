"""The whole pipeline at a given scale, stage by stage, beside the raw DuckDB floor, then a 1 % incremental delivery.

Run: .venv/bin/python benchmarks/pipeline.py --scale sample|regional|national|X [--data DIR] [--json FILE]
                                               [--skip-incremental] [--append-doc]
(`make bench SCALE=... [DATA=DIR] [DOC=1]`). `--data` defaults to bench/pipeline-<scale> in the data folder of the
settings (ASN_DATA_DIR, by default the project's data/).

Scales (national-style deliveries of `python -m asn_platform generate --scale X`, every delivery style):
sample = 0.002 (5 regions, one per style, 11,200 ASN), regional = 0.02 (10 regions, 112,000 ASN, about a province),
national = 1 (500 regions, 5.6 million ASN). The deliveries are generated into `--data` only if it holds none
(landing/ and national_sources/), so deliveries generated before are reused. Everything the run writes goes under
`--data`/pipeline-run/ (warehouse, published, reports, the floor's databases, the incremental delivery), deleted
first: a data folder's own warehouse is never touched.

Each stage runs in a fresh process (wall time and peak RSS of its process tree from wait4), with settings built
once from the environment it is given (ASN_DATA_DIR, ASN_SOURCES_DIR, ASN_AS_OF pinned to the deliveries' date, a
fixed ASN_PSEUDONYM_KEY unless one is set) and passed to the pipeline's own code:

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
checked equal to its floor table (dbt_build_floor.compare).

Incremental (unless --skip-incremental): a delivery dated the day after, for every region, in each region's own load
mode (a delta region sends the changed rows, a full-extract region its whole snapshot; an API dataset is written
as its fetched collection, the fetch being timed in the full run): 1 % of personnel changed
(a new position start), one day of training and of survey responses added; then ingest, raw gate, dbt build, marts
gate and publish again, against the full run's same stages.

Targets, reported as met or not (never asserted): ingestion >= 0.5x DuckDB read_csv throughput on the CSV
deliveries; whole pipeline <= 3x the floor (at national scale); the incremental run <= 10 % of the full build; peak
memory <= 6 GB (at national scale). `--json FILE` writes every figure with the machine; `--append-doc` appends a
section to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling benchmarks, imported for their floors

import dbt_build_floor
import ingestion_throughput

from asn_platform.core.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DOC = PROJECT_ROOT / "docs" / "benchmarks.md"
SCALES = {"sample": 0.002, "regional": 0.02, "national": 1.0}
RUN_DIR = "pipeline-run"
PSEUDONYM_KEY = "pipeline-benchmark-key"
# In pipeline order; each has its floor phase, or none.
STAGES = ("generate", "fetch", "ingest", "raw_gate", "dbt_build", "marts_gate", "publish", "reports")
FLOORS = {"ingest": "floor_read", "dbt_build": "floor_marts", "publish": "floor_publish"}
INCREMENTAL = ("incremental_generate", "ingest", "raw_gate", "dbt_build", "marts_gate", "publish")
LABELS = {
    "generate": "generate",
    "incremental_generate": "generate the delivery",
    "fetch": "fetch (API datasets)",
    "ingest": "ingest",
    "delivery_dq": "  of which DQ on deliveries",
    "raw_gate": "DQ raw gate",
    "dbt_build": "dbt build",
    "marts_gate": "DQ on marts",
    "publish": "publish",
    "reports": "reports",
}
TARGET_INGEST_RATIO = 0.5
TARGET_PIPELINE_RATIO = 3.0
TARGET_INCREMENTAL_SHARE = 0.10
TARGET_PEAK_MB = 6_000
PERSONNEL_CHANGE = 0.01


class Paths:
    """Where a run reads its deliveries and writes everything else."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.landing, self.sources = data / "landing", data / "national_sources"
        self.run = data / RUN_DIR
        self.warehouse = self.run / "warehouse"
        self.floor = self.run / "floor"
        self.incremental_landing = self.run / "incremental" / "landing"
        self.results = self.run / "results"

    def environment(self, as_of: date, *, incremental: bool = False) -> dict[str, str]:
        env = os.environ | {
            "ASN_DATA_DIR": str(self.data),
            "ASN_SOURCES_DIR": str(self.sources),
            "ASN_LANDING_DIR": str(self.incremental_landing if incremental else self.landing),
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


def _dated(frame: Any, column: str, day: date) -> None:
    """Set `column` to `day`, in the column's own representation (datetime64 or date objects)."""
    import pandas as pd

    frame[column] = pd.Timestamp(day) if pd.api.types.is_datetime64_any_dtype(frame[column]) else day


def incremental_region(
    seed: int, scale: float, number: int, as_of: str, *, landing: str, sources: str
) -> dict[str, int]:
    """One region's delivery of the next day (see the module docstring); rows written per dataset."""
    import numpy as np
    import pandas as pd

    from asn_platform.generator.national import CHUNK_ROWS, plan_regions, region_frames
    from asn_platform.generator.writers import open_extract
    from ingestion.registry import region_source

    region = next(r for r in plan_regions(seed, scale) if r.number == number)
    profile, day = region.profile, date.fromisoformat(as_of) + timedelta(days=1)
    source = region_source(profile.region, Path(sources))
    frames = region_frames(seed, region, date.fromisoformat(as_of))
    rng = np.random.default_rng([seed, number, 99])
    written = {}
    for dataset in ("personnel", "training", "survey_responses"):
        truth = frames[dataset].reset_index(drop=True)
        if dataset == "personnel":
            active = np.flatnonzero((truth["status"] == "active").to_numpy())
            changed = rng.choice(active, min(len(active), max(1, round(len(truth) * PERSONNEL_CHANGE))), replace=False)
            new = truth.iloc[np.sort(changed)].copy()
            _dated(new, "position_start", day)
            everything = truth.copy()
            everything.loc[new.index, "position_start"] = new["position_start"]
        else:
            new = truth.iloc[rng.choice(len(truth), max(1, round(len(truth) / 365)), replace=False)].copy()
            if dataset == "training":
                _dated(new, "start_date", day)
                _dated(new, "end_date", day)
                new = new.drop_duplicates(["nip", "course_code"])
            else:
                new["response_id"] = new["response_id"] + f"-{day:%Y%m%d}"
                _dated(new, "response_date", day)
            everything = pd.concat([truth, new], ignore_index=True)
        config = source.dataset(dataset)
        delta = config.load_mode == "delta"
        part = new if delta else everything
        if config.transport == "api":  # where ingestion/api.py lands a fetched collection
            name = f"{dataset}_{day:%Y%m%d}.jsonl"
        else:
            name = profile.files[dataset].format(date=f"{day:%Y%m%d}", kind="delta" if delta else "full")
        part = part.reset_index(drop=True)
        # As the generator writes a file: CHUNK_ROWS rows at a time (an empty extract still gets its header).
        with open_extract(Path(landing) / profile.region / dataset / day.isoformat() / name, profile, dataset) as out:
            for start in range(0, max(len(part), 1), CHUNK_ROWS):
                out.write(part.iloc[start : start + CHUNK_ROWS])
        written[dataset] = len(part)
    return written


def stage_incremental_generate(scale: float, settings: Settings) -> dict:
    """Every region's next-day delivery, regions side by side in fresh processes (as the generator does)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from asn_platform.generator.national import plan_regions

    if settings.as_of is None:
        raise SystemExit("the incremental delivery needs ASN_AS_OF: the day after the deliveries'")
    as_of = (settings.as_of - timedelta(days=1)).isoformat()  # the child runs as of the delivery's own day
    numbers = [r.number for r in plan_regions(settings.sample_seed, scale)]
    landing, sources = str(settings.landing_dir), str(settings.sources_dir)
    rows: dict[str, int] = {}
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [
            pool.submit(incremental_region, settings.sample_seed, scale, n, as_of, landing=landing, sources=sources)
            for n in numbers
        ]
        for future in futures:
            for dataset, count in future.result().items():
                rows[dataset] = rows.get(dataset, 0) + count
    return {"rows": sum(rows.values()), "mb": _mb(settings.landing_dir), "rows_by_dataset": rows}


def run_stage(name: str, paths: Paths, scale: float, settings: Settings) -> dict:
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
        "incremental_generate": lambda: stage_incremental_generate(scale, settings),
    }
    return runners[name]() | {"self_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


# --- the parent ---------------------------------------------------------------------------------------------------


def _child(name: str, paths: Paths, scale: float, env: dict[str, str], tag: str) -> dict:
    """One stage in a fresh interpreter: its figures, wall seconds, CPU seconds and the peak RSS of its process tree
    (wait4 counts every descendant it waited for: dbt, the generator's workers)."""
    out = paths.results / f"{tag}{name}.json"
    command = [sys.executable, __file__, "--stage", name, "--data", str(paths.data), "--scale", str(scale)]
    load = round(os.getloadavg()[0], 2)
    started = time.perf_counter()
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
    figures |= {"wall_s": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
                "peak_rss_mb": round(peak), "load_before": load}  # fmt: skip
    figures["rows_per_s"] = round(figures["rows"] / wall) if wall else 0
    figures["mb_per_s"] = round(figures["mb"] / wall, 2) if wall else 0
    print(f"   {LABELS.get(name, name)}: {wall:,.1f} s, {figures['rows']:,} rows, {figures['mb']:,.1f} MB, "
          f"peak RSS {peak:,.0f} MB", flush=True)  # fmt: skip
    return figures


def _has_deliveries(paths: Paths) -> bool:
    return paths.sources.is_dir() and any(p.is_file() for p in paths.landing.glob("*/*/*/*"))


def _csv_ratio(ingest: dict, floor: dict) -> float:
    """Ingestion's MB/s over DuckDB read_csv's, on the CSV deliveries (plain and gzip), the same bytes."""
    names = [name for name in floor["formats"] if name.startswith("csv")]
    mb = sum(floor["formats"][n]["bytes"] for n in names) / 1e6
    floor_s = sum(floor["formats"][n]["seconds"] for n in names)
    ingest_s = sum(ingest["formats"].get(n, {}).get("seconds", 0.0) for n in names)
    return (mb / ingest_s) / (mb / floor_s) if ingest_s and floor_s else 0.0


def _stage_row(label: str, figures: dict, floor: dict | None) -> dict:
    ratio = figures["wall_s"] / floor["wall_s"] if floor else None
    return {"stage": label, "wall_s": figures["wall_s"], "rows": figures["rows"], "rows_per_s": figures["rows_per_s"],
            "mb": round(figures["mb"], 1), "mb_per_s": figures["mb_per_s"], "peak_rss_mb": figures["peak_rss_mb"],
            "floor_wall_s": floor["wall_s"] if floor else None,
            "ratio_to_floor": round(ratio, 2) if ratio else None}  # fmt: skip


def _target(target: str, value: float, met: bool) -> dict:
    return {"target": target, "value": round(value, 3), "met": met}


def summarise(full: dict[str, dict], floor: dict[str, dict], incremental: dict[str, dict] | None,
              marts: list[dict], scale: float) -> dict:  # fmt: skip
    """The report: per stage figures and ratios, the whole pipeline's, the incremental's, the targets."""
    ingest = full["ingest"]
    dq = {"wall_s": round(ingest["delivery_dq_s"], 3), "rows": ingest["rows"], "mb": ingest["mb"],
          "rows_per_s": round(ingest["rows"] / ingest["delivery_dq_s"]) if ingest["delivery_dq_s"] else 0,
          "mb_per_s": round(ingest["mb"] / ingest["delivery_dq_s"], 2) if ingest["delivery_dq_s"] else 0,
          "peak_rss_mb": ingest["peak_rss_mb"]}  # fmt: skip
    rows = []
    for name in STAGES:
        rows.append(_stage_row(name, full[name], floor.get(FLOORS.get(name, ""))))
        if name == "ingest":
            rows.append(_stage_row("delivery_dq", dq, None))
    pipeline_stages = [name for name in STAGES if name != "generate"]
    pipeline_s = sum(full[name]["wall_s"] for name in pipeline_stages)
    floor_s = sum(phase["wall_s"] for phase in floor.values())
    floored_s = sum(full[name]["wall_s"] for name in FLOORS)
    peak = max(figures["peak_rss_mb"] for figures in [*full.values(), *(incremental or {}).values()])
    ingest_ratio = _csv_ratio(ingest, floor["floor_read"])
    ratio = pipeline_s / floor_s
    targets = {
        "ingestion_vs_read_csv": _target(
            f">= {TARGET_INGEST_RATIO}x", ingest_ratio, ingest_ratio >= TARGET_INGEST_RATIO
        ),
        "pipeline_vs_floor": _target(f"<= {TARGET_PIPELINE_RATIO}x (at national scale)", ratio,
                                     ratio <= TARGET_PIPELINE_RATIO),
        "peak_memory": _target(f"<= {TARGET_PEAK_MB:,} MB (at national scale)", peak, peak <= TARGET_PEAK_MB),
    }  # fmt: skip
    report: dict[str, Any] = {
        "scale": scale,
        "stages": rows,
        "full": full,
        "floor": floor,
        "pipeline_s": round(pipeline_s, 2),
        "floor_s": round(floor_s, 2),
        "ratio_pipeline_to_floor": round(pipeline_s / floor_s, 3),
        # Like for like: only the stages that have a floor (no gates, no reports, no fetch).
        "floored_stages_s": round(floored_s, 2),
        "ratio_floored_stages_to_floor": round(floored_s / floor_s, 3),
        "marts": marts,
        "mismatches": sum(bool(row["problems"]) for row in marts),
        "targets": targets,
    }
    if incremental is not None:
        same = [name for name in INCREMENTAL if name in full]
        incremental_s = sum(incremental[name]["wall_s"] for name in same)
        full_s = sum(full[name]["wall_s"] for name in same)
        report["incremental"] = {
            "stages": [
                _stage_row(name, incremental[name], full.get(name)) | {"share_of_full": (
                    round(incremental[name]["wall_s"] / full[name]["wall_s"], 3) if name in full else None)}
                for name in INCREMENTAL
            ],
            "wall_s": round(incremental_s, 2),
            "full_wall_s": round(full_s, 2),
            "share_of_full": round(incremental_s / full_s, 3),
            "figures": incremental,
        }  # fmt: skip
        share = incremental_s / full_s
        targets["incremental_vs_full"] = _target(
            f"<= {TARGET_INCREMENTAL_SHARE:.0%} of the full build", share, share <= TARGET_INCREMENTAL_SHARE
        )
    return report


def _print(report: dict) -> None:
    print(f"\n{'stage':<28} {'wall s':>9} {'rows':>12} {'rows/s':>10} {'MB':>9} {'MB/s':>8} {'peak MB':>8} "
          f"{'floor s':>8} {'ratio':>6}")  # fmt: skip
    for row in report["stages"]:
        floor = f"{row['floor_wall_s']:>8,.1f} {row['ratio_to_floor']:>5.2f}x" if row["floor_wall_s"] else (
            f"{'no floor':>8} {'':>6}")  # fmt: skip
        print(f"{LABELS[row['stage']]:<28} {row['wall_s']:>9,.1f} {row['rows']:>12,} {row['rows_per_s']:>10,} "
              f"{row['mb']:>9,.1f} {row['mb_per_s']:>8,.1f} {row['peak_rss_mb']:>8,} {floor}")  # fmt: skip
    print(f"whole pipeline (fetch to reports) {report['pipeline_s']:,.1f} s; floor {report['floor_s']:,.1f} s: "
          f"{report['ratio_pipeline_to_floor']:.2f}x; the stages with a floor alone (ingest, dbt build, publish) "
          f"{report['floored_stages_s']:,.1f} s: {report['ratio_floored_stages_to_floor']:.2f}x")  # fmt: skip
    if incremental := report.get("incremental"):
        print("\nincremental (1 % of personnel, a day of training and surveys), against the full run's stages:")
        for row in incremental["stages"]:
            share = f"{row['share_of_full']:>7.1%}" if row["share_of_full"] is not None else ""
            print(f"  {LABELS[row['stage']]:<26} {row['wall_s']:>9,.1f} s {row['rows']:>12,} rows  {share}")
        print(f"  total {incremental['wall_s']:,.1f} s against {incremental['full_wall_s']:,.1f} s: "
              f"{incremental['share_of_full']:.1%}")  # fmt: skip
    print(f"\nmarts equal to the floor: {len(report['marts']) - report['mismatches']} of {len(report['marts'])}")
    for row in report["marts"]:
        if row["problems"]:
            print(f"  {row['table']}: {'; '.join(row['problems'])[:400]}")
    for name, target in report["targets"].items():
        print(f"target {name} {target['target']}: {'met' if target['met'] else 'NOT met'} ({target['value']})")


def append_doc(report: dict, json_path: Path | None) -> None:
    machine = report["machine"]
    lines = [
        "",
        f"### Scale {report['scale']:g} ({report['date']}, commit {machine['commit']})",
        "",
        f"`.venv/bin/python benchmarks/pipeline.py --scale {report['scale_name']}"
        + (f" --json {json_path.name}" if json_path else "")
        + "`: "
        + report["deliveries"]
        + ". Machine: "
        f"{machine['cores']} cores ({machine['cpu']}), {machine['memory_gib']} GiB, {machine['system']}; Python "
        f"{machine['python']}, DuckDB {machine['duckdb']}, dbt-core {machine['dbt-core']}, dbt-duckdb "
        f"{machine['dbt-duckdb']}, Airflow {machine['airflow']}; DuckDB memory limit {machine['duckdb_memory_limit']}, "
        f"dbt threads {machine['dbt_threads']}; load average before the run {report['full']['fetch']['load_before']}.",
        "",
        "| stage | wall s | rows | rows/s | MB | MB/s | peak RSS MB | floor s | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["stages"]:
        floor = f"{row['floor_wall_s']:,.1f} | {row['ratio_to_floor']:.2f}x" if row["floor_wall_s"] else "no floor | "
        lines.append(
            f"| {LABELS[row['stage']].strip()} | {row['wall_s']:,.1f} | {row['rows']:,} | {row['rows_per_s']:,} "
            f"| {row['mb']:,.1f} | {row['mb_per_s']:,.1f} | {row['peak_rss_mb']:,} | {floor} |"
        )
    lines.append(f"| **whole pipeline** (fetch to reports) | {report['pipeline_s']:,.1f} | | | | | | "
                 f"{report['floor_s']:,.1f} | **{report['ratio_pipeline_to_floor']:.2f}x** |")  # fmt: skip
    lines.append(f"| stages with a floor (ingest, dbt build, publish) | {report['floored_stages_s']:,.1f} | | | | | | "
                 f"{report['floor_s']:,.1f} | {report['ratio_floored_stages_to_floor']:.2f}x |")  # fmt: skip
    if incremental := report.get("incremental"):
        lines += ["", "Incremental delivery (the next day: 1 % of personnel changed, a day of training and survey "
                  "responses added; each region in its own load mode), against the full run's same stages:", "",
                  "| stage | wall s | rows | share of full |", "|---|---:|---:|---:|"]  # fmt: skip
        for row in incremental["stages"]:
            share = f"{row['share_of_full']:.1%}" if row["share_of_full"] is not None else ""
            lines.append(f"| {LABELS[row['stage']]} | {row['wall_s']:,.1f} | {row['rows']:,} | {share} |")
        lines.append(f"| **total** | {incremental['wall_s']:,.1f} | | **{incremental['share_of_full']:.1%}** |")
    lines += ["", f"Marts equal to the floor: {len(report['marts']) - report['mismatches']} of {len(report['marts'])}."]
    lines += [f"Target {name} {t['target']}: **{'met' if t['met'] else 'not met'}** ({t['value']})."
              for name, t in report["targets"].items()]  # fmt: skip
    # The doc's prose is wrapped at 120 like the rest of it; table rows stay whole.
    text = [line if line.startswith("|") else textwrap.fill(line, 120, break_on_hyphens=False) for line in lines]
    with DOC.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(text) + "\n")


def benchmark(scale_name: str, scale: float, data: Path, *, incremental: bool, json_path: Path | None,
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
                          "mb_per_s": 0, "peak_rss_mb": 0, "reused": True}  # fmt: skip
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
    increments: dict[str, dict] | None = None
    if incremental:
        increments = {}
        incremental_env = paths.environment(SAMPLE_AS_OF + timedelta(days=1), incremental=True)
        for name in INCREMENTAL:
            print(f"== incremental {name}", flush=True)
            increments[name] = _child(name, paths, scale, incremental_env, "incremental-")
    report = summarise(full, floor, increments, marts, scale)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=_scale, default="sample", help="sample, regional, national or X (0-1]")
    parser.add_argument("--data", type=Path, help="deliveries folder (default <data folder>/bench/pipeline-<scale>)")
    parser.add_argument("--json", type=Path, help="write the figures here (default <data>/pipeline-<scale>.json)")
    parser.add_argument("--skip-incremental", action="store_true", help="no incremental delivery after the build")
    parser.add_argument("--append-doc", action="store_true", help="append the figures to docs/benchmarks.md")
    parser.add_argument("--report", type=Path, help="no run: print (and --append-doc) the figures of a saved JSON")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    scale_name, scale = args.scale if isinstance(args.scale, tuple) else _scale(args.scale)
    settings = Settings.from_env()  # a stage's child: the environment Paths.environment gave it
    data = args.data or default_data(settings, scale_name)
    if args.stage:  # inside a child process
        figures = run_stage(args.stage, Paths(data.resolve()), scale, settings)
        args.result.write_text(json.dumps(figures, default=str))
        return 0
    if args.report:  # the summary recomputed from the saved figures, so a later summary's fields are there too
        saved = json.loads(args.report.read_text())
        increments = saved["incremental"]["figures"] if "incremental" in saved else None
        report = saved | summarise(saved["full"], saved["floor"], increments, saved["marts"], saved["scale"])
        _print(report)
        if args.append_doc:
            append_doc(report, args.report)
        return 0
    data.mkdir(parents=True, exist_ok=True)
    json_path = args.json or data / f"pipeline-{scale_name}.json"
    report = benchmark(scale_name, scale, data, incremental=not args.skip_incremental, json_path=json_path,
                       doc=args.append_doc)  # fmt: skip
    return 1 if report["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
