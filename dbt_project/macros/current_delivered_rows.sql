{#
    How raw deliveries become the rows that stand, shared by every staging model.

    `counted_loads(dataset)`: the loads of `dataset` that count, one per delivery: a corrected re-delivery (same
    delivery id and kind, later load) replaces the earlier load.
#}
{% macro counted_loads(dataset) %}
    select
        region,
        delivery_date,
        delivery_kind,
        load_id,
        finished_at
    from (
        select
            region,
            delivery_date,
            delivery_kind,
            load_id,
            finished_at,
            row_number() over (partition by delivery_id, delivery_kind order by finished_at desc) as attempt_recency
        from {{ source('simpeg', 'load_audit') }}
        where dataset = '{{ dataset }}' and status = 'loaded'
    ) as attempts
    where attempt_recency = 1
{% endmacro %}

{#
    `delivered_row_history(source_name, dataset)`: every row of every counted load of `dataset`, earliest delivery
    first, with `_delivery_date`, `_delivery_kind` and `_load_finished_at`: the history the placement snapshot
    (SCD type 2 over deliveries) is built from.
#}
{% macro delivered_row_history(source_name, dataset) %}
    select
        delivered.*,
        loads.delivery_date as _delivery_date,
        loads.delivery_kind as _delivery_kind,
        loads.finished_at as _load_finished_at
    from {{ source(source_name, dataset) }} as delivered
    inner join ({{ counted_loads(dataset) }}) as loads on delivered._load_id = loads.load_id
{% endmacro %}

{#
    `current_delivered_rows(source_name, dataset, key_columns)`: the raw rows of `dataset` that stand now, per
    region: its latest full delivery with every later delta applied on top in delivery order (the latest version
    of each key wins). The loader never loads a delta before a full extract is there. For regions that only send
    full snapshots this is their latest one. Adds `_delivery_date` (the delivery the row came from) and
    `_snapshot_date` (the region's newest applied one).
#}
{% macro current_delivered_rows(source_name, dataset, key_columns) %}
    with

    loads as (
        {{ counted_loads(dataset) }}
    ),

    baselines as (
        select
            region,
            max(delivery_date) as baseline_date
        from loads
        where delivery_kind = 'full'
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
    ),

    versions as (
        select
            delivered.*,
            applied_loads.delivery_date as _delivery_date,
            applied_loads.snapshot_date as _snapshot_date,
            row_number() over (
                partition by delivered._region, {% for column in key_columns %}delivered.{{ column }}{{ ", " if not loop.last }}{% endfor %}
                -- Newest delivery first; on one date a delta comes after (so wins over) the full extract it applies to.
                order by
                    applied_loads.delivery_date desc,
                    case when applied_loads.delivery_kind = 'delta' then 0 else 1 end,
                    applied_loads.finished_at desc
            ) as _version_recency
        from {{ source(source_name, dataset) }} as delivered
        inner join applied_loads on delivered._load_id = applied_loads.load_id
    )

    select * from versions where _version_recency = 1
{% endmacro %}
