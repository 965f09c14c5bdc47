"""Superset settings of the production-style stack: secrets from the environment (set in `.env`, never committed),
its metadata in the stack's PostgreSQL (database `superset`), nothing sent home, no example data."""

from __future__ import annotations

import os
from urllib.parse import quote


def _required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise RuntimeError(f"{name} is not set: add it to .env (see .env.example and docs/deployment.md)")
    return value


# Signs session cookies and encrypts the stored database passwords: the same value across restarts.
SECRET_KEY = _required("SUPERSET_SECRET_KEY")
SQLALCHEMY_DATABASE_URI = (
    f"postgresql+psycopg2://superset:{quote(_required('SUPERSET_DB_PASSWORD'), safe='')}@postgres:5432/superset"
)

# No telemetry: Superset reports usage through Scarf unless this is off (the compose file also sets SCARF_ANALYTICS
# and DO_NOT_TRACK in its environment). Example data is never loaded: the init step does not run load_examples.
SCARF_ANALYTICS = False

# Numbers as Indonesian readers write them (1.234,5; Rp 1.500.000) in every chart and table.
D3_FORMAT = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["Rp ", ""]}
