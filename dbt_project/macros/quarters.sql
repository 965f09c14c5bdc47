{#-
    Calendar quarters and durations through dbt's cross-database macros, so the marts carry no engine's own date
    functions. Timestamps are the region's local wall-clock time, as delivered.
-#}

{#- First day of the quarter `date_expression` falls in, as a date. -#}
{% macro quarter_start(date_expression) -%}
    cast({{ dbt.date_trunc('quarter', date_expression) }} as date)
{%- endmacro %}

{#- First day of the quarter before the one starting on `quarter_start_expression`. -#}
{% macro previous_quarter_start(quarter_start_expression) -%}
    cast({{ dbt.dateadd('month', -3, quarter_start_expression) }} as date)
{%- endmacro %}

{#- The quarter as reports write it: 2026-Q3. -#}
{% macro year_quarter(date_expression) -%}
    {{ dbt.concat([
        "cast(extract(year from " ~ date_expression ~ ") as " ~ dbt.type_string() ~ ")",
        "'-Q'",
        "cast(extract(quarter from " ~ date_expression ~ ") as " ~ dbt.type_string() ~ ")",
    ]) }}
{%- endmacro %}

{#- Fractional days from one timestamp to a later one (to the second). -#}
{% macro days_between(start_timestamp, end_timestamp) -%}
    ({{ dbt.datediff(start_timestamp, end_timestamp, 'second') }} / 86400.0)
{%- endmacro %}
