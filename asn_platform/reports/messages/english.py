"""English texts of the reports and the `make run` summary (ASN_REPORT_LANGUAGE=en)."""

MESSAGES = {
    # --- formats -----------------------------------------------------------------------------------------------
    "format.timestamp": "{date} {time} UTC",
    "format.clock": "%H:%M",
    "format.currency_prefix": "Rp",
    # d3-time-format patterns for the charts' timeFormatLocale (names come from CLDR through Babel)
    "format.d3_datetime": "%a %b %e %X %Y",
    "format.d3_date": "%m/%d/%Y",
    "format.d3_time": "%H:%M:%S",
    # --- groups and counts -------------------------------------------------------------------------------------
    "group.region": "region",
    "group.unit": "unit",
    "count.region": ("{n} region", "{n} regions"),
    "count.unit": ("{n} unit", "{n} units"),
    "band.from": "{mutu} from {value}",
    # --- reference codes (seeds and marts) ---------------------------------------------------------------------
    "fit.match": "match",
    "fit.related": "related",
    "fit.mismatch": "mismatch",
    "fit.not_assessed": "not assessed",
    "focus.regulation": "regulation",
    "focus.digital_ict": "digital/ICT",
    "focus.finance": "finance",
    "focus.sector": "sector-specific technical",
    "focus.service_behaviour": "service behaviour",
    "focus.communication": "communication",
    "stage.delivery": "Deliveries, before they load",
    "stage.raw": "The raw layer, before dbt reads it",
    "stage.marts": "Marts, before they are published",
    "severity.error": "error",
    "severity.warning": "warning",
    # --- the headline figures (summary and workforce pages) ----------------------------------------------------
    "headlines.region": "region",
    "headlines.year": "year",
    "headlines.met_20_jp": "met 20 JP",
    "headlines.mean_jp": "mean JP",
    "headlines.ict_jp": "ICT JP",
    "headlines.placement_fit": "placement fit",
    "headlines.critical_misfits": "critical misfits",
    "headlines.merit_candidates": "merit candidates",
    "headlines.ikm": "IKM",
    "headlines.note": (
        "Latest complete year of each region (its snapshot year is still running); placement fit: staff whose "
        "education field matches their unit's sector, of those assessable; IKM on 25-100, respondent-weighted."
    ),
    # --- the report index --------------------------------------------------------------------------------------
    "index.title": "ASN workforce data platform: reports",
    "index.written": "Written {written}.",
    "index.reports": "Reports",
    "index.not_built": "not built yet",
    "index.quality": "Data quality",
    "index.column.stage": "Stage",
    "index.column.suites": "Suites",
    "index.column.runs": "Runs",
    "index.column.checks": "Checks run",
    "index.column.failed_errors": "Failed errors",
    "index.column.failed_warnings": "Failed warnings",
    "index.column.latest_run": "Latest run",
    "index.quality_note": (
        "Over the latest {runs} runs of each suite, as the Data Docs show them. A failed error blocks its stage; a "
        "failed warning is recorded and shown. Every check and its failing values are in the Data Docs."
    ),
    "index.no_quality": "No data-quality results yet: {error}",
    "index.data_docs_title": "Data Docs",
    "index.data_docs": (
        "Every data-quality check of the latest runs, per stage and suite, with the failing values "
        "(Great Expectations); rebuilt by make data-docs."
    ),
    "index.dbt_docs_title": "dbt docs: models and lineage",
    "index.dbt_docs": (
        "Every model, column and test of the warehouse, and the lineage graph from the raw deliveries to each mart "
        "(dbt docs generate --static)."
    ),
    # --- the workforce report ----------------------------------------------------------------------------------
    "nav.reports": "Reports",
    "nav.workforce": "Workforce",
    "workforce.entry_title": "Workforce report",
    "workforce.scope_regions": ("overall and for its {n} region", "overall and for each of {n} regions"),
    "workforce.scope_any": "overall and per region",
    "workforce.entry_description": (
        "Charts {scope}: IKM against the mutu bands, the weakest IKM elements, training against 20 JP, ICT training, "
        "placement fit, the merit pipeline and how competency relates to service quality."
    ),
    "workforce.title": "Workforce report: training, placement, merit and service quality",
    "workforce.region_title": "{region}: workforce report",
    "workforce.region_lead": (
        "{region}, {province}: {headcount} active civil servants at the personnel snapshot of {snapshot}, unit by unit."
    ),
    "workforce.region_note": "{province}; {headcount} active staff; snapshot {snapshot}",
    "workforce.overall_lead": "Every region ({regions}), region by region; each region's page shows its units.",
    "workforce.no_snapshot": "(none yet)",
    "workforce.regions": "Regions",
    "workforce.data_stamp_published": "Data: published {published}; ",
    "workforce.data_stamp_written": (
        "written {written} from the published warehouse (pseudonymous marts, as UU 27/2022 on Pelindungan Data "
        "Pribadi asks)."
    ),
    "workforce.chart_failed": "This chart could not be drawn:",
    # chart axes, legends and tooltips
    "chart.quarter": "quarter",
    "chart.year": "year",
    "chart.respondents": "respondents",
    "chart.services": "services",
    "chart.services_below_minimum": "services below the minimum sample",
    "chart.mutu_band": "mutu (IKM band)",
    "chart.mutu_of_nrr": "mutu of the NRR",
    "chart.element": "element (unsur)",
    "chart.weakest_in": "units where it is the weakest",
    "chart.training_for_element": "training that targets it",
    "chart.nrr_axis": "NRR (1-4)",
    "chart.active_staff": "active staff",
    "chart.share_of_staff": "share of active staff",
    "chart.education_vs_sector": "education vs the unit's sector",
    "chart.fit": "fit",
    "chart.staff": "staff",
    "chart.fit_rate": "fit rate of the assessed, %",
    "chart.critical_mismatches": "critical mismatches",
    "chart.golongan_step": "golongan now → next",
    "chart.merit_candidates": "merit candidates",
    "chart.placement_fit": "placement fit",
    "chart.candidates": "candidates",
    "chart.meeting_jp": "staff meeting 20 JP, %",
    "chart.ict_share": "ICT share of the JP, %",
    "chart.placement_fit_pct": "placement fit, %",
    "chart.weakest_element": "weakest element",
    "chart.training_it_calls_for": "training it calls for",
    # IKM by quarter
    "ikm.title": "IKM by quarter against the mutu bands",
    "ikm.weight_one": "x {weight}",
    "ikm.weight_each": "x its element's weight",
    "ikm.finding": " In {quarter}, {below} of {groups} are below {target}.",
    "ikm.caption": (
        "Each cell is a {group}'s IKM (Indeks Kepuasan Masyarakat, PermenPANRB 14/2017) in a quarter: the NRR of each "
        "of the nine elements {weight}, summed, x {scale}; a {group} pools its services' responses (their IKMs "
        "weighted by respondents). The colour is the mutu band the IKM, rounded to 2 decimals, reaches ({bounds}; "
        "ikm_bands seed). IKM {target} is the lower bound of mutu {mutu} ({kinerja}), the platform's target."
        "{finding} {small} of {service_quarters} service-quarters had fewer respondents than the Krejcie & Morgan "
        "minimum sample: they are shown, not hidden (see the tooltip)."
    ),
    # the weakest elements
    "elements.title": "The weakest IKM elements (unsur)",
    "elements.no_years": "none yet",
    "elements.finding": " The weakest is {element} (NRR {nrr}); the training that targets it is {focus} (ikm_elements "
    "seed).",
    "elements.caption": (
        "The average score (NRR, 1-4) of each of the nine IKM elements (unsur) over {respondents} survey responses in "
        "the latest complete year ({years}), weakest first; the dashed lines are the bands' NRR lower bounds "
        "({bounds}; ikm_bands seed). The tooltip says in how many units it is the weakest element.{finding}"
    ),
    # training against 20 JP
    "training.title": "Training coverage against {minimum} JP",
    "training.axis": "staff with at least {minimum} JP, %",
    "training.tooltip_met": "staff with {minimum} JP",
    "training.tooltip_mean": "JP per person",
    "training.tooltip_short": "JP still short of {minimum}",
    "training.finding": " In {year}, {met} of {staff} active staff ({share}) had {minimum} JP.",
    "training.caption": (
        "The share of each {group}'s active staff who passed at least {minimum} JP (Jam Pelajaran) of competency "
        "development in the year: every PNS is entitled to at least {minimum} JP a year (PP 11/2017 art. 203(4), "
        "amended by PP 17/2020; min_training_jp_per_year seed), so the aim is 100%. Only passed courses count. The "
        "last year is the snapshot year, counted up to the personnel snapshot ({snapshot}).{finding}"
    ),
    # ICT
    "ict.title": "ICT training share",
    "ict.tooltip_trained": "staff with ICT training, %",
    "ict.finding": " Lowest in {year}: {group}, {share}.",
    "ict.caption": (
        "The share of the JP each {group}'s staff passed that were in digital/ICT courses (topic digital_ict), "
        "weighted by JP; the tooltip adds the share of staff with any ICT training. No regulation sets a target: the "
        "regions' own policy papers ask for ICT training first, for online services, and ICT training is what the "
        "ikm_elements seed prescribes for the elements {elements}.{finding}"
    ),
    # placement
    "placement.title": "Placement fit: education against position",
    "placement.overall": "{share} of the {assessed} assessable staff fit",
    "placement.overall_none": "none",
    "placement.caption": (
        "Active staff of each {group} by how the sector their education prepares for (education_fields seed) "
        "compares with their unit's sector: match, related (sector_relations seed), mismatch, or not assessed "
        "(general schooling or an unmapped field). A health graduate belongs in a health agency or Puskesmas. Sorted "
        "by fit rate (matches of the assessable staff). Overall {overall}; {critical} hold a critical role "
        "(critical_roles seed) without the education it needs."
    ),
    # merit
    "merit.title": "The merit pipeline",
    "merit.share": " ({share} of the {pns} active PNS)",
    "merit.the_bar": "the bar",
    "merit.caption": (
        "{total} civil servants{share} meet every rule of the Sistem Merit for promotion to the next golongan, by the "
        "step and their placement fit: SKP predikat {predikat} or better for {skp_years} years running (PermenPANRB "
        "6/2022), at least {golongan_years} years in the golongan (PP 99/2000), {minimum} JP last year, and no "
        "discipline sanction in {sanction_years} years (platform_parameters seed). A candidate placed against their "
        "education is worth a look before promotion."
    ),
    # competency and service quality
    "link.title": "Competency and service quality",
    "link.too_few": " Too few unit-years to measure a link.",
    "link.across": " Across these {points} unit-years the correlation is {link}",
    "link.correlation_strong": "r = {r}: a strong link{direction}; a correlation is not a cause.",
    "link.correlation_moderate": "r = {r}: a moderate link{direction}; a correlation is not a cause.",
    "link.correlation_weak": "r = {r}: a weak link{direction}; a correlation is not a cause.",
    "link.direction_up": " (higher coverage, higher IKM)",
    "link.direction_down": " (higher coverage, lower IKM)",
    "link.caption": (
        "Each point is a unit in a year (service_quality.service_competency_link): the share of its staff meeting "
        "{minimum} JP against its IKM for the year (all its services' responses pooled), sized by respondents. The "
        "dashed lines are the mutu bands' lower bounds; IKM {target}, the lower bound of mutu {mutu}, is the target "
        "units below it are trained toward first (training_needs).{correlation} The tooltip gives the unit's weakest "
        "element and the training it calls for."
    ),
    # --- the make run summary ----------------------------------------------------------------------------------
    "summary.title": "ASN workforce data platform: result",
    "summary.deliveries": "Deliveries (latest load of each):",
    "summary.deliveries_region": "region",
    "summary.deliveries_dataset": "dataset",
    "summary.deliveries_delivered": "delivered",
    "summary.deliveries_status": "status",
    "summary.deliveries_received": "received",
    "summary.deliveries_loaded": "loaded",
    "summary.deliveries_quarantined": "quarantined",
    "summary.deliveries_duplicates": "duplicates",
    "summary.deliveries_seconds": "seconds",
    "summary.quality": (
        "Data-quality checks (latest validation of each table; errors block their stage, warnings are shown):"
    ),
    "summary.quality_stage": "stage",
    "summary.quality_tables": "tables",
    "summary.quality_checks": "checks",
    "summary.quality_failed": "failed",
    "summary.quality_warned": "warned",
    "summary.rows_of": "{unexpected} of {elements} rows",
    "summary.rows": ("{n} row", "{n} rows"),
    "summary.more_failures": "... and {more} more in {table}",
    "summary.active": "Active civil servants by region (published mart core.dim_employee):",
    "summary.active_count": "active",
    "summary.women": "women",
    "summary.headlines": (
        "Headline figures, latest complete year (competency.unit_year, placement.unit_fit, "
        "service_quality.service_competency_link):"
    ),
    "summary.headlines_note": (
        "(placement fit: staff whose education field matches their unit's sector, of those assessable; IKM on "
        "25-100, mutu B from 76.61)"
    ),
    "summary.serving": "Serving version {version}, published {published}",
    "summary.nothing_published": "Nothing published yet.",
    "summary.where": "Where things are:",
    "summary.where.landing": "landing area (deliveries)",
    "summary.where.build": "build database (private)",
    "summary.where.published": "published, pseudonymous (analysts)",
    "summary.where.restricted": "published, restricted (HR agency)",
    "summary.where.restricted_note": "(owner-only: names and NIPs)",
    "summary.where.parquet": "every mart as Parquet",
    "summary.where.versions": "kept versions (rollback)",
    "summary.where.reports": "report index (charts, lineage, DQ)",
    "summary.where.airflow": "Airflow home (SQLite metadata)",
    "summary.held": "Regions held back by a broken registry file (the others load):",
    "summary.held_by_gate": (
        "Regions held back by the marts gate (the others are published; these keep serving their last good "
        "published data):"
    ),
    "summary.bi": (
        "BI connection (Superset, any SQLAlchemy tool; "
        "read-only, the `duckdb://` dialect of duckdb-sqlalchemy or duckdb-engine):"
    ),
    "summary.jdbc": "JDBC (PostgreSQL target): {jdbc}",
    "summary.query": "Query the published warehouse (read-only):",
}
