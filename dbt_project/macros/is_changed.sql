{#- Null-safe "differs": a value appearing or disappearing counts as a change. -#}
{% macro is_changed(current_value, previous_value) -%}
    ({{ current_value }} is distinct from {{ previous_value }})
{%- endmacro %}
