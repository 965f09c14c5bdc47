"""ASN workforce data platform, in floors (docs/architecture.md): core, then quality | transform | generator, then
serving | ingestion (the top-level `ingestion` package), then orchestration | reports, then local and the CLI."""

from asn_platform.core.telemetry import apply_opt_outs

# Before dbt, Airflow, cosmos or Great Expectations read them: every entry point imports this package.
apply_opt_outs()
