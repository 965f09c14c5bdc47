"""Ingestion throughput side by side with DuckDB's own readers on the same delivery files, and peak memory.

Run: .venv/bin/python benchmarks/ingestion_throughput.py [--scale 0.01] [--landing DIR] [--out DIR] [--keep]

`--out` (where the run works, in a folder of its own deleted afterwards unless `--keep`) defaults to bench/ in the
data folder of the settings (ASN_DATA_DIR, by default the project's data/).

Generates national-style deliveries at `--scale` (1.0: 500 regions, 5.6 million ASN; default 0.01, 50 regions)
with their source registry, unless `--landing` points at deliveries already generated (its parent holding
`national_sources/`, as `--keep` leaves them). Then, each in a fresh process:

- floor: DuckDB alone reads every delivery file into a table of a fresh database file: `read_csv` with the file's
  delimiter and compression for CSV (a cp1252 file transcoded to UTF-8 first, which DuckDB cannot do without a
  downloaded extension); `read_ndjson_objects`
  for JSON Lines; workbooks through fastexcel into DuckDB (DuckDB has no built-in xlsx reader);
- ingestion: `ingestion.service.load_pending` for every region, into a fresh warehouse: the whole job (header and
  encoding checks, reading, normalising to the contract, row hashes, delivery suites, NIP and unit screening,
  quarantine, the transactional insert and the audit).

Reports MB/s per format over the same bytes (as delivered, compressed or not) and their ratio, in wall seconds and in
CPU seconds: each process's own CPU time (`time.process_time`, every thread: DuckDB's too) around each file's read
or load, so neither side counts its interpreter's start, its imports or, for ingestion, loading the suites (reported
apart); each side's closing of its connections (the last checkpoint, where DuckDB writes what was committed since
the one before) is counted, shared over the formats by rows. On a shared machine the CPU ratio is the one that other
people's work moves least. Target: ingestion at least 0.6x DuckDB's `read_csv` on the CSV deliveries in CPU
seconds (aim 0.75x). Also each process's peak resident memory (target: under 6 GB at national scale). Asserts
nothing. `--json FILE` also writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from asn_platform.core.settings import Settings

if TYPE_CHECKING:
    from ingestion.load import LoadResult

PHASES = ("floor", "ingest")
TARGET_CPU_RATIO = 0.6
AIM_CPU_RATIO = 0.75
FIGURES = ("files", "bytes", "rows", "seconds", "cpu_seconds")


def _format_of(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".csv.gz"):
        return "csv.gz"
    return name.rsplit(".", 1)[-1]


def _deliveries(landing: Path, sources: Path) -> list[tuple[str, str, Path]]:
    """(region, dataset, path) of every delivery file, the registry's view of the landing area."""
    from ingestion.deliveries import find_deliveries
    from ingestion.registry import load_registry

    found = []
    for region, source in load_registry(sources).items():
        found += [(region, d.dataset, d.path) for d in find_deliveries(source, landing)]
    return found


def _open(path: Path, compression: str) -> BinaryIO:
    return gzip.open(path, "rb") if compression == "gzip" else path.open("rb")  # type: ignore[return-value]


def run_floor(landing: Path, sources: Path, work: Path) -> dict[str, dict[str, float]]:
    """DuckDB alone: each file into a table, with the dialect the registry gives (never the sniffer's guess)."""
    import duckdb
    import fastexcel

    from ingestion.registry import load_registry

    registry = load_registry(sources)
    figures: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    connection = duckdb.connect(str(work / "floor.duckdb"))
    for number, (region, dataset, path) in enumerate(_deliveries(landing, sources)):
        config = registry[region].dataset(dataset)
        table = f"t{number}"
        started, cpu_started = time.perf_counter(), time.process_time()
        if config.format == "csv":
            source, compression = path, config.compression
            if config.encoding != "utf-8":  # DuckDB reads cp1252 only with a downloaded extension: transcode first
                source, compression = work / "utf8.csv", "none"
                with _open(path, config.compression) as raw, source.open("w", encoding="utf-8") as text:
                    shutil.copyfileobj(io.TextIOWrapper(raw, encoding=config.encoding, newline=""), text, 1 << 20)
            connection.execute(
                f"""CREATE TABLE {table} AS SELECT * FROM read_csv(?, header = true, all_varchar = true, delim = ?,
                    quote = '"', escape = '"', compression = ?)""",
                [str(source), config.delimiter, compression],
            )
        elif config.format == "jsonl":
            connection.execute(f"CREATE TABLE {table} AS SELECT json FROM read_ndjson_objects(?)", [str(path)])
        else:
            sheet = fastexcel.read_excel(str(path)).load_sheet(
                config.sheet or 0, header_row=config.header_row, dtypes="string"
            )
            connection.register("sheet", sheet)
            connection.execute(f"CREATE TABLE {table} AS SELECT * FROM sheet")
            connection.unregister("sheet")
        ((rows,),) = connection.execute(f"SELECT count(*) FROM {table}").fetchall()
        entry = figures[_format_of(path)]
        entry["seconds"] += time.perf_counter() - started
        entry["cpu_seconds"] += time.process_time() - cpu_started
        entry["files"] += 1
        entry["bytes"] += path.stat().st_size
        entry["rows"] += rows
    started, cpu_started = time.perf_counter(), time.process_time()
    connection.close()  # its last checkpoint: part of the cost
    _spread(figures, time.perf_counter() - started, time.process_time() - cpu_started)
    return dict(figures)


def _spread(figures: dict[str, dict[str, float]], seconds: float, cpu_seconds: float) -> None:
    """Work after the last file (closing the connection, where DuckDB checkpoints what the loads wrote) shared out
    over the formats by rows: it is a cost of loading them, and ingestion defers its checkpoints to that moment."""
    rows = sum(entry["rows"] for entry in figures.values())
    for entry in figures.values():
        share = entry["rows"] / rows if rows else 1 / len(figures)
        entry["seconds"] += seconds * share
        entry["cpu_seconds"] += cpu_seconds * share


def run_ingest(landing: Path, sources: Path, work: Path) -> dict:
    """The platform's ingestion, region by region, as the DAGs run it, into a fresh warehouse under `work`;
    per-format time from wall clocks."""
    settings = Settings.from_env(
        os.environ
        | {
            "ASN_DATA_DIR": str(work),
            "ASN_LANDING_DIR": str(landing),
            "ASN_SOURCES_DIR": str(sources),
            "ASN_WAREHOUSE_DIR": str(work / "warehouse"),
            "ASN_PSEUDONYM_KEY": "bench",
        }
    )
    return ingest_by_format(settings)


def ingest_by_format(settings: Settings) -> dict:
    """`load_pending` for every region of the settings' registry; per-format files, bytes, rows, wall and CPU seconds
    (this process's, every thread), the loads' statuses, the one-off start-up (loading the suites) and the seconds the
    loads report for the delivery suites and record screening (LoadResult.checks_s, part of the formats' seconds)."""
    from asn_platform.core.contract import DATASETS
    from ingestion.load import delivery_suite
    from ingestion.registry import load_registry
    from ingestion.service import load_pending

    figures: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    statuses: dict[str, int] = defaultdict(int)
    clock = [time.perf_counter()]
    cpu_clock = [time.process_time()]
    checks = [0.0]
    counted: dict[str, int] = defaultdict(int)  # rows of the region being loaded, per format

    def progress(result: LoadResult) -> None:
        now, cpu_now = time.perf_counter(), time.process_time()
        entry = figures[_format_of(result.delivery.path)]
        entry["seconds"] += now - clock[0]
        entry["cpu_seconds"] += cpu_now - cpu_clock[0]
        entry["files"] += 1
        entry["bytes"] += result.delivery.path.stat().st_size
        entry["rows"] += result.received
        statuses[result.status] += 1
        counted[_format_of(result.delivery.path)] += result.received
        checks[0] += result.checks_s
        clock[0], cpu_clock[0] = now, cpu_now

    # Once per process, whatever the volume: loading the suites imports Great Expectations. Reported apart.
    started, cpu_started = time.perf_counter(), time.process_time()
    for dataset in DATASETS.values():
        if not dataset.national:
            delivery_suite(dataset)
    startup, startup_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    regions = list(load_registry(settings.sources_dir))
    for number, region in enumerate(regions, start=1):
        clock[0], cpu_clock[0] = time.perf_counter(), time.process_time()
        region_figures: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
        counted.clear()
        load_pending(settings, region, progress=progress)
        for format_, rows in counted.items():
            region_figures[format_]["rows"] = rows
        tail = figures.setdefault("_tail", dict.fromkeys(FIGURES, 0))
        tail_s, tail_cpu_s = time.perf_counter() - clock[0], time.process_time() - cpu_clock[0]
        tail["seconds"] += tail_s
        tail["cpu_seconds"] += tail_cpu_s
        if region_figures:
            _spread(region_figures, tail_s, tail_cpu_s)
            for format_, entry in region_figures.items():
                figures[format_]["seconds"] += entry["seconds"]
                figures[format_]["cpu_seconds"] += entry["cpu_seconds"]
        print(f"  ingest {number}/{len(regions)} {region}", file=sys.stderr, flush=True)
    result = {key: value for key, value in figures.items() if key != "_tail"}
    result["_tail_s"] = figures["_tail"]["seconds"] if "_tail" in figures else 0.0
    result["_tail_cpu_s"] = figures["_tail"]["cpu_seconds"] if "_tail" in figures else 0.0
    result["_status"] = dict(statuses)
    result["_startup_s"] = startup
    result["_startup_cpu_s"] = startup_cpu
    result["_checks_s"] = checks[0]
    return result


def _child(phase: str, landing: Path, sources: Path, work: Path) -> tuple[dict, float, float]:
    """Run one phase in a fresh interpreter; its figures, wall seconds and peak RSS (MB, from wait4)."""
    work.mkdir(parents=True, exist_ok=True)
    out = work / f"{phase}.json"
    command = [sys.executable, __file__, "--phase", phase, "--landing", str(landing), "--sources", str(sources)]
    started = time.perf_counter()
    process = subprocess.Popen([*command, "--work", str(work), "--result", str(out)])
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{phase} failed with exit code {process.returncode}")
    return json.loads(out.read_text()), seconds, usage.ru_maxrss / 1024


def _report(floor: dict, ingest: dict, walls: dict[str, float], peaks: dict[str, float]) -> dict:
    formats = sorted(set(floor) | {key for key in ingest if not key.startswith("_")})
    print(f"\n{'format':<8} {'files':>6} {'MB':>9} {'rows':>12}  {'DuckDB s':>9} {'CPU s':>8} {'MB/s':>8}  "
          f"{'ingest s':>9} {'CPU s':>8} {'MB/s':>8}  {'ratio':>6} {'CPU':>6}")  # fmt: skip
    rows = []

    def line(name: str, f: dict, i: dict) -> None:
        mb = f["bytes"] / 1e6
        floor_rate, ingest_rate = mb / f["seconds"], mb / i["seconds"]
        # The same bytes on both sides: the throughput ratio is the ratio of the seconds.
        cpu_ratio = f["cpu_seconds"] / i["cpu_seconds"] if f["cpu_seconds"] and i["cpu_seconds"] else 0.0
        rows.append({"format": name, "files": f["files"], "mb": round(mb, 1), "rows": i["rows"],
                     "floor_s": round(f["seconds"], 2), "floor_cpu_s": round(f["cpu_seconds"], 2),
                     "floor_mb_s": round(floor_rate, 1),
                     "ingest_s": round(i["seconds"], 2), "ingest_cpu_s": round(i["cpu_seconds"], 2),
                     "ingest_mb_s": round(ingest_rate, 1),
                     "ratio": round(ingest_rate / floor_rate, 3), "cpu_ratio": round(cpu_ratio, 3)})  # fmt: skip
        print(f"{name:<8} {f['files']:>6,} {mb:>9,.1f} {i['rows']:>12,}  {f['seconds']:>9,.1f} "
              f"{f['cpu_seconds']:>8,.1f} {floor_rate:>8,.1f}  {i['seconds']:>9,.1f} {i['cpu_seconds']:>8,.1f} "
              f"{ingest_rate:>8,.1f}  {ingest_rate / floor_rate:>6.2f}x {cpu_ratio:>5.2f}x")  # fmt: skip

    def total(names: list[str], which: dict) -> dict:
        return {key: sum(which[name].get(key, 0) for name in names) for key in FIGURES}

    for name in formats:
        line(name, floor[name], ingest[name])
    csv_formats = [name for name in formats if name.startswith("csv")]
    line("all CSV", total(csv_formats, floor), total(csv_formats, ingest))
    line("all", total(formats, floor), total(formats, ingest))
    print(f"\nstatus of the loads: {ingest['_status']}")
    print(
        f"wall time (fresh process each): DuckDB {walls['floor']:,.1f} s, ingestion {walls['ingest']:,.1f} s "
        f"(of which {ingest['_startup_s']:.1f} s, {ingest['_startup_cpu_s']:.1f} CPU s, loading the suites and "
        "Great Expectations, once per process); closing each region's connection (its last checkpoint) "
        f"{ingest['_tail_s']:,.1f} s, {ingest['_tail_cpu_s']:,.1f} CPU s, counted in the formats by rows"
    )
    print(f"peak memory (RSS): DuckDB {peaks['floor']:,.0f} MB, ingestion {peaks['ingest']:,.0f} MB")
    csv = next(row for row in rows if row["format"] == "all CSV")
    print(f"target ingestion >= {TARGET_CPU_RATIO}x read_csv on CSV in CPU seconds (aim {AIM_CPU_RATIO}x): "
          f"{'met' if csv['cpu_ratio'] >= TARGET_CPU_RATIO else 'NOT met'} ({csv['cpu_ratio']:.2f}x; in wall seconds "
          f"{csv['ratio']:.2f}x)")  # fmt: skip
    return {
        "formats": rows,
        "status": ingest["_status"],
        "startup_s": round(ingest["_startup_s"], 2),
        "startup_cpu_s": round(ingest["_startup_cpu_s"], 2),
        "region_close_s": round(ingest["_tail_s"], 2),
        "region_close_cpu_s": round(ingest["_tail_cpu_s"], 2),
        "wall_s": walls,
        "peak_rss_mb": peaks,
        "target": {"cpu_ratio": TARGET_CPU_RATIO, "met": csv["cpu_ratio"] >= TARGET_CPU_RATIO},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01, help="1.0: national size (default 0.01)")
    parser.add_argument("--landing", type=Path, help="deliveries generated before (national_sources/ beside it)")
    parser.add_argument("--out", type=Path, help="directory to work under (default: <data folder>/bench)")
    parser.add_argument("--keep", action="store_true", help="keep the generated deliveries and the databases")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--sources", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:  # inside a child process
        run = run_floor if args.phase == "floor" else run_ingest
        args.result.write_text(json.dumps(run(args.landing, args.sources, args.work)))
        return

    out = args.out or Settings.from_env().data_dir / "bench"
    out.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="asn-ingest-bench-", dir=out))
    try:
        if args.landing:
            landing, sources = args.landing.resolve(), args.landing.resolve().parent / "national_sources"
        else:
            from asn_platform.generator.national import generate_national

            landing, sources = root / "landing", root / "national_sources"
            summary = generate_national(landing, args.seed, scale=args.scale, sources_dir=sources)
            print(f"generated {summary.regions} regions, {summary.headcount:,} ASN, {summary.total_rows:,} rows, "
                  f"{summary.bytes_written / 1e6:,.0f} MB in {summary.seconds:,.0f} s")  # fmt: skip
        results, walls, peaks = {}, {}, {}
        for phase in PHASES:
            results[phase], walls[phase], peaks[phase] = _child(phase, landing, sources, root / phase)
            shutil.rmtree(root / phase / "warehouse", ignore_errors=True)
        report = _report(results["floor"], results["ingest"], walls, peaks)
        if args.json:
            args.json.write_text(json.dumps(report, indent=2))
    finally:
        if args.keep:
            print(f"kept under {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
