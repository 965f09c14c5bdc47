"""National-scale generation: rows per second and peak memory of writing every region's deliveries to disk.

Run: .venv/bin/python benchmarks/national_generation.py [--scale 1.0] [--out DIR] [--keep] [--workers N] [--seed S]

Scale 1.0 is national size (500 regions, 5.6 million ASN, ~39 million rows, ~5.7 GB on disk); 0.1 is a tenth. The
deliveries go to a folder of their own under --out (default bench/ in the data folder of the settings, ASN_DATA_DIR,
by default the project's data/), deleted afterwards unless --keep. Reports figures;
asserts nothing. Peak memory is each process's maximum resident set (ru_maxrss): this process, and the largest
worker; with N workers side by side, the machine's peak is at most this process + N x the largest worker.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from asn_platform.core.settings import Settings
from asn_platform.generator.national import generate_national


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: national size (default)")
    parser.add_argument("--out", type=Path, help="directory to write under (default <data folder>/bench)")
    parser.add_argument("--keep", action="store_true", help="keep the generated deliveries")
    parser.add_argument("--workers", type=int, help="worker processes (default: one per CPU)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quiet", action="store_true", help="no line per region")
    args = parser.parse_args()

    out = args.out or Settings.from_env().data_dir / "bench"
    out.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="asn-national-", dir=out))
    started = time.perf_counter()

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"[{time.perf_counter() - started:7.1f} s] {message}", flush=True)

    try:
        summary = generate_national(
            root / "landing",
            args.seed,
            scale=args.scale,
            api_dir=root / "api",
            progress=progress,
            workers=args.workers,
        )
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    main_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest finished worker
    worker_mb = max(summary.worker_peak_rss_mb, children_mb)
    print()
    print(f"scale {args.scale:g}, seed {args.seed}: {summary.regions} regions {summary.regions_per_profile}, "
          f"{summary.headcount:,} ASN, {summary.workers} workers, {summary.files:,} files")  # fmt: skip
    for dataset, rows in summary.rows.items():
        print(f"  {dataset:<17} {rows:>13,} rows")
    print(f"  {'total':<17} {summary.total_rows:>13,} rows")
    print(f"seconds           {summary.seconds:>13,.1f}")
    print(f"rows/s            {summary.rows_per_second:>13,.0f}")
    print(f"written           {summary.bytes_written / 1e6:>13,.1f} MB")
    print(f"peak memory       {main_mb:>13,.0f} MB this process, {worker_mb:,.0f} MB the largest worker; "
          f"at most {main_mb + summary.workers * worker_mb:,.0f} MB together")  # fmt: skip
    print(f"deliveries        {root if args.keep else 'deleted'}")


if __name__ == "__main__":
    sys.exit(main())
