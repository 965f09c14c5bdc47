"""Great Expectations Data Docs of the recorded data-quality runs, readable offline.

The pages are built from `dq.expectation_results` in the build database (what the runner recorded), not from
objects of a live run, so they can be rebuilt at any time: the latest RUNS_KEPT runs of each (stage, suite), one
validation page per run, a delivery's run named by its source file (from `raw.load_audit`). Great Expectations
renders them into a temporary folder; every CDN script, stylesheet and image its templates load is then pointed at
the vendored copy (`asn_platform.reports.assets`) or its own packaged images, its newsletter footer and outbound
links are dropped, and the finished folder is swapped in for `settings.data_docs_dir` whole.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from great_expectations.render.renderer.content_block import ValidationResultsTableContentBlockRenderer

from asn_platform.core.contract import DIRECT_IDENTIFIERS
from asn_platform.core.settings import Settings
from asn_platform.reports.assets import asset_path, install_assets, relative_url
from asn_platform.reports.dq_results import DataDocsError, RecordedOutcome, RecordedRun, read_runs
from asn_platform.reports.folders import building

logger = logging.getLogger(__name__)

SITE_NAME = "asn_platform"

# Every external file GX 1.x's templates load, and the vendored key that replaces it. A URL not listed here fails
# the build (an upgraded GX loading something new must be vendored, not fetched).
CDN_ASSETS = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery.js",
    # GX names popper 1.12.9; bootstrap 4.3.1 wants 1.14.7 (its peer), which is what is vendored
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table.js",
    # GX loads the 1.19.0 filter-control stylesheet beside the 1.19.1 script; one version is vendored
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table-filter-control.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table-filter-control.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table-filter-control.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker.js"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "bootstrap-prefers-dark.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed.js",
}
# GX's logo comes from its S3 bucket (with the data context id as a query string); the same images are in the
# package's static/images/, which GX copies into the site. It ships no dark-mode logo: the light one stands in.
GX_WEB_ASSETS = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
GX_IMAGE_STAND_INS = {"full_logo_dark.png": "logo-long.png"}


# --- what GX is given -----------------------------------------------------------------------------------------

_VALUE = "__value__"
# What a page shows for a direct identifier (a NIP, a name): the Data Docs are read by people who may not see personal
# data (UU 27/2022); the HR agency finds the rows themselves in the quarantine (`python -m ingestion quarantine`).
MASKED = "(masked)"


def _text(value: Any) -> Any:
    """A sample value as GX's tables show it: scalars as they are, anything else as JSON."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _domain(outcome: RecordedOutcome) -> list[str]:
    kwargs = outcome.kwargs
    named = [kwargs[key] for key in ("column", "column_A", "column_B") if isinstance(kwargs.get(key), str)]
    return [*named, *(kwargs.get("column_list") or [])]


def _masked(sample: list[Any] | None, domain: list[str]) -> list[Any] | None:
    """The sample with every direct identifier's value masked: in rows by column, in a list of the checked column's
    values when that column is one."""
    if not sample:
        return sample
    if not all(isinstance(row, dict) for row in sample):
        identifying = any(column in DIRECT_IDENTIFIERS for column in domain)
        return [MASKED if identifying and value is not None else value for value in sample]
    return [
        {
            column: MASKED if column in DIRECT_IDENTIFIERS and value is not None else value
            for column, value in row.items()
        }
        for row in sample
    ]


def _unexpected(outcome: RecordedOutcome) -> dict[str, Any]:
    """The recorded sample in the shape GX's validation page renders as a table: each failing value (the checked
    columns' values) with its count and, for row-level checks, the key columns of the rows that hold it."""
    sample = _masked(outcome.unexpected_sample, _domain(outcome))
    if not sample:
        return {}
    if not all(isinstance(row, dict) for row in sample):
        values = [_text(value) for value in sample]
        counts = Counter(map(str, values))
        return {
            "partial_unexpected_list": values,
            "partial_unexpected_counts": [{"value": v, "count": counts[str(v)]} for v in dict.fromkeys(values)],
        }
    domain = [column for column in _domain(outcome) if column in sample[0]]
    duplicates = "rows" in sample[0] and "rows" not in domain  # uniqueness: each duplicated value and its rows
    keys = [column for column in sample[0] if column not in domain and not (duplicates and column == "rows")]
    shown = domain or keys  # no checked column (a row query): the whole row is the value

    def value(row: dict[str, Any]) -> Any:
        if len(shown) == 1:
            return _text(row.get(shown[0]))
        return ", ".join(f"{column}={_text(row.get(column))}" for column in shown)

    values = [value(row) for row in sample]
    if duplicates:
        counts = [{"value": v, "count": row.get("rows")} for v, row in zip(values, sample, strict=True)]
    else:
        tally = Counter(map(str, values))
        counts = [{"value": v, "count": tally[str(v)]} for v in dict.fromkeys(values)]
    result: dict[str, Any] = {"partial_unexpected_list": values, "partial_unexpected_counts": counts}
    if domain and keys and not duplicates:
        result["unexpected_index_list"] = [
            {_VALUE: v, **{key: _text(row.get(key)) for key in keys}} for v, row in zip(values, sample, strict=True)
        ]
        result["unexpected_index_column_names"] = keys
    return result


def _observed(value: Any) -> Any:
    """Observed values as readable text where they are structures (a column set's missing and unexpected)."""
    if isinstance(value, dict):
        return "; ".join(
            f"{key}: {', '.join(map(str, item)) or 'none'}" if isinstance(item, list) else f"{key}: {item}"
            for key, item in value.items()
        )
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return value


def _result(outcome: RecordedOutcome) -> dict[str, Any]:
    result: dict[str, Any] = {}
    observed = outcome.observed_value
    if outcome.element_count is not None:
        result["element_count"] = outcome.element_count
        if outcome.unexpected_count is not None:
            share = 100 * outcome.unexpected_count / outcome.element_count if outcome.element_count else 0.0
            result.update(
                unexpected_count=outcome.unexpected_count, unexpected_percent=share, unexpected_percent_total=share
            )
    elif outcome.unexpected_count is not None:
        # A row query: its result is the number of rows it found (GX's sample table reads unexpected_count).
        result["unexpected_count"] = outcome.unexpected_count
        observed = outcome.unexpected_count if observed is None else observed
    if observed is not None:
        result["observed_value"] = _observed(observed)
    result.update(_unexpected(outcome))
    return result


def _configuration(outcome: RecordedOutcome) -> Any | None:
    """The expectation as GX configures it, its severity in meta (shown in the Severity column by
    SeverityTableRenderer) and in its notes (shown on the suite page); None if GX cannot build it."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    blocks = "blocks the stage" if outcome.severity == "error" else "recorded and shown, does not block"
    configuration = ExpectationConfiguration(
        type=outcome.expectation,
        kwargs=outcome.kwargs,
        meta={"severity": outcome.severity},
        notes=f"Severity: **{outcome.severity}** ({blocks})",
    )
    try:
        configuration.to_domain_obj()
    except Exception as error:  # a recorded row GX cannot render must not cost the other pages
        logger.warning("Data Docs leave out %s %s: %s", outcome.expectation, outcome.kwargs, error)
        return None
    return configuration


def _path_part(text: str) -> str:
    """GX keys become file names and must not hold a path separator."""
    return text.replace("/", "__").replace("\\", "__") or "_"


class SeverityTableRenderer(ValidationResultsTableContentBlockRenderer):
    """GX's table of expectation results with each expectation's type under its description (the name the gate's
    failure message uses) and a Severity column read from its meta.

    GX 1.x's own way to show a meta property as a column (suite meta notes with `meta_properties_to_render`) adds
    that name to every expectation's kwargs, which the expectation models then reject, so the page fails to build.
    """

    @classmethod
    def _process_content_block(cls, content_block: Any, has_failed_evr: bool, render_object: Any = None) -> None:
        super()._process_content_block(content_block, has_failed_evr, render_object)
        content_block.header_row = [*content_block.header_row, "Severity"]
        content_block.header_row_options = {**(content_block.header_row_options or {}), "Severity": {"sortable": True}}

    @classmethod
    def _get_content_block_fn(cls, expectation_type: str, expectation_config: Any = None) -> Callable | None:
        row_fn = super()._get_content_block_fn(expectation_type=expectation_type, expectation_config=expectation_config)
        if row_fn is None:
            return None

        def with_type_and_severity(*args: Any, **kwargs: Any) -> Any:
            from great_expectations.render import RenderedStringTemplateContent

            rows = row_fn(*args, **kwargs)
            result = kwargs.get("result")
            config = getattr(result, "expectation_config", None)
            severity = ((config.meta if config is not None else None) or {}).get("severity")
            if not severity or not isinstance(rows, list):
                return rows
            failed = result is not None and not result.success
            badge = {"error": "badge-danger", "warning": "badge-warning"}.get(severity, "badge-info")
            severity_cell = RenderedStringTemplateContent(
                content_block_type="string_template",
                string_template={
                    "template": "$severity",
                    "params": {"severity": severity},
                    "styling": {"params": {"severity": {"classes": ["badge", badge if failed else "badge-light"]}}},
                },
            )
            type_line = RenderedStringTemplateContent(
                content_block_type="string_template",
                string_template={
                    "template": "$type",
                    "params": {"type": config.type},
                    "tag": "div",
                    "styling": {"classes": ["small", "text-muted", "mt-1"], "params": {"type": {"tag": "code"}}},
                },
            )
            for row in rows:
                if isinstance(row, list) and len(row) > 1:
                    row[1] = [*row[1], type_line] if isinstance(row[1], list) else [row[1], type_line]
                    row.append(severity_cell)
            return rows

        return with_type_and_severity


def _site_config(site: Path) -> dict[str, Any]:
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "site_section_builders": {
            "validations": {
                "renderer": {
                    "class_name": "ValidationResultsPageRenderer",
                    "column_section_renderer": {
                        "class_name": "ValidationResultsColumnSectionRenderer",
                        "table_renderer": {"module_name": __name__, "class_name": SeverityTableRenderer.__name__},
                    },
                }
            }
        },
    }


def _render_site(runs: list[RecordedRun], site: Path) -> int:
    """GX builds the site from the runs into `site`; returns the number of validation pages."""
    import great_expectations as gx
    from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    with tempfile.TemporaryDirectory(prefix="asn-gx-") as project:
        context = gx.get_context(mode="file", project_root_dir=project)
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.add_data_docs_site(site_name=SITE_NAME, site_config=_site_config(site))
        suites_added: set[str] = set()
        pages = 0
        for run in runs:  # newest first within a suite: its suite page shows the suite as it last ran
            pairs = [(outcome, _configuration(outcome)) for outcome in run.outcomes]
            pairs = [(outcome, configuration) for outcome, configuration in pairs if configuration is not None]
            if run.suite not in suites_added:
                expectations = [configuration.to_domain_obj() for _, configuration in pairs]
                context.suites.add(gx.ExpectationSuite(name=run.suite, expectations=expectations))
                suites_added.add(run.suite)
            results = [
                ExpectationValidationResult(success=o.success, expectation_config=c, result=_result(o))
                for o, c in pairs
            ]
            successful = sum(result.success for result in results)
            run_identifier = RunIdentifier(run_name=_path_part(run.run_id), run_time=run.validated_at)
            batch_spec = {
                "data_asset_name": run.batch_name,
                "table": run.table,
                "stage": run.stage,
                **(run.audit or {}),
            }
            failed = Counter(o.severity for o, _ in pairs if not o.success)
            batch_spec |= {"failed errors": failed["error"], "failed warnings": failed["warning"]}
            validation = ExpectationSuiteValidationResult(
                success=run.gate_passed,
                results=results,
                suite_name=run.suite,
                statistics={
                    "evaluated_expectations": len(results),
                    "successful_expectations": successful,
                    "unsuccessful_expectations": len(results) - successful,
                    "success_percent": 100 * successful / len(results) if results else None,
                },
                meta={
                    "great_expectations_version": gx.__version__,
                    "run_id": run_identifier,
                    "batch_spec": batch_spec,
                    "active_batch_definition": {
                        "datasource_name": "warehouse",
                        "data_asset_name": run.table,
                        "batch_definition_name": run.batch_name,
                    },
                    "validation_time": run.validated_at.strftime("%Y%m%dT%H%M%S.%fZ"),
                },
            )
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=run.suite),
                run_id=run_identifier,
                batch_identifier=_path_part(run.batch_name),
            )
            context.validation_results_store.set(key, validation)
            pages += 1
        context.build_data_docs(site_names=[SITE_NAME])
    return pages


# --- offline ----------------------------------------------------------------------------------------------------

_TAG = re.compile(r"<(?:script|link|img|a)\b[^>]*>", re.IGNORECASE)
_URL_ATTRIBUTE = re.compile(r"""\b(src|href)\s*=\s*(["'])(https?://[^"']*)\2""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(["']?)(https?://[^"')\s]*)\1\s*\)""", re.IGNORECASE)
# Subresource-integrity attributes: with crossorigin, Chromium refuses scripts and styles loaded from file://.
_INTEGRITY = re.compile(r"""\s(?:integrity|crossorigin)(?:\s*=\s*(["'])[^"']*\1)?(?=[\s/>])""", re.IGNORECASE)
_NEWSLETTER = re.compile(r"<footer\b[^>]*>(?:(?!</footer>).)*?newsletter.*?</footer>", re.IGNORECASE | re.DOTALL)
_OUTBOUND_LINK = re.compile(
    r"""<a\b[^>]*\bhref\s*=\s*(["'])https?://[^"']*\1[^>]*>(.*?)</a>""", re.IGNORECASE | re.DOTALL
)
_LOCAL_ATTRIBUTE = re.compile(r"""\b(src|href)\s*=\s*(["'])([^"'#:]+?)(#[^"']*)?\2""", re.IGNORECASE)
_REMOTE = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?)(https?://[^"')\s>]*)""", re.IGNORECASE)


def _local_target(url: str, site: Path, settings: Settings) -> Path | None:
    """The local file that stands in for a remote URL (query strings, GX's tracking, dropped), or None."""
    bare = url.split("?", 1)[0].split("#", 1)[0]
    if bare in CDN_ASSETS:
        return asset_path(settings, CDN_ASSETS[bare])
    if bare.startswith(GX_WEB_ASSETS):
        name = bare.removeprefix(GX_WEB_ASSETS)
        image = site / "static" / "images" / GX_IMAGE_STAND_INS.get(name, name)
        return image if image.is_file() else None
    return None


def make_offline(html: str, page: Path, site: Path, final_site: Path, settings: Settings) -> str:
    """`html` of `page` (inside the built `site`, which will be moved to `final_site`) with every remote file
    pointed at its local copy by a path relative to where the page will live. Raises DataDocsError for a remote
    file that has no local copy."""
    final_page = final_site / page.relative_to(site)
    unknown: set[str] = set()

    def local(url: str) -> str | None:
        target = _local_target(url, site, settings)
        if target is None:
            unknown.add(url)
            return None
        # Relative to where the page will live (a GX image is inside the site, a vendored file beside it).
        if target.is_relative_to(site):
            target = final_site / target.relative_to(site)
        return relative_url(target, final_page)

    def attribute(match: re.Match[str]) -> str:
        name, quote, url = match.groups()
        replacement = local(url)
        return match.group(0) if replacement is None else f"{name}={quote}{replacement}{quote}"

    def static(match: re.Match[str]) -> str:
        # GX's favicon link on validation pages climbs one folder too few; anything under static/ is re-rooted.
        name, quote, url, fragment = match.groups()
        if "static/" not in url or (page.parent / unquote(url)).exists():
            return match.group(0)
        target = site / "static" / unquote(url).rsplit("static/", 1)[1]
        if not target.is_file():
            return match.group(0)
        return f"{name}={quote}{relative_url(final_site / target.relative_to(site), final_page)}{fragment or ''}{quote}"

    def tag(match: re.Match[str]) -> str:
        return _LOCAL_ATTRIBUTE.sub(static, _URL_ATTRIBUTE.sub(attribute, _INTEGRITY.sub("", match.group(0))))

    def css(match: re.Match[str]) -> str:
        quote, url = match.groups()
        replacement = local(url)
        return match.group(0) if replacement is None else f"url({quote}{replacement}{quote})"

    html = _NEWSLETTER.sub("", html)
    html = _OUTBOUND_LINK.sub(lambda match: match.group(2), html)  # keep the words, not the way out
    html = _TAG.sub(tag, html)
    html = _CSS_URL.sub(css, html)
    remaining = unknown | set(_REMOTE.findall(html))
    if remaining:
        raise DataDocsError(
            f"{page.relative_to(site)} would load {', '.join(sorted(remaining))}, which is not vendored: add it to "
            "CDN_ASSETS in asn_platform/reports/data_docs.py (and to asn_platform/reports/assets.py)"
        )
    return html


def _make_site_offline(site: Path, final_site: Path, settings: Settings) -> None:
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        page.write_text(make_offline(html, page, site, final_site, settings), encoding="utf-8")


@dataclass(frozen=True)
class DataDocsBuild:
    index: Path
    validation_pages: int
    runs: list[RecordedRun]


def build(settings: Settings) -> DataDocsBuild:
    """Build the Data Docs into `settings.data_docs_dir` (see the module docstring) and say what was built."""
    runs = read_runs(settings)
    install_assets(settings)
    final_site = settings.data_docs_dir
    with building(final_site) as site:
        pages = _render_site(runs, site)
        _make_site_offline(site, final_site, settings)
    return DataDocsBuild(final_site / "index.html", pages, runs)


def build_data_docs(settings: Settings) -> Path:
    """Build the Data Docs from the recorded data-quality results; returns the path of their index page."""
    return build(settings).index
