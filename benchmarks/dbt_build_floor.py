"""dbt build on national-scale raw data beside a hand-written SQL floor computing the same marts, and the cost of
the data-quality gates beside the build, in one run.

Run: .venv/bin/python benchmarks/dbt_build_floor.py [--warehouse PATH] [--work DIR] [--repeat N] [--json FILE]
     .venv/bin/python benchmarks/dbt_build_floor.py --scale X [--out DIR] [--json FILE]

`--warehouse` is a build database holding the raw layer (a file named warehouse.duckdb; default
bench/floor/warehouse.duckdb in the data folder of the settings, ASN_DATA_DIR, by default the project's data/).
`--scale` instead generates national-style deliveries at that scale into a folder of its own under `--out` (default
bench/ in the same data folder, deleted afterwards unless `--keep`) and loads them into one. It is only read: each
phase below runs in a fresh process on its own fresh copy of it (under `--work`), so every phase starts from the
same file and the original stays pristine (`--in-place` runs them one after the other on the file itself):

- build: `dbt build --full-refresh` through asn_platform.transform.dbt.run_dbt (seeds, models, tests, unit tests);
- run: `dbt run --full-refresh`, the same models without the tests, so the tests' share is known (the seeds are
  loaded into its copy first, untimed: `dbt run` does not load them);
- quality: right after each build, on the build's database, the two gates the warehouse DAG runs (the raw layer's
  suites, then the marts'), through asn_platform.orchestration.stages.gate; reported as a share of the build's wall
  time (target: at most 25 %), with each stage's checks, errors, warnings and slowest suites. The raw gate holds
  deliveries to the registry in ASN_SOURCES_DIR (point it at the national registry for national data);
- floor: benchmarks/sql/*.sql in name order, the same marts written by hand (CTEs, shared steps computed once into
  temporary tables, no views, no tests), by DuckDB alone into floor_<schema>.

Then every mart of dbt's schemas (from the build) is checked against its floor table: columns and types, row
count and an order-independent checksum (the sum of a hash of each row, and of each column to name the ones that
differ), with a few differing rows shown. Reports wall seconds (each process, start to exit), CPU seconds and
peak resident memory (of the dbt process, of the floor's process), the ratio dbt build / floor (target: within
2x), dbt's slowest nodes and the floor's slowest statements. `--repeat N` runs the three phases N times,
interleaved, and keeps each phase's fastest run (other work on a shared machine only slows a run down). Settings
come from the environment as for every command, built once in each process and passed down (the DuckDB memory
limit, dbt's threads, ASN_PSEUDONYM_KEY, else the key file beside the warehouse: every phase gets the same key).
Asserts no timing; exits 1 if a mart differs from its floor. `--json FILE` also writes the figures and the machine
(and commit) they were measured on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from string import Template

from asn_platform.core.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = Path(__file__).resolve().parent / "sql"
SEEDS_DIR = PROJECT_ROOT / "dbt_project" / "seeds"
PHASES = ("build", "run", "floor")
QUALITY = "quality"  # the data-quality gates, run on the build phase's database right after it
TARGET_QUALITY_SHARE = 0.25
DBT_ARGS = {"build": ["build", "--full-refresh"], "run": ["run", "--full-refresh"]}
FLOOR_PREFIX = "floor_"
TARGET_RATIO = 2.0


def default_warehouse(settings: Settings) -> Path:
    """The build database read when `--warehouse` is not given: bench/floor/warehouse.duckdb in the data folder."""
    return settings.data_dir / "bench" / "floor" / "warehouse.duckdb"


def _environment(warehouse: Path, base: Mapping[str, str]) -> dict[str, str]:
    """The environment of a phase on `warehouse`: `base` with the build database's folder pointed there."""
    return {**base, "ASN_WAREHOUSE_DIR": str(warehouse.parent)}


def _pseudonym_key(warehouse: Path, base: Mapping[str, str]) -> str:
    """The key every phase uses: the environment's, or the one kept beside the warehouse, or a fresh one."""
    from asn_platform.core.settings import PSEUDONYM_KEY_FILE

    key_file = warehouse.parent / PSEUDONYM_KEY_FILE
    if key := base.get("ASN_PSEUDONYM_KEY", "").strip():
        return key
    return key_file.read_text().strip() if key_file.exists() else secrets.token_hex(32)


# --- inside a child process -----------------------------------------------------------------------------------


def run_dbt_phase(phase: str, settings: Settings) -> dict:
    """One dbt command through the project's runner; dbt's own per-node timings and the dbt process's peak RSS."""
    from asn_platform.transform.dbt import dbt_paths, run_dbt

    started = time.perf_counter()
    result = run_dbt(DBT_ARGS[phase], settings, echo=False)
    seconds = time.perf_counter() - started
    target, _ = dbt_paths(settings)
    nodes = [
        {
            "unique_id": node["unique_id"],
            "status": node["status"],
            "seconds": round(float(node["execution_time"]), 3),
        }
        for node in json.loads((target / "run_results.json").read_text())["results"]
    ]
    return {
        "seconds": seconds,
        "dbt_elapsed_s": result.elapsed_s,
        "statuses": result.statuses,
        "nodes": nodes,
        # This process waited for one child only, the dbt process.
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def floor_statements() -> list[str]:
    """The floor's statements in order: every file of benchmarks/sql, by name, with the seed folder filled in."""
    import duckdb

    text = "\n".join(Template(path.read_text()).substitute(seeds=SEEDS_DIR) for path in sorted(SQL_DIR.glob("*.sql")))
    with duckdb.connect() as scratch:
        return [statement.query for statement in scratch.extract_statements(text)]


def _label(statement: str) -> str:
    """`CREATE TABLE floor_core.dim_unit` and the like: what a statement makes."""
    code = "\n".join(line for line in statement.splitlines() if not line.lstrip().startswith("--"))
    return " ".join(code.split()[:6]).split(" AS ")[0].removesuffix(";")


def run_floor_phase(settings: Settings) -> dict:
    """The floor script by DuckDB alone, statement by statement, on the settings' build database (dbt's)."""
    from asn_platform.core.warehouse import connect

    statements = floor_statements()
    timings = []
    started = time.perf_counter()
    with connect(settings=settings) as connection:
        # As asn_platform/transform/plugin.py hands it to dbt: a session variable, never a literal.
        connection.execute("SET VARIABLE asn_pseudonym_key = ?", [settings.resolve_pseudonym_key()]).fetchall()
        for statement in statements:
            clock = time.perf_counter()
            connection.execute(statement).fetchall()
            timings.append({"statement": _label(statement), "seconds": round(time.perf_counter() - clock, 3)})
    return {
        "seconds": time.perf_counter() - started,
        "statements": timings,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_quality_phase(settings: Settings) -> dict:
    """Both gates the warehouse DAG runs (the raw layer, then the marts) on the build's database, as the DAG's
    tasks call them; each suite's seconds from the time its results were recorded."""
    from asn_platform.core.warehouse import connect
    from asn_platform.orchestration.stages import GATED_STAGES, gate
    from asn_platform.quality import QualityGateFailed

    stages = {}
    started = time.perf_counter()
    for stage in GATED_STAGES:
        run_id = f"benchmark-{stage}-{secrets.token_hex(4)}"
        clock, began = time.perf_counter(), time.time()
        try:
            reports, errors = gate(stage, settings, run_id=run_id), []
        except QualityGateFailed as failure:
            reports, errors = failure.reports, [o.describe()[:500] for r in failure.reports for o in r.errors]
        seconds = time.perf_counter() - clock
        with connect(settings=settings, read_only=True) as connection:
            recorded = connection.execute(
                """SELECT suite, count(*), epoch(max(validated_at)) FROM dq.expectation_results WHERE run_id = ?
                   GROUP BY suite ORDER BY 3""",
                [run_id],
            ).fetchall()
        # A suite's results are recorded the moment it is done: the gap to the one before is its time (the first
        # one's includes loading the suites from YAML, and for the raw stage writing the delivery schedule).
        ends = [began, *(end for _, _, end in recorded)]
        suites = [
            {"suite": suite, "checks": checks, "seconds": round(ends[i + 1] - ends[i], 3)}
            for i, (suite, checks, _) in enumerate(recorded)
        ]
        stages[stage] = {
            "seconds": round(seconds, 3),
            "checks": sum(checks for _, checks, _ in recorded),
            "errors": errors,
            "warnings": [o.label for r in reports for o in r.warnings],
            "suites": suites,
        }
    return {
        "seconds": time.perf_counter() - started,
        "stages": stages,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# --- the parent -----------------------------------------------------------------------------------------------


def _child(phase: str, warehouse: Path, work: Path, base: Mapping[str, str]) -> tuple[dict, float, float, float]:
    """Run one phase in a fresh interpreter (the environment `base`, on `warehouse`): its figures, wall seconds, and
    the CPU seconds and peak RSS of the process tree (wait4 counts the dbt process the child waited for)."""
    out = work / f"{phase}.json"
    command = [sys.executable, __file__, "--phase", phase, "--warehouse", str(warehouse), "--result", str(out)]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=_environment(warehouse, base), cwd=PROJECT_ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if code := os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{phase} failed with exit code {code}")
    return json.loads(out.read_text()), seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _columns(connection, database: str, schema: str, table: str) -> list[tuple[str, str]]:
    return connection.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ? ORDER BY column_index",
        [database, schema, table],
    ).fetchall()


def compare(dbt_warehouse: Path, floor_warehouse: Path, settings: Settings) -> list[dict]:
    """Every mart of dbt's schemas (the restricted tier's too) beside its floor table: columns, row count,
    checksums; what differs."""
    from asn_platform.core.settings import MART_SCHEMAS
    from asn_platform.core.warehouse import connect, quote_identifier, sql_literal
    from asn_platform.serving.publish import RESTRICTED_SCHEMAS

    schemas = (*MART_SCHEMAS, *RESTRICTED_SCHEMAS)  # the HR agency's tier is a mart too (published apart)
    rows = []
    with connect(settings=settings, in_memory=True) as connection:
        connection.execute(f"ATTACH {sql_literal(dbt_warehouse)} AS dbt_side (READ_ONLY)").fetchall()
        floor_side = "dbt_side"
        if floor_warehouse != dbt_warehouse:
            floor_side = "floor_side"
            connection.execute(f"ATTACH {sql_literal(floor_warehouse)} AS floor_side (READ_ONLY)").fetchall()
        tables = connection.execute(
            f"SELECT database_name, schema_name, table_name FROM duckdb_tables() WHERE (database_name = 'dbt_side' "
            f"AND schema_name IN ({', '.join('?' * len(schemas))})) "
            f"OR (database_name = ? AND schema_name LIKE '{FLOOR_PREFIX}%')",
            [*schemas, floor_side],
        ).fetchall()
        present = set(tables)
        names = {(schema.removeprefix(FLOOR_PREFIX), table) for _, schema, table in tables}
        for schema, table in sorted(names):
            floor_schema = FLOOR_PREFIX + schema
            entry = {"table": f"{schema}.{table}", "problems": []}
            rows.append(entry)
            in_dbt, in_floor = ("dbt_side", schema, table) in present, (floor_side, floor_schema, table) in present
            if not (in_dbt and in_floor):
                missing_from = "the floor" if in_dbt else "dbt's marts"
                entry["problems"].append(f"missing from {missing_from}")
                continue
            dbt_table = f"dbt_side.{quote_identifier(schema)}.{quote_identifier(table)}"
            floor_table = f"{floor_side}.{quote_identifier(floor_schema)}.{quote_identifier(table)}"
            columns = _columns(connection, "dbt_side", schema, table)
            if columns != (floor_columns := _columns(connection, floor_side, floor_schema, table)):
                entry["problems"].append(f"columns differ: dbt {columns} / floor {floor_columns}")
                continue
            sums = {}
            for side, name in (("dbt", dbt_table), ("floor", floor_table)):
                # hash(*COLUMNS(*)): one hash of the whole row; sum(): independent of row order; HUGEINT: no overflow.
                count, row_sum, *column_sums = connection.execute(
                    f"SELECT count(*), sum(hash(*COLUMNS(*)))::VARCHAR, sum(hash(COLUMNS(*)))::VARCHAR FROM {name}"
                ).fetchone()
                sums[side] = (count, row_sum, column_sums)
            entry["rows"] = sums["dbt"][0]
            if sums["dbt"][0] != sums["floor"][0]:
                entry["problems"].append(f"rows differ: dbt {sums['dbt'][0]:,}, floor {sums['floor'][0]:,}")
            if sums["dbt"][1] != sums["floor"][1]:
                differing = [
                    column
                    for (column, _), ours, theirs in zip(columns, sums["dbt"][2], sums["floor"][2], strict=True)
                    if ours != theirs
                ]
                entry["problems"].append(f"checksum differs; columns {differing or '(only their combination)'}")
                for side, one, other in (("dbt only", dbt_table, floor_table), ("floor only", floor_table, dbt_table)):
                    sample = connection.execute(f"FROM (FROM {one} EXCEPT ALL FROM {other}) LIMIT 3").fetchall()
                    entry["problems"] += [f"{side}: {row}" for row in sample]
    return rows


def describe_machine(warehouse: Path, settings: Settings) -> dict:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(PROJECT_ROOT), *args], capture_output=True, text=True, check=False)
        return done.stdout.strip()

    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    ) if Path("/proc/cpuinfo").exists() else platform.processor()  # fmt: skip
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib, 1),
        "system": platform.platform(),
        "python": platform.python_version(),
        "duckdb": version("duckdb"),
        "dbt-core": version("dbt-core"),
        "dbt-duckdb": version("dbt-duckdb"),
        # The settings both sides run with (asn_platform.core.warehouse.connect and the dbt profile read the same ones).
        "duckdb_memory_limit": settings.duckdb_memory_limit,
        "dbt_threads": settings.dbt_threads,
        "commit": git("rev-parse", "--short", "HEAD"),
        # Uncommitted changes to the dbt project at the time: dbt builds the working tree.
        "dbt_project_changes": git("status", "--porcelain", "--", "dbt_project").splitlines(),
        "warehouse": str(warehouse),
        "warehouse_mb": round(warehouse.stat().st_size / 1e6),
    }


def raw_rows(warehouse: Path, settings: Settings) -> dict[str, int]:
    from asn_platform.core.warehouse import connect, quote_identifier

    with connect(warehouse, settings=settings, read_only=True) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' ORDER BY table_name"
        ).fetchall()]  # fmt: skip
        return {
            table: connection.execute(f"SELECT count(*) FROM raw.{quote_identifier(table)}").fetchone()[0]
            for table in tables
        }


def prepare_scale(scale: float, root: Path, seed: int, base: Mapping[str, str]) -> tuple[Path, dict[str, str]]:
    """National-style deliveries at `scale`, generated and loaded into a fresh build database under `root` (by
    `python -m ingestion load --all`); the build database and the environment `base` with these regions' registry
    (the raw gate holds deliveries to their schedules)."""
    from asn_platform.generator.national import generate_national

    landing, sources = root / "data" / "landing", root / "data" / "national_sources"
    summary = generate_national(landing, seed, scale=scale, sources_dir=sources, workers=1)
    print(f"generated {summary.regions} regions, {summary.headcount:,} ASN, {summary.total_rows:,} rows")
    env = {**base, "ASN_SOURCES_DIR": str(sources)}
    # Loaded into the data folder under `root`, whatever the environment points the warehouse and landing area at.
    elsewhere = {"ASN_WAREHOUSE_DIR", "ASN_LANDING_DIR"}
    loading = {name: value for name, value in env.items() if name not in elsewhere} | {
        "ASN_DATA_DIR": str(root / "data")
    }
    subprocess.run(
        [sys.executable, "-m", "ingestion", "load", "--all"], env=loading, cwd=PROJECT_ROOT, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return root / "data" / "warehouse" / "warehouse.duckdb", env


def _report(figures: dict, comparison: list[dict]) -> dict:
    build, run, floor = (figures[phase] for phase in PHASES)
    quality = figures[QUALITY]
    quality_share = quality["wall_s"] / build["wall_s"]
    ratio = build["wall_s"] / floor["wall_s"]
    run_ratio = run["wall_s"] / floor["wall_s"]
    cpu_ratio = build["cpu_s"] / floor["cpu_s"]
    print(f"\n{'':<28} {'wall s':>9} {'inner s':>9} {'CPU s':>9} {'peak RSS MB':>12}  {'every wall s':<24}")
    for name, phase, inner in (
        ("dbt build --full-refresh", build, build["dbt_elapsed_s"]),
        ("dbt run --full-refresh", run, run["dbt_elapsed_s"]),
        ("floor (DuckDB SQL script)", floor, floor["seconds"]),
        ("data-quality gates", quality, quality["seconds"]),
    ):
        walls = ", ".join(f"{wall:,.1f}" for wall in phase["walls_s"])
        print(
            f"{name:<28} {phase['wall_s']:>9,.1f} {inner:>9,.1f} {phase['cpu_s']:>9,.1f} "
            f"{phase['peak_rss_mb']:>12,.0f}  {walls}"
        )
    best = "; the fastest of each phase's runs" if len(build["walls_s"]) > 1 else ""
    print(f"load average before each run: { ({p: figures[p]['load_before'] for p in [*PHASES, QUALITY]}) }{best}")
    by_type: dict[str, float] = {}
    for node in build["nodes"]:
        kind = node["unique_id"].split(".")[0]
        by_type[kind] = round(by_type.get(kind, 0.0) + node["seconds"], 2)
    tests = by_type.get("test", 0.0) + by_type.get("unit_test", 0.0)
    print(f"\ndbt build nodes: {build['statuses']}; node seconds by type: {by_type}")
    print(f"ratio dbt build / floor: {ratio:.2f}x; dbt run / floor: {run_ratio:.2f}x; CPU seconds: {cpu_ratio:.2f}x")
    print(
        f"target dbt build within {TARGET_RATIO:g}x of the floor: {'met' if ratio <= TARGET_RATIO else 'NOT met'} "
        f"({ratio:.2f}x)"
    )
    print(f"\ndata-quality gates / dbt build: {quality_share:.1%}")
    for stage, figures_of_stage in quality["stages"].items():
        print(f"  {stage}: {figures_of_stage['seconds']:,.1f} s, {figures_of_stage['checks']} checks, "
              f"{len(figures_of_stage['errors'])} errors, {len(figures_of_stage['warnings'])} warnings")  # fmt: skip
        for error in figures_of_stage["errors"]:
            print(f"    {error}")
        for suite in sorted(figures_of_stage["suites"], key=lambda row: -row["seconds"])[:5]:
            print(f"    {suite['seconds']:>8,.2f}  {suite['suite']}")
    print(
        f"target data-quality gates at most {TARGET_QUALITY_SHARE:.0%} of dbt build: "
        f"{'met' if quality_share <= TARGET_QUALITY_SHARE else 'NOT met'} ({quality_share:.1%})"
    )
    print("\nslowest dbt build nodes (s):")
    for node in sorted(build["nodes"], key=lambda node: -node["seconds"])[:10]:
        print(f"  {node['seconds']:>8,.1f}  {node['unique_id']}")
    print("slowest floor statements (s):")
    for statement in sorted(floor["statements"], key=lambda row: -row["seconds"])[:10]:
        print(f"  {statement['seconds']:>8,.1f}  {statement['statement']}")
    mismatches = [row for row in comparison if row["problems"]]
    print(f"\n{'mart':<40} {'rows':>12}  equal to the floor")
    for row in comparison:
        verdict = "yes" if not row["problems"] else "NO: " + "; ".join(row["problems"])
        print(f"{row['table']:<40} {row.get('rows', 0):>12,}  {verdict}")
    print(f"mismatches: {len(mismatches)} of {len(comparison)} marts")
    return {
        "phases": {
            phase: {key: value for key, value in figures[phase].items() if key not in {"nodes", "statements"}}
            for phase in [*PHASES, QUALITY]
        },
        "quality_share_of_build": round(quality_share, 4),
        "target_quality_share": TARGET_QUALITY_SHARE,
        "quality_target_met": quality_share <= TARGET_QUALITY_SHARE,
        "ratio_build_to_floor": round(ratio, 3),
        "ratio_run_to_floor": round(run_ratio, 3),
        "cpu_ratio_build_to_floor": round(cpu_ratio, 3),
        "target_ratio": TARGET_RATIO,
        "target_met": ratio <= TARGET_RATIO,
        "test_node_seconds": round(tests, 2),
        "node_seconds_by_type": by_type,
        "build_nodes": sorted(build["nodes"], key=lambda node: -node["seconds"]),
        "run_nodes": sorted(run["nodes"], key=lambda node: -node["seconds"]),
        "floor_statements": floor["statements"],
        "marts": comparison,
        "mismatches": len(mismatches),
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--warehouse",
        type=Path,
        help="build database with the raw layer, only read (default <data folder>/bench/floor/warehouse.duckdb)",
    )
    parser.add_argument("--work", type=Path, help="folder for the phases' copies (default: runs/ beside --warehouse)")
    parser.add_argument("--in-place", action="store_true", help="no copies: every phase on --warehouse itself")
    parser.add_argument("--scale", type=float, help="instead: generate and load national-style data at this scale")
    parser.add_argument("--seed", type=int, default=42, help="generator seed for --scale")
    parser.add_argument("--out", type=Path, help="with --scale: directory to work under (default <data folder>/bench)")
    parser.add_argument("--repeat", type=int, default=1, help="run the phases this many times, interleaved; best kept")
    parser.add_argument("--keep", action="store_true", help="keep the copies (and with --scale the generated data)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--phase", choices=[*PHASES, QUALITY], help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    return parser


def _copy(source: Path, work: Path, phase: str) -> Path:
    """A fresh copy of `source` for one phase, written through to disk before the phase starts."""
    target = work / phase / "warehouse.duckdb"
    shutil.rmtree(target.parent, ignore_errors=True)
    target.parent.mkdir(parents=True)
    shutil.copyfile(source, target)
    os.sync()
    return target


def _load_seeds(warehouse: Path, base: Mapping[str, str]) -> None:
    from asn_platform.transform.dbt import run_dbt

    run_dbt(["seed", "--full-refresh"], Settings.from_env(_environment(warehouse, base)), echo=False)


def _measure(figures: dict[str, dict], phase: str, database: Path, results: Path, base: Mapping[str, str]) -> None:
    """Run `phase` in a child process on `database`; keep its fastest run's figures and every wall time."""
    load = round(os.getloadavg()[0], 2)
    result, wall, cpu, tree_rss = _child(phase, database, results, base)
    print(f"   {wall:,.1f} s, {cpu:,.1f} CPU s, peak RSS {result['peak_rss_mb']:,.0f} MB", flush=True)
    best = figures.get(phase)
    walls = [*(best["walls_s"] if best else []), round(wall, 2)]
    loads = [*(best["load_before"] if best else []), load]
    peak = max(result["peak_rss_mb"], best["peak_rss_mb"] if best else 0)
    if best is None or wall < best["wall_s"]:
        best = result | {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}
        best["process_tree_peak_rss_mb"] = round(tree_rss)
    figures[phase] = best | {"walls_s": walls, "load_before": loads, "peak_rss_mb": round(peak)}


def benchmark(
    source: Path,
    work: Path | None,
    *,
    repeat: int = 1,
    keep: bool = False,
    json_path: Path | None = None,
    environment: Mapping[str, str] | None = None,
) -> dict:
    """The three phases one after the other, `repeat` times (each on its own copy of `source` under `work`, or all
    on `source` itself if `work` is None), then the comparison; prints and returns the report. Each phase's figures
    are those of its fastest run (a shared machine only ever slows a run down); every wall time is kept. The
    phases run with `environment` (default this process's), every one with the same pseudonym key."""
    base = dict(os.environ if environment is None else environment)
    base["ASN_PSEUDONYM_KEY"] = _pseudonym_key(source, base)
    settings = Settings.from_env(_environment(source, base))  # this process's own reads, on `source`
    machine = describe_machine(source, settings)
    raw = raw_rows(source, settings)
    print(f"warehouse {source} ({machine['warehouse_mb']:,} MB): raw rows {raw}", flush=True)
    results = Path(tempfile.mkdtemp(prefix="asn-dbt-floor-results-"))
    figures: dict[str, dict] = {}
    databases: dict[str, Path] = {}
    try:
        for attempt in range(1, repeat + 1):
            for phase in PHASES:
                databases[phase] = source if work is None else _copy(source, work, phase)
                print(f"== {phase} ({attempt}/{repeat}) on {databases[phase]}", flush=True)
                if phase == "run":  # `dbt run` loads no seeds: loaded first, untimed (well under a second of dbt's)
                    _load_seeds(databases[phase], base)
                _measure(figures, phase, databases[phase], results, base)
                if phase == "build":  # the gates read what the build wrote (and add their results to it)
                    print(f"== {QUALITY} ({attempt}/{repeat}) on {databases[phase]}", flush=True)
                    _measure(figures, QUALITY, databases[phase], results, base)
                if phase == "run" and work is not None and not keep:  # only build's marts are compared
                    shutil.rmtree(databases[phase].parent)
        report = _report(figures, compare(databases["build"], databases["floor"], settings)) | {
            "machine": machine,
            "raw_rows": raw,
        }
    finally:
        shutil.rmtree(results, ignore_errors=True)
        if work is not None and not keep:
            for database in databases.values():
                shutil.rmtree(database.parent, ignore_errors=True)
            if work.exists() and not any(work.iterdir()):
                work.rmdir()
    print(
        f"\nmachine: {machine['cores']} cores ({machine['cpu']}), {machine['memory_gib']} GiB; duckdb "
        f"{machine['duckdb']}, dbt-core {machine['dbt-core']}, dbt-duckdb {machine['dbt-duckdb']}; DuckDB memory limit "
        f"{machine['duckdb_memory_limit']}, dbt threads {machine['dbt_threads']}; commit {machine['commit']}"
        + (f", {len(changes)} uncommitted dbt_project changes" if (changes := machine["dbt_project_changes"]) else "")
    )
    if json_path:
        json_path.write_text(json.dumps(report, indent=2, default=str))
    return report


def main() -> int:
    parser = _parser()
    args = parser.parse_args()
    settings = Settings.from_env()  # a phase's child: the environment _environment gave it
    if args.phase:  # inside a child process
        runners = {"floor": run_floor_phase, QUALITY: run_quality_phase}
        figures = runners[args.phase](settings) if args.phase in runners else run_dbt_phase(args.phase, settings)
        args.result.write_text(json.dumps(figures))
        return 0
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.scale is None:
        source = (args.warehouse or default_warehouse(settings)).resolve()
        if source.name != "warehouse.duckdb" or not source.is_file():
            parser.error(f"{source}: --warehouse must be an existing file named warehouse.duckdb (the settings' name)")
        work = None if args.in_place else (args.work or source.parent / "runs").resolve()
        if work is not None and source.is_relative_to(work):
            parser.error("--work must not hold --warehouse: the phases' copies are deleted")
        report = benchmark(source, work, repeat=args.repeat, keep=args.keep, json_path=args.json)
        return 1 if report["mismatches"] else 0
    if args.warehouse or args.work:
        parser.error("--scale builds its own warehouse: no --warehouse or --work with it")
    out = args.out or settings.data_dir / "bench"
    out.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="asn-dbt-floor-", dir=out))
    try:
        source, environment = prepare_scale(args.scale, root, args.seed, os.environ)
        runs = None if args.in_place else root / "runs"
        report = benchmark(source, runs, repeat=args.repeat, keep=True, json_path=args.json, environment=environment)
    finally:
        if args.keep:
            print(f"kept under {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 1 if report["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
