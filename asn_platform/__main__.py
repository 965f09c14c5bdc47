"""Command line: `python -m asn_platform {run,generate,summary,dbt,data-docs,versions,rollback,...}`.
Exit codes: 0 success, 1 pipeline failure, 2 bad usage or configuration."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from asn_platform.core.console import Steps
from asn_platform.core.settings import Settings, SettingsError
from asn_platform.core.warehouse import WarehouseUnavailable


def _generate_national(settings: Settings, scale: float, workers: int | None) -> None:
    from asn_platform.generator.national import generate_national

    if not 0 < scale <= 1:
        raise SettingsError(f"--scale {scale}: must be above 0 and at most 1 (1 is national size: 5.6 million ASN)")
    # The registry of 500 synthetic regions stays beside the data, out of the project's own ingestion/sources/.
    sources_dir = settings.data_dir / "national_sources"
    summary = generate_national(
        settings.landing_dir,
        settings.sample_seed,
        scale=scale,
        api_dir=settings.source_api_dir,
        progress=print,
        workers=workers,
        sources_dir=sources_dir,
    )
    size = f"{summary.bytes_written / 1e9:.2f} GB"
    print(
        f"==> {summary.regions} regions, {summary.headcount:,} ASN, {summary.total_rows:,} rows in {summary.files} "
        f"files ({size}) in {summary.seconds:.1f} s: {summary.rows_per_second:,.0f} rows/s"
    )
    print(f"==> their source registry is {sources_dir}: load them with ASN_SOURCES_DIR={sources_dir}")


def _generate_command(settings: Settings, args: argparse.Namespace) -> None:
    if args.scale is None:
        _generate(settings, args.force, args.defects)
    elif args.defects != "none":
        raise SettingsError("--defects applies to the sample; national generation (--scale) injects none")
    else:
        _generate_national(settings, args.scale, args.workers)


def _generate(settings: Settings, force: bool, defects: str = "none") -> None:
    from asn_platform.generator import generate_sample
    from asn_platform.generator.defects import DefectRates
    from asn_platform.generator.profiles import SAMPLE_PROFILES

    try:
        rates = DefectRates.parse(defects)  # a bad spec fails before anything is written
    except ValueError as error:
        raise SettingsError(f"--defects: {error}") from None

    if not force and any(path.is_file() for path in settings.landing_dir.rglob("*")):
        print(f"==> landing area {settings.landing_dir} already holds deliveries; not regenerating (use --force)")
        return
    steps = Steps("generate", 2 * len(SAMPLE_PROFILES))
    files = generate_sample(
        settings.landing_dir, settings.sample_seed, api_dir=settings.source_api_dir, defects=rates, steps=steps
    )
    print(f"==> generated {len(files)} sample deliveries under {settings.landing_dir} (seed {settings.sample_seed})")
    if str(rates) != "none":
        print(f"==> defects injected at {rates}; listed in {settings.landing_dir / 'defects_manifest.json'}")


def _serve_api(settings: Settings, region: str, port: int, token: str | None, host: str) -> None:
    import time

    token = token or settings.regional_api_token
    if not token:
        raise SettingsError("regional-api needs a token: --token, or ASN_REGIONAL_API_TOKEN")
    from asn_platform.generator.regional_api import running_api

    store = settings.source_api_dir / region
    if not store.is_dir():
        raise SystemExit(f"error: no API store at {store}; run `python -m asn_platform generate` first")
    with running_api(store, token, port=port, host=host) as api:
        print(f"==> {region}'s stand-in API on {api.base_url}; Ctrl-C stops it")
        print(f"    AIRFLOW_CONN_{region.upper()}_API=http://:<token>@{host}:{port}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


def _data_docs(settings: Settings) -> int:
    import time

    from asn_platform.reports.assets import AssetsMissing
    from asn_platform.reports.data_docs import DataDocsError, build
    from asn_platform.reports.site import write_index

    started = time.perf_counter()
    try:
        built = build(settings)
        index = write_index(settings)
    except (DataDocsError, AssetsMissing) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    print(f"==> Data Docs of {built.validation_pages} recorded runs in {seconds:.1f} s: {built.index.as_uri()}")
    print(f"==> report index: {index.as_uri()}")
    return 0


def _reports(settings: Settings) -> int:
    import time

    from asn_platform.reports.site import ReportsFailed, build_site

    started = time.perf_counter()
    try:
        written = build_site(settings)
    except ReportsFailed as error:
        print(f"error: {error}", file=sys.stderr)
        print(f"==> report index: {(settings.reports_dir / 'index.html').as_uri()}", file=sys.stderr)
        return 1
    for name, page in written.items():
        print(f"==> {name}: {Path(page).as_uri()}")
    print(f"==> built in {time.perf_counter() - started:.1f} s")
    return 0


def _versions(settings: Settings) -> int:
    from asn_platform.core.console import text_table
    from asn_platform.serving.publish import published_versions

    versions = published_versions(settings)
    if not versions:
        print(f"==> no published version in {settings.versions_dir} yet")
        return 0
    rows = [
        (
            version.version,
            f"{version.published_at:%Y-%m-%d %H:%M:%S} UTC",
            len(version.tables),
            sum(version.tables.values()),
            "serving" if version.serving else "",
        )
        for version in versions
    ]
    print(text_table(("version", "published", "tables", "rows", ""), rows))
    return 0


def _rollback(settings: Settings, version: str) -> int:
    from asn_platform.serving.publish import VersionNotFound, rollback

    try:
        served = rollback(version, settings)
    except VersionNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"==> serving {served.version} (published {served.published_at:%Y-%m-%d %H:%M:%S} UTC) again:")
    print(f"    {settings.analytics_path}\n    {settings.restricted_path}\n    {settings.parquet_dir}")
    if settings.serving_postgres_uri():  # PostgreSQL serves what the files serve
        from asn_platform.serving.postgres import PostgresServingError, serve_postgres

        try:
            served_pg = serve_postgres(settings)
        except PostgresServingError as error:
            print(f"error: the files are rolled back, PostgreSQL is not: {error}", file=sys.stderr)
            return 1
        print(f"==> PostgreSQL serves {served_pg.version} ({served_pg.rows:,} rows in {served_pg.seconds:.1f} s)")
    return 0


def _serve_postgres(settings: Settings, uri: str | None) -> int:
    from asn_platform.serving.postgres import PostgresServingError, serve_postgres

    try:
        served = serve_postgres(settings, uri)
    except SettingsError as error:  # the connection's value
        print(f"error: {error}", file=sys.stderr)
        return 2
    except PostgresServingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if served.skipped:
        print(f"==> PostgreSQL already serves {served.version}; nothing to do")
    else:
        print(f"==> PostgreSQL serves {served.version} ({served.rows:,} rows in {served.seconds:.1f} s)")
    return 0


def _run(settings: Settings, sample: bool) -> None:
    from asn_platform.local.run import run_dags
    from asn_platform.reports.summary import render

    if sample:
        _generate(settings, force=False)
        settings = _sample_clock(settings)
    try:
        run_dags(settings)
    finally:  # what loaded, what is published and which region is held back, also when a DAG failed
        print(render(settings))


def _sample_clock(settings: Settings) -> Settings:
    """The sample's deliveries are dated SAMPLE_AS_OF: freshness is judged as of that day unless ASN_AS_OF says."""
    from asn_platform.generator.sample import SAMPLE_AS_OF

    return settings if settings.as_of is not None else settings.model_copy(update={"as_of": SAMPLE_AS_OF})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m asn_platform", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run every DAG in-process on the landing area, show the result")
    run.add_argument("--sample", action="store_true", help="first generate the sample deliveries if none are there")
    generate = commands.add_parser("generate", help="write the sample deliveries into the landing area")
    generate.add_argument("--force", action="store_true", help="overwrite deliveries already there")
    generate.add_argument(
        "--defects",
        default="none",
        metavar="SPEC",
        help="inject realistic defects: 'none' (default), 'realistic', or kind=rate,... "
        "(e.g. duplicate_row=0.01,truncated_file=1); every one is listed in the landing area's defects_manifest.json",
    )
    generate.add_argument(
        "--scale",
        type=float,
        metavar="X",
        help="instead of the sample, national-size deliveries: 1 = 500 regions, 5.6 million ASN; 0.01 = 1 %%",
    )
    generate.add_argument("--workers", type=int, help="processes for --scale (default: one per CPU)")
    commands.add_parser("summary", help="show what the warehouse holds now")
    api = commands.add_parser("regional-api", help="serve a region's sample store as its stand-in API until Ctrl-C")
    api.add_argument("region", help="e.g. banjarbaru")
    api.add_argument("--port", type=int, default=8765)
    api.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to serve other containers")
    api.add_argument("--token", help="the bearer token clients must send (default: $ASN_REGIONAL_API_TOKEN)")
    contract = commands.add_parser("contract", help="print the data contract as Markdown (--write: update the doc)")
    contract.add_argument("--write", action="store_true", help="write docs/data-contract.md")
    commands.add_parser(
        "data-docs", help="build the Data Docs and the report index from the recorded data-quality results"
    )
    commands.add_parser(
        "reports", help="build every report page (workforce charts, dbt docs, Data Docs) and the report index"
    )
    commands.add_parser("versions", help="list the kept published versions and which one is serving")
    rollback = commands.add_parser("rollback", help="serve a kept published version again (see `versions`)")
    rollback.add_argument("version", help="a version as `versions` lists it, e.g. 20261202T033103.573Z-15a934")
    serve = commands.add_parser(
        "serve-postgres",
        help="serve the published warehouse from PostgreSQL (for BI tools that need a server); "
        "the target is $AIRFLOW_CONN_ASN_SERVING_POSTGRES unless --uri says",
    )
    serve.add_argument("--uri", help="a libpq URI, postgresql://user:password@host:5432/dbname")
    airflow = commands.add_parser("airflow", help="run a local Airflow (api-server, scheduler, ...) until Ctrl-C")
    airflow.add_argument("--port", type=int, help="the UI's port on 127.0.0.1 (default: $ASN_AIRFLOW_PORT or 8080)")
    airflow.add_argument("--check", action="store_true", help="start, verify the DAGs and the pool, then stop")
    commands.add_parser("manifest", help="write dbt_project/target/manifest.json (dbt parse) if the project changed")
    dbt = commands.add_parser("dbt", help="run dbt against the build database, e.g. `dbt build -s dim_employee`")
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0911, PLR0912 - one branch per subcommand
    args = _parser().parse_args(argv)

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    settings.ensure_dirs()
    if args.command == "data-docs":  # reads the build database only: no Airflow or dbt to load
        return _data_docs(settings)
    if args.command == "reports":
        return _reports(settings)
    if args.command == "versions":
        return _versions(settings)
    if args.command == "rollback":
        return _rollback(settings, args.version)
    if args.command == "serve-postgres":
        return _serve_postgres(settings, args.uri)
    if args.command == "manifest":  # before every make run/test/airflow: dbt parse only, nothing else to load
        from asn_platform.transform.dbt import DbtFailed
        from asn_platform.transform.manifest import ensure_manifest

        try:
            ensure_manifest(settings, echo=True)
        except DbtFailed as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        return 0

    from asn_platform.local.run import PipelineFailed
    from asn_platform.reports.summary import render
    from asn_platform.transform.dbt import DbtFailed, run_dbt

    try:
        if args.command == "generate":
            _generate_command(settings, args)
        elif args.command == "run":
            _run(settings, sample=args.sample)
        elif args.command == "summary":
            print(render(settings))
        elif args.command == "regional-api":
            _serve_api(settings, args.region, args.port, args.token, args.host)
        elif args.command == "contract":
            from asn_platform.core.contract_docs import DOC_PATH, render

            if args.write:
                DOC_PATH.write_text(render(), encoding="utf-8")
                print(f"==> wrote {DOC_PATH}")
            else:
                print(render())
        elif args.command == "airflow":
            from asn_platform.local.airflow_server import serve

            return serve(settings, args.port, args.check)
        elif args.command == "dbt":
            run_dbt(args.dbt_args or ["build"], settings)
    except (PipelineFailed, DbtFailed, WarehouseUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
