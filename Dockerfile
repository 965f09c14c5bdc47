# Airflow image of the production-style stack (docker-compose.yml): the official image at the Airflow version
# uv.lock pins (tests/unit/test_compose.py holds the two together), plus the project's locked dependencies.
# The official image brings what the lock does not: the PostgreSQL driver (psycopg2) for the metadata database.
# The front-end packages the offline pages load (Data Docs, reports), from the npm lock, in a throwaway stage: the
# Airflow image gets node_modules, not Node.js.
FROM node:20.19-bookworm-slim AS web-assets
WORKDIR /assets
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM apache/airflow:3.3.2-python3.11

# A government server must not call home: the opt-outs of asn_platform/core/telemetry.env (ENV cannot read a file;
# tests/unit/test_compose.py holds these to it), set for every process, Python or not. The project is imported from
# /opt/asn (compose mounts the working tree over the copies below), not installed: installing it would need its
# build backend, an unpinned download.
ENV DO_NOT_TRACK=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=False \
    GX_ANALYTICS_ENABLED=False \
    AIRFLOW__USAGE_DATA_COLLECTION__ENABLED=False \
    SCARF_ANALYTICS=false \
    AIRFLOW__COSMOS__ENABLE_TELEMETRY=False \
    PYTHONPATH=/opt/asn

WORKDIR /opt/asn

# Dependencies first, so a code change does not reinstall them. `--locked` fails the build when uv.lock is out of
# date with pyproject.toml; hashes make pip refuse any file that is not the one the lock names.
COPY --chown=airflow:root pyproject.toml uv.lock ./
RUN pip install --no-cache-dir "uv==0.13.9" \
    && uv export --locked --no-dev --no-emit-project --format requirements-txt -o /tmp/requirements.txt \
    && pip install --no-cache-dir --require-hashes -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The code, so the image also runs without the compose file's bind mounts.
COPY --chown=airflow:root asn_platform ./asn_platform
COPY --chown=airflow:root ingestion ./ingestion
COPY --chown=airflow:root dags ./dags
COPY --chown=airflow:root dbt_project ./dbt_project
COPY --chown=airflow:root expectations ./expectations
COPY --chown=airflow:root --from=web-assets /assets/node_modules ./node_modules

# The manifest the warehouse DAG is rendered from (dbt parse: no database, no seeds needed). With the compose file's
# bind mounts the host's dbt_project/target is used instead: run `make manifest` there first (docs/deployment.md).
# Parsing opens no database and needs no key: a throwaway data folder and key keep both out of the image.
RUN ASN_DATA_DIR=/tmp/manifest-parse ASN_PSEUDONYM_KEY=parse-only-not-a-key \
    python -m asn_platform manifest \
    && rm -rf /tmp/manifest-parse
