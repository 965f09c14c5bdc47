{#-
    Multi-valued fields (a course's topics) as the target database's array type: DuckDB lists, PostgreSQL
    arrays, Spark arrays. The only array functions the models use, so each target needs just these two.
-#}
{% macro split_to_list(text_column, separator) -%}
    {{ return(adapter.dispatch('split_to_list', 'asn')(text_column, separator)) }}
{%- endmacro %}

{% macro duckdb__split_to_list(text_column, separator) -%}
    coalesce(string_split({{ text_column }}, '{{ separator }}'), [])
{%- endmacro %}

{% macro spark__split_to_list(text_column, separator) -%}
    coalesce(split({{ text_column }}, '{{ separator }}'), array())
{%- endmacro %}

{% macro default__split_to_list(text_column, separator) -%}
    coalesce(string_to_array({{ text_column }}, '{{ separator }}'), array[]::varchar[])
{%- endmacro %}

{% macro list_has(list_column, value) -%}
    {{ return(adapter.dispatch('list_has', 'asn')(list_column, value)) }}
{%- endmacro %}

{% macro duckdb__list_has(list_column, value) -%}
    list_contains({{ list_column }}, {{ value }})
{%- endmacro %}

{% macro spark__list_has(list_column, value) -%}
    array_contains({{ list_column }}, {{ value }})
{%- endmacro %}

{% macro default__list_has(list_column, value) -%}
    ({{ value }} = any({{ list_column }}))
{%- endmacro %}
