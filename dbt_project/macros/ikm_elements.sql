{#-
    The IKM elements of the ikm_elements seed (element, element_order, score_column), in element order, so models
    generate one column or CASE branch per element from the reference data instead of naming the nine in SQL.
    Read from the loaded seed when dbt executes a model (at parse time it is an empty list): the seed must be loaded
    before the models that use it are compiled, as `dbt build` does. Being an introspective query, unit tests
    replace it with the list itself (`overrides: macros: ikm_elements`).
-#}
{% macro ikm_elements() -%}
    {%- set seed = ref('ikm_elements') -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if load_relation(seed) is none -%}
        {{ exceptions.raise_compiler_error(
            "ikm_elements(): the seed " ~ seed ~ " is not loaded; run `dbt seed` (or `dbt build`) first"
        ) }}
    {%- endif -%}
    {%- set query -%}
        select element, element_order, score_column from {{ seed }} order by element_order
    {%- endset -%}
    {%- set elements = [] -%}
    {%- for row in run_query(query).rows -%}
        {#- The names go into SQL as column names and literals: an edited seed must not inject anything else. -#}
        {%- for name in [row[0], row[2]] if not modules.re.match('^[a-z][a-z0-9_]*$', name) -%}
            {{ exceptions.raise_compiler_error("ikm_elements(): " ~ name ~ " in " ~ seed ~ " is not a SQL name") }}
        {%- endfor -%}
        {%- do elements.append({'element': row[0], 'element_order': row[1], 'score_column': row[2]}) -%}
    {%- endfor -%}
    {{ return(elements) }}
{%- endmacro %}
