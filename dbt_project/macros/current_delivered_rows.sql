{#
    The raw rows of `dataset` (a table of dbt source `source_name`) that stand now, per region: its latest full delivery with every later delta applied
    on top in delivery order (the latest version of each key wins). A corrected re-delivery (same delivery id and
    kind, later load) replaces the earlier load. The loader never loads a delta before a full extract is there.
    For regions that only send full snapshots this is their latest one.
    Adds `_delivery_date` (the delivery the row came from) and `_snapshot_date` (the region's newest applied one).
#}
{% macro current_delivered_rows(source_name, dataset, key_columns) %}
    with

    loads as (
        select
            region,
            delivery_date,
            delivery_kind,
            load_id,
            finished_at,
            -- A corrected re-delivery (same delivery id and kind, later load) replaces the earlier load.
            row_number() over (partition by delivery_id, delivery_kind order by finished_at desc) as attempt_recency
        from {{ source('simpeg', 'load_audit') }}
        where dataset = '{{ dataset }}' and status = 'loaded'
    ),

    baselines as (
        select
            region,
            max(delivery_date) as baseline_date
        from loads
        where attempt_recency = 1 and delivery_kind = 'full'
        group by region
    ),

    applied_loads as (
        select
            loads.region,
            loads.load_id,
            loads.delivery_date,
            loads.delivery_kind,
            loads.finished_at,
            max(loads.delivery_date) over (partition by loads.region) as snapshot_date
        from loads
        inner join baselines
            on loads.region = baselines.region and loads.delivery_date >= baselines.baseline_date
        where loads.attempt_recency = 1
    )

    select
        delivered.*,
        applied_loads.delivery_date as _delivery_date,
        applied_loads.snapshot_date as _snapshot_date
    from {{ source(source_name, dataset) }} as delivered
    inner join applied_loads on delivered._load_id = applied_loads.load_id
    qualify row_number() over (
        partition by delivered._region, {% for column in key_columns %}delivered.{{ column }}{{ ", " if not loop.last }}{% endfor %}
        -- Newest delivery first; on one date a delta comes after (so wins over) the full extract it applies to.
        order by
            applied_loads.delivery_date desc,
            case when applied_loads.delivery_kind = 'delta' then 0 else 1 end,
            applied_loads.finished_at desc
    ) = 1
{% endmacro %}
