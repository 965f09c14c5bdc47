"""Command line: `python -m asn_platform {run,generate,summary,dbt}`. Exit codes: 0 success, 1 pipeline failure,
2 bad usage or configuration."""

from __future__ import annotations

import argparse
import sys

from asn_platform.settings import Settings, SettingsError, get_settings


def _generate(settings: Settings, force: bool) -> None:
    from asn_platform.generator import generate_sample

    if not force and any(path.is_file() for path in settings.landing_dir.rglob("*")):
        print(f"==> landing area {settings.landing_dir} already holds deliveries; not regenerating (use --force)")
        return
    files = generate_sample(settings.landing_dir, settings.sample_seed)
    print(f"==> generated {len(files)} sample deliveries under {settings.landing_dir} (seed {settings.sample_seed})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m asn_platform", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run every DAG in-process on the landing area, show the result")
    run.add_argument("--sample", action="store_true", help="first generate the sample deliveries if none are there")
    generate = commands.add_parser("generate", help="write the sample deliveries into the landing area")
    generate.add_argument("--force", action="store_true", help="overwrite deliveries already there")
    commands.add_parser("summary", help="show what the warehouse holds now")
    contract = commands.add_parser("contract", help="print the data contract as Markdown (--write: update the doc)")
    contract.add_argument("--write", action="store_true", help="write docs/data-contract.md")
    dbt = commands.add_parser("dbt", help="run dbt against the build database, e.g. `dbt build -s dim_employee`")
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    try:
        settings = get_settings()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    settings.ensure_dirs()

    from asn_platform.local_run import PipelineFailed, run_dags
    from asn_platform.summary import render
    from asn_platform.transform import DbtFailed, run_dbt

    try:
        if args.command == "generate":
            _generate(settings, args.force)
        elif args.command == "run":
            if args.sample:
                _generate(settings, force=False)
            run_dags(settings)
            print(render(settings))
        elif args.command == "summary":
            print(render(settings))
        elif args.command == "contract":
            from asn_platform.contract_docs import DOC_PATH, render

            if args.write:
                DOC_PATH.write_text(render(), encoding="utf-8")
                print(f"==> wrote {DOC_PATH}")
            else:
                print(render())
        elif args.command == "dbt":
            run_dbt(args.dbt_args or ["build"], settings)
    except (PipelineFailed, DbtFailed) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
