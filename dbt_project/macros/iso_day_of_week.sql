{#- ISO day of the week, 1 (Monday) to 7 (Sunday). -#}
{% macro iso_day_of_week(date_column) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'asn')(date_column)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_column) -%}
    extract(isodow from {{ date_column }})
{%- endmacro %}

{% macro spark__iso_day_of_week(date_column) -%}
    (pmod(dayofweek({{ date_column }}) + 5, 7) + 1)
{%- endmacro %}
