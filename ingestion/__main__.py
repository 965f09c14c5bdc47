"""Command line for data engineers:
`python -m ingestion {sources,fetch,load,audit,quarantine,withdraw,restore}`.

Exit codes: 0 done, 1 some delivery was rejected or waits, or a load failed for a reason outside its delivery (a
read or write error, a full disk, a busy warehouse: the next run tries again), or a region is held back by its broken
registry file (the others loaded), or an archived file is damaged, 2 bad usage or configuration (unknown region or
dataset, naming a region whose registry file is broken, a setting that cannot be used).
"""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from asn_platform.core.console import Steps, text_table
from asn_platform.core.settings import Settings, SettingsError
from asn_platform.core.warehouse import WarehouseUnavailable
from ingestion.api import ApiError, fetch_region
from ingestion.archive import ArchiveError
from ingestion.load import LoadFailed, LoadResult
from ingestion.registry import RegistryError, load_registry, region_source, registry_problems
from ingestion.service import (
    audit_rows,
    delivery_parts,
    load_pending,
    quarantined,
    restore_delivery,
    withdraw,
)


def _sources(settings: Settings) -> int:
    rows = [
        (region, source.name, source.timezone, dataset, config.transport, config.format
         + (".gz" if config.compression == "gzip" else ""), config.load_mode, config.file_pattern)
        for region, source in sorted(load_registry(settings.sources_dir).items())
        for dataset, config in sorted(source.datasets.items())
    ]  # fmt: skip
    print(text_table(("region", "name", "time zone", "dataset", "transport", "format", "mode", "files"), rows))
    return 0


def _print_result(result: LoadResult) -> None:
    delivery = result.delivery
    counts = (
        f"{result.received:,} received, {result.loaded:,} loaded, {result.unchanged:,} unchanged, "
        f"{result.ended:,} ended, {result.quarantined:,} quarantined, {result.duplicates:,} duplicates"
    )
    if result.message:
        counts += f" ({result.message})"
    detail = counts if result.status == "loaded" else result.message
    print(f"{result.status:>9}  {delivery.delivery_id}  {delivery.path.name}: {detail}", flush=True)


def _load(settings: Settings, regions: list[str], dataset: str | None, delivery_date: date | None = None) -> int:
    # A line per delivery; with several regions (a national load) also a line per region, with the time so far and
    # how many regions are done.
    steps = Steps("load", len(regions), interactive=False) if len(regions) > 1 else None
    results: list[LoadResult] = []
    faults: list[str] = []

    def done(result: LoadResult) -> None:
        results.append(result)
        _print_result(result)

    for region in regions:
        if steps:
            steps.started(region)
        before = len(results)
        try:
            load_pending(settings, region, dataset, progress=done, delivery_date=delivery_date)
        except (LoadFailed, WarehouseUnavailable) as fault:  # the region's loading stops; the next run goes on
            print(f"   failed  {region}: {fault}", flush=True)
            faults.append(region)
        if steps:
            steps.finished(region, f"{len(results) - before} deliveries")
    failed = [result for result in results if result.status in {"rejected", "waiting"}]
    print(f"==> {len(results)} deliveries: {len(results) - len(failed)} fine, {len(failed)} rejected or waiting"
          + (f"; loading failed in {', '.join(faults)} (tried again next run)" if faults else ""))  # fmt: skip
    return 1 if failed or faults else 0


def _load_one(settings: Settings, delivery_id: str) -> int:
    """One delivery by its id (region/dataset/YYYY-MM-DD), as the audit and the quarantine name it."""
    region, dataset, delivery_date = delivery_parts(delivery_id)
    # An unknown region or dataset is named, with what there is.
    region_source(region, settings.sources_dir).dataset(dataset)
    return _load(settings, [region], dataset, delivery_date)


def _fetch(settings: Settings, region: str, day: date | None) -> int:
    # By default the region's own today, as the ingestion DAG dates a fetch (WITA and WIT run ahead of the host).
    day = day or datetime.now(ZoneInfo(region_source(region, settings.sources_dir).timezone)).date()
    for result in fetch_region(region, day, settings, progress=lambda message: print(f"  {message}", flush=True)):
        print(f"{result.status:>15}  {result.region}/{result.dataset}: {result.records:,} records in "
              f"{result.pages} pages ({result.retries} retries) -> {result.path}")  # fmt: skip
    return 0


def _audit(settings: Settings, region: str | None) -> int:
    rows = audit_rows(settings, region)
    columns = ("delivery_id", "status", "received_rows", "loaded_rows", "unchanged_rows", "ended_rows",
               "quarantined_rows", "duplicate_rows", "duration_s")  # fmt: skip
    print(text_table(columns, [[row[column] for column in columns] for row in rows]))
    for row in rows:
        if row["error"]:
            print(f"\n{row['delivery_id']} ({row['source_file']}): {row['error']}")
    return 0


def _quarantine(settings: Settings, region: str | None, delivery_id: str | None, limit: int) -> int:
    rows = [
        (row["delivery_id"], row["source_file"], row["source_row"], "; ".join(row["reasons"]))  # type: ignore[arg-type]
        for row in quarantined(settings, region, delivery_id, limit)
    ]
    print(text_table(("delivery", "file", "line", "reasons"), rows))
    return 0


def _withdraw(settings: Settings, delivery_id: str, reason: str) -> int:
    for load in withdraw(settings, delivery_id, reason):
        print(f"withdrawn  {load.delivery_id} ({load.kind}, load {load.load_id}): {reason}")
    return 0


def _restore(settings: Settings, load_id: str, target: Path) -> int:
    try:
        path = restore_delivery(settings, load_id, target)
    except ArchiveError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"restored  {path} (SHA-256 as delivered)")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ingestion", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("sources", help="list the registered regions and how each delivers each dataset")
    load = commands.add_parser("load", help="load what is pending in the landing area")
    load.add_argument("region", nargs="?", help="one region (default with --all: every region)")
    load.add_argument("--all", action="store_true", help="every registered region")
    load.add_argument("--dataset", help="only this dataset")
    load.add_argument("--delivery", help="only this delivery, by its id: region/dataset/YYYY-MM-DD")
    fetch = commands.add_parser("fetch", help="fetch a region's API datasets into the landing area")
    fetch.add_argument("region")
    fetch.add_argument(
        "--date", type=date.fromisoformat, help="delivery date (YYYY-MM-DD; default: the region's today)"
    )
    audit = commands.add_parser("audit", help="show the load audit (every attempt, with counts and errors)")
    audit.add_argument("region", nargs="?")
    show = commands.add_parser("quarantine", help="show quarantined records with their reasons")
    show.add_argument("--region")
    show.add_argument("--delivery", help="a delivery id, e.g. langsa/personnel/2026-11-01")
    show.add_argument("--limit", type=int, default=50)
    take_back = commands.add_parser(
        "withdraw", help="take back a delivery the region withdrew: raw's history goes on as if it never came"
    )
    take_back.add_argument("delivery", help="its id, e.g. langsa/personnel/2026-11-01")
    take_back.add_argument("--reason", required=True, help="why (kept in the audit)")
    restore_file = commands.add_parser("restore", help="write a loaded delivery's file back from the archive")
    restore_file.add_argument("load_id", help="the load, as `audit` lists it")
    restore_file.add_argument("--to", type=Path, default=Path(), help="folder to write it into (default: here)")
    return parser


def _run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()  # the one read of the environment: passed to everything below
    settings.ensure_dirs()
    if args.command == "load":
        if args.delivery:
            return _load_one(settings, args.delivery)
        if bool(args.region) == args.all:
            raise RegistryError("name one region, or --all, or --delivery ID")
        if not args.all:
            return _load(settings, [region_source(args.region, settings.sources_dir).region], args.dataset)
        code = _load(settings, sorted(load_registry(settings.sources_dir)), args.dataset)
        held = registry_problems(settings.sources_dir)
        for region, problem in held.items():  # the others loaded; these wait for their file to be mended
            print(f"     held  {region}: {problem}", flush=True)
        return 1 if held else code
    commands = {
        "sources": lambda: _sources(settings),
        "fetch": lambda: _fetch(settings, args.region, args.date),
        "audit": lambda: _audit(settings, args.region),
        "quarantine": lambda: _quarantine(settings, args.region, args.delivery, args.limit),
        "withdraw": lambda: _withdraw(settings, args.delivery, args.reason),
        "restore": lambda: _restore(settings, args.load_id, args.to),
    }
    return commands[args.command]()


def main(argv: list[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):  # `python -m ingestion audit | head` ends quietly, like any Unix tool
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (RegistryError, SettingsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (LoadFailed, WarehouseUnavailable, ApiError) as error:  # not the data's fault: try again later
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
