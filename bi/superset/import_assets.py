"""Imports bi/superset/assets into Superset, overwriting what the assets define: run with Superset's own Python (the
compose stack's superset-init, or .superset/bin/python from `make superset`) after `superset db upgrade` and
`superset init`:

    python bi/superset/import_assets.py bi/superset/assets --username admin

It runs Superset's ImportAssetsCommand, the command behind `POST /api/v1/assets/import/`, on the folder. Not the
CLI's `superset import-dashboards`: that one keeps a database, dataset or chart that already exists as it is (it
overwrites dashboards only), so a mart column changed in the repository would never reach a running Superset.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def read_assets(folder: Path) -> dict[str, str]:
    """Every YAML file under `folder`, by its path relative to it (the layout of an export's zip)."""
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8") for path in sorted(folder.rglob("*.yaml"))
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the assets folder (metadata.yaml, databases/, datasets/, ...)")
    parser.add_argument("--username", required=True, help="the Superset user who imports (owner of new assets)")
    arguments = parser.parse_args()
    contents = read_assets(arguments.folder)
    if "metadata.yaml" not in contents:
        parser.error(f"{arguments.folder} holds no metadata.yaml")

    # Superset's modules need its application: imported here, once the arguments are known to be good.
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import security_manager
        from superset.commands.exceptions import CommandInvalidError
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.utils.core import override_user

        user = security_manager.find_user(username=arguments.username)
        if user is None:
            print(f"import_assets: no Superset user {arguments.username!r}", file=sys.stderr)
            return 1
        with override_user(user):
            try:
                ImportAssetsCommand(contents).run()
            except CommandInvalidError as error:
                print(f"import_assets: {error.normalized_messages()}", file=sys.stderr)
                return 1
    kinds = [name.split("/")[0] for name in contents if "/" in name]
    summary = ", ".join(f"{kinds.count(kind)} {kind}" for kind in sorted(set(kinds)))
    print(f"import_assets: imported {summary} from {arguments.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
