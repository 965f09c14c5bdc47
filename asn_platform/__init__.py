"""ASN workforce data platform: shared settings, warehouse access, data quality, transformation and publishing."""

import os

# A government server must not call home. Every entry point (CLI, DAG files, tests) imports this package, so the
# opt-outs are in place before dbt, Airflow, cosmos or Great Expectations read them. An operator's explicit value wins.
TELEMETRY_OPT_OUTS = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "GX_ANALYTICS_ENABLED": "False",
    "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
    "SCARF_ANALYTICS": "false",
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
}
for _name, _value in TELEMETRY_OPT_OUTS.items():
    os.environ.setdefault(_name, _value)
