{#-
    The continuous (interpolated) `fraction` percentile (0-1) of `expression` over the group, as an aggregate;
    rows where `expression` is null are left out, so a CASE picks the rows to take it over.
-#}
{% macro percentile(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile', 'asn')(expression, fraction)) }}
{%- endmacro %}

{#- The SQL standard's ordered-set aggregate: DuckDB, PostgreSQL, Snowflake, SQL Server, Redshift. -#}
{% macro default__percentile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro spark__percentile(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}
