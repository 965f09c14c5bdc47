# Airflow image with the project's locked dependencies (first version; the orchestration work completes the stack).
FROM apache/airflow:3.3.2-python3.11

ENV DO_NOT_TRACK=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=False \
    GX_ANALYTICS_ENABLED=False \
    AIRFLOW__USAGE_DATA_COLLECTION__ENABLED=False \
    SCARF_ANALYTICS=false \
    AIRFLOW__COSMOS__ENABLE_TELEMETRY=False

WORKDIR /opt/asn
COPY --chown=airflow:root pyproject.toml uv.lock README.md ./
COPY --chown=airflow:root asn_platform ./asn_platform
COPY --chown=airflow:root ingestion ./ingestion
RUN pip install --no-cache-dir "uv==0.13.9" \
    && uv export --frozen --no-dev --no-emit-project --no-hashes -o /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && pip install --no-cache-dir --no-deps -e /opt/asn
