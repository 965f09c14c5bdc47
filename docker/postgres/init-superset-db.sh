#!/bin/bash
# Superset's metadata database beside Airflow's, with its own role: run by the postgres image on the first start of
# an empty data volume only (docs/deployment.md says what to run on a volume created before this script existed).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set=superset_password="$SUPERSET_DB_PASSWORD" <<'SQL'
CREATE ROLE superset LOGIN PASSWORD :'superset_password';
CREATE DATABASE superset OWNER superset;
SQL
