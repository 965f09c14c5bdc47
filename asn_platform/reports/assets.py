"""The front-end files every report page loads, copied from node_modules into `reports_dir/assets/vendor/`.

The server is offline and pages must read from a file share or a laptop, so nothing is loaded from a CDN: package.json
and package-lock.json pin the packages, `make env` installs them (`npm ci`), and `install_assets` copies only the
files pages use, each package's licence beside them. A page refers to a file by its key (`asset_url(key, page)`),
which gives the relative URL from wherever that page lives.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from asn_platform.core.settings import PROJECT_ROOT, Settings
from asn_platform.reports.folders import building

NODE_MODULES = PROJECT_ROOT / "node_modules"
MANIFEST = "MANIFEST.json"


class AssetsMissing(RuntimeError):
    """node_modules lacks a package (or holds another version than package.json): `make env` installs them."""


@dataclass(frozen=True)
class Package:
    """An npm package and what of it pages use. Files keep their path inside the package, so a stylesheet's own
    relative references (font-awesome's ../webfonts/) still resolve."""

    name: str
    # key -> path inside the package, for the files pages link to
    files: Mapping[str, str]
    # files a linked file loads itself (fonts), copied as they are
    also: tuple[str, ...] = ()
    # the licence files it ships; none: a note naming its licence (from its package.json) is written instead
    licences: tuple[str, ...] = ()
    folder: str = field(default="")

    @property
    def directory(self) -> str:
        """Its folder under vendor/: the npm name without its scope (no '@' in URLs)."""
        return self.folder or self.name.rsplit("/", 1)[-1]


_FILTER_CONTROL = "dist/extensions/filter-control/bootstrap-table-filter-control"
PACKAGES = (
    Package("bootstrap", {"bootstrap.css": "dist/css/bootstrap.min.css", "bootstrap.js": "dist/js/bootstrap.min.js"},
            licences=("LICENSE",)),
    Package("jquery", {"jquery.js": "dist/jquery.min.js"}, licences=("LICENSE.txt",)),
    # bootstrap 4.3.1's peer; its licence is in the header of popper.min.js, the package ships no licence file
    Package("popper.js", {"popper.js": "dist/umd/popper.min.js"}),
    Package(
        "bootstrap-table",
        {
            "bootstrap-table.css": "dist/bootstrap-table.min.css",
            "bootstrap-table.js": "dist/bootstrap-table.min.js",
            "bootstrap-table-filter-control.css": f"{_FILTER_CONTROL}.min.css",
            "bootstrap-table-filter-control.js": f"{_FILTER_CONTROL}.min.js",
        },
        licences=("LICENSE",),
    ),
    Package(
        "bootstrap-datepicker",
        {
            "bootstrap-datepicker.css": "dist/css/bootstrap-datepicker.min.css",
            "bootstrap-datepicker.js": "dist/js/bootstrap-datepicker.min.js",
        },
        licences=("LICENSE",),
    ),
    Package("@forevolve/bootstrap-dark", {"bootstrap-prefers-dark.css": "dist/css/bootstrap-prefers-dark.min.css"},
            licences=("LICENSE",)),
    Package(
        "@fortawesome/fontawesome-free",
        {"fontawesome.css": "css/all.min.css"},
        also=tuple(
            f"webfonts/fa-{face}.{kind}"
            for face in ("brands-400", "regular-400", "solid-900", "v4compatibility")
            for kind in ("woff2", "ttf")
        ),
        licences=("LICENSE.txt",),
    ),
    Package("vega", {"vega.js": "build/vega.min.js"}),
    Package("vega-lite", {"vega-lite.js": "build/vega-lite.min.js"}, licences=("LICENSE",)),
    Package("vega-embed", {"vega-embed.js": "build/vega-embed.min.js"}, licences=("LICENSE",)),
)  # fmt: skip

_BY_KEY = {key: (package, path) for package in PACKAGES for key, path in package.files.items()}


def vendor_dir(settings: Settings) -> Path:
    return settings.reports_dir / "assets" / "vendor"


def asset_path(settings: Settings, key: str) -> Path:
    """Where the vendored file `key` (e.g. "bootstrap.css") lives."""
    try:
        package, path = _BY_KEY[key]
    except KeyError:
        raise KeyError(f"no vendored asset {key!r}; known: {', '.join(sorted(_BY_KEY))}") from None
    return vendor_dir(settings) / package.directory / path


def relative_url(target: Path, page: Path) -> str:
    """The URL of `target` relative to the page at `page` (both where they finally live)."""
    return quote(Path(os.path.relpath(target, page.parent)).as_posix())


def asset_url(settings: Settings, key: str, page: Path) -> str:
    return relative_url(asset_path(settings, key), page)


def _declared_versions() -> dict[str, str]:
    return json.loads((PROJECT_ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]


def _installed(package: Package, node_modules: Path, declared: Mapping[str, str]) -> dict:
    """The package's package.json, after checking node_modules holds the version package.json pins."""
    metadata_file = node_modules / package.name / "package.json"
    if not metadata_file.is_file():
        raise AssetsMissing(
            f"{node_modules} has no {package.name}: run `make env` (it runs npm ci; Debian: apt-get install npm)"
        )
    metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
    wanted = declared.get(package.name)
    if wanted and metadata.get("version") != wanted:
        raise AssetsMissing(
            f"{node_modules} holds {package.name} {metadata.get('version')}, package.json pins {wanted}: run `make env`"
        )
    return metadata


def _licence_note(package: Package, metadata: Mapping) -> str:
    repository = metadata.get("repository")
    if isinstance(repository, Mapping):
        repository = repository.get("url")
    lines = [
        f"{package.name} {metadata.get('version')}",
        f"Licence: {metadata.get('license')} (as its package.json states; the npm package ships no licence file).",
    ]
    if repository:
        lines.append(f"Source: {repository}")
    return "\n".join(lines) + "\n"


def install_assets(settings: Settings, node_modules: Path = NODE_MODULES) -> Path:
    """Copy the vendored files (and their licences) into `reports_dir/assets/vendor`, replacing what was there in
    one swap; returns that folder. Raises AssetsMissing, naming `make env`, when node_modules lacks them."""
    declared = _declared_versions()
    target = vendor_dir(settings)
    manifest = []
    with building(target) as staged:
        for package in PACKAGES:
            metadata = _installed(package, node_modules, declared)
            source, destination = node_modules / package.name, staged / package.directory
            copied = [*package.files.values(), *package.also, *package.licences]
            for relative in copied:
                if not (source / relative).is_file():
                    raise AssetsMissing(f"{source / relative} is missing: run `make env` to reinstall node_modules")
                (destination / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source / relative, destination / relative)
            if not package.licences:
                (destination / "LICENSE.txt").write_text(_licence_note(package, metadata), encoding="utf-8")
                copied.append("LICENSE.txt")
            manifest.append(
                {
                    "package": package.name,
                    "version": metadata.get("version"),
                    "license": metadata.get("license"),
                    "directory": package.directory,
                    "files": copied,
                }
            )
        (staged / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return target


def ensure_assets(settings: Settings) -> Path:
    """The vendored folder, installed first if it is not there yet (pages written without a Data Docs build)."""
    target = vendor_dir(settings)
    if (target / MANIFEST).is_file() and all(asset_path(settings, key).is_file() for key in _BY_KEY):
        return target
    return install_assets(settings)
