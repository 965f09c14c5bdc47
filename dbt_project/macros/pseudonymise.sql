{#-
    A keyed hash of an identifier (the NIP): the same person gets the same key in every build, and nobody without the
    key can recompute it from a NIP. The key reaches the database as a session variable (asn_platform/transform/plugin.py),
    never as a literal in compiled SQL.
-#}
{% macro pseudonymise(column) -%}
    {{ return(adapter.dispatch('pseudonymise', 'asn')(column)) }}
{%- endmacro %}

{% macro duckdb__pseudonymise(column) -%}
    sha256(getvariable('asn_pseudonym_key') || ':' || {{ column }})
{%- endmacro %}

{% macro default__pseudonymise(column) -%}
    {{ exceptions.raise_compiler_error("pseudonymise() has no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}
