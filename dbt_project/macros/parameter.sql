{#-
    A constant from the platform_parameters seed, as a scalar subquery: regulated values (20 JP, the IKM scale
    factor, merit rules) live in reference data an agency can correct, never as literals in model SQL.
-#}
{% macro parameter(name) -%}
    (select value from {{ ref('platform_parameters') }} where parameter = '{{ name }}')
{%- endmacro %}
