"""Serving the published warehouse beyond its DuckDB files: BI connection strings, the PostgreSQL target."""
