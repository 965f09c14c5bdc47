"""The dbt docs (models, columns, tests and the lineage graph) as one self-contained page, readable offline.

`dbt docs generate --static` (dbt >= 1.7) writes `static_index.html` into dbt's target folder with the manifest and
the catalog inlined, so the page needs no web server and no JSON fetches. It queries the build database's catalog,
so it runs where the build database may be opened (the warehouse DAG's `reports` task, which holds the writer pool).
The page is dbt's own single-file app; the one remote file it can load is the Snowplow tracker, which it inserts only
when the manifest says tracking is on (this project turns it off in dbt_project.yml). The tracker's URL is replaced
anyway, and any other remote script or stylesheet fails the build instead of being fetched.

The page opens on the project's overview (`{% docs __overview__ %}` in dbt_project/models/overview.md), written in
Bahasa Indonesia, which is also what `dbt docs serve` shows. dbt renders docs blocks without vars, so the language
cannot be chosen inside the block: with `Settings.report_language` "en" the built page's inlined manifest gets the
English block (`asn_overview_<language>`) as its overview instead.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from asn_platform.core.settings import Settings
from asn_platform.reports.folders import building
from asn_platform.transform.dbt import dbt_paths, run_dbt

DBT_DOCS_DIR = "dbt-docs"
STATIC_INDEX = "static_index.html"
MANIFEST = "manifest.json"
# The language the project's own __overview__ block is written in; another has its block asn_overview_<language>.
OVERVIEW_LANGUAGE = "id"

# A script URL set from JavaScript (`x.src="//host/..."`): the tracker loader. Pointed at an empty data: URL, so
# even with tracking switched on nothing leaves the machine.
_SCRIPT_URL = re.compile(r"""(\.src\s*=\s*)(["'])(?:https?:)?//[^"']+\2""")
# Remote files an HTML tag or a stylesheet would load.
_REMOTE = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)"""
    r"""|@import\s+(?:url\()?\s*["']?((?:https?:)?//[^"')\s]+)"""
    r"""|url\(\s*["']?((?:https?:)?//[^"')\s]+)""",
    re.IGNORECASE,
)


# Two defects of dbt's page that a browser reports as errors on every load, fixed in place: its favicon link is an
# unbuilt webpack placeholder (a file that does not exist), and the sidebar's icons are SVG <use> elements whose href
# is an AngularJS template, fetched as a file before Angular fills it in (`ng-attr-` sets it only once filled in).
_PAGE_FIXES = (
    (re.compile(r"""<link rel="shortcut icon" href="\$\{require\([^)]*\)\}"/>"""), ""),
    (re.compile(r"""(<use )(xlink:href=(?:\\\\)?"\{\{ getIcon\()"""), r"\1ng-attr-\2"),
)


class DbtDocsError(RuntimeError):
    """The dbt docs page could not be made offline, or would publish something it must not."""


def dbt_docs_index(settings: Settings) -> Path:
    return settings.reports_dir / DBT_DOCS_DIR / "index.html"


def make_offline(page: str) -> str:
    """dbt's static page with its tracker loader pointed nowhere; raises DbtDocsError for any other remote file."""
    for pattern, replacement in _PAGE_FIXES:
        page = pattern.sub(replacement, page)
    page = _SCRIPT_URL.sub(lambda match: f"{match.group(1)}{match.group(2)}data:,{match.group(2)}", page)
    remote = sorted({next(url for url in match.groups() if url) for match in _REMOTE.finditer(page)})
    if remote:
        raise DbtDocsError(f"the dbt docs page would load {', '.join(remote)}; vendor or strip it first")
    return page


def with_overview(page: str, manifest_text: str, language: str) -> str:
    """dbt's static page (its manifest inlined as `manifest_text`, as dbt writes it) opening on the project's
    overview in `language`: the project's `asn_overview_<language>` block in place of its `__overview__`."""
    if language == OVERVIEW_LANGUAGE:
        return page
    if page.count(manifest_text) != 1:
        raise DbtDocsError("the dbt docs page does not inline its manifest.json once; cannot choose its overview")
    manifest = json.loads(manifest_text)
    project = manifest["metadata"]["project_name"]
    docs = manifest["docs"]
    overview, chosen = f"doc.{project}.__overview__", f"doc.{project}.asn_overview_{language}"
    if overview not in docs or chosen not in docs:
        raise DbtDocsError(
            f"the dbt project has no {overview} or no {chosen} (dbt_project/models/overview.md holds both)"
        )
    docs[overview] = {**docs[overview], "block_contents": docs[chosen]["block_contents"]}
    return page.replace(manifest_text, json.dumps(manifest), 1)


def build_dbt_docs(settings: Settings) -> Path:
    """Generate the dbt docs with the project's dbt runner and copy the static page to `reports_dir/dbt-docs/`
    (the folder replaced whole), opening on the overview in the settings' report language; returns the page's
    path."""
    run_dbt(["docs", "generate", "--static"], settings, echo=False)
    target_path, _ = dbt_paths(settings)
    generated = target_path / STATIC_INDEX
    if not generated.is_file():
        raise DbtDocsError(f"`dbt docs generate --static` wrote no {generated}")
    page = with_overview(
        generated.read_text(encoding="utf-8"),
        # as dbt inlines it: the file's text, stripped
        (target_path / MANIFEST).read_text(encoding="utf-8").strip(),
        settings.report_language,
    )
    page = make_offline(page)
    # The pseudonym key reaches dbt only as an environment variable; if it ever showed up in the page, publishing the
    # page would let anyone recompute employee keys from NIPs.
    key = settings.resolve_pseudonym_key()
    if key in page:
        raise DbtDocsError(f"{generated} contains the pseudonym key; not copied to the reports")
    final = dbt_docs_index(settings)
    with building(final.parent) as staged:
        (staged / final.name).write_text(page, encoding="utf-8")
        (staged / final.name).chmod(0o644)
    return final
