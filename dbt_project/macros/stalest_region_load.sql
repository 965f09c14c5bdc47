{#-
    Source freshness from the load audit: the newest successful load of `dataset` in the region that has gone longest
    without one, so one silent region makes the dataset stale (its own delivery schedule is the raw gate's check,
    docs/data-quality.md).
-#}
{% macro stalest_region_load(dataset) -%}
    select min(newest_load) from (
        select max(finished_at) as newest_load
        from {{ source('simpeg', 'load_audit') }}
        where dataset = '{{ dataset }}' and status = 'loaded'
        group by region
    )
{%- endmacro %}
