{#
    How raw change rows become the rows that stand, shared by every staging model. Raw keeps changes
    (ingestion/changes.py): each row version is brought by one load (`_load_id`) and ended by a later one
    (`_ended_load_id`), NULL while it stands; corrected, late and withdrawn deliveries are already sorted out there.

    `counted_loads(dataset)`: the loads of `dataset` that count, one per delivery: a corrected re-delivery (same
    delivery id and kind, later load) replaces the earlier load, and a delivery the region withdrew counts no more.
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
            status,
            row_number() over (partition by delivery_id, delivery_kind order by finished_at desc) as attempt_recency
        from {{ source('simpeg', 'load_audit') }}
        where dataset = '{{ dataset }}' and status in ('loaded', 'withdrawn')
    ) as attempts
    where attempt_recency = 1 and status = 'loaded'
{% endmacro %}

{#
    `delivered_row_history(source_name, dataset)`: every version of every row of `dataset`, with the delivery that
    brought it (`_delivery_date`, `_delivery_kind`, `_load_finished_at`) and the date of the one that ended it
    (`_ended_date`, NULL while it stands): the history the placement snapshot (SCD type 2 over deliveries) is built
    from.
#}
{% macro delivered_row_history(source_name, dataset) %}
    select
        delivered.*,
        loads.delivery_date as _delivery_date,
        loads.delivery_kind as _delivery_kind,
        loads.finished_at as _load_finished_at,
        ended.delivery_date as _ended_date
    from {{ source(source_name, dataset) }} as delivered
    inner join ({{ counted_loads(dataset) }}) as loads on delivered._load_id = loads.load_id
    left join ({{ counted_loads(dataset) }}) as ended on delivered._ended_load_id = ended.load_id
{% endmacro %}

{#
    `standing_model(dataset)`: the incremental model that keeps the standing version of each key of `dataset`
    (models/staging/standing/, from `delivered_row_history`, maintained by the keys that changed), or none. The
    large datasets have one, so that staging reads a table instead of ranking every raw version on each read.
#}
{% macro standing_model(dataset) %}
    {{ return({
        'personnel': 'stg_standing__personnel',
        'training': 'stg_standing__training',
        'survey_responses': 'stg_standing__survey_responses',
    }.get(dataset)) }}
{% endmacro %}

{#
    `current_delivered_rows(source_name, dataset, key_columns)`: the raw rows of `dataset` that stand now, per
    region (its latest full delivery with every later delta applied on top), one per key. Adds `_delivery_date`
    and replaces `_load_id` with the delivery the row stands on: a row the latest full extract delivered again
    unchanged stands on that extract, as if stored again. Adds `_snapshot_date`, the region's newest delivery.
    The newest standing version per key comes from the dataset's standing model when it has one (the same
    ranking, kept incrementally), otherwise from raw here; the rows are the same either way.
#}
{% macro current_delivered_rows(source_name, dataset, key_columns) %}
    with

    loads as (
        {{ counted_loads(dataset) }}
    ),

    region_loads as (
        select
            region,
            max(delivery_date) as snapshot_date,
            max(delivery_date) filter (where delivery_kind = 'full') as baseline_date,
            arg_max(load_id, (delivery_date, finished_at)) filter (where delivery_kind = 'full') as baseline_load_id
        from loads
        group by region
    ),

    versions as (
        {{ versions_from_standing_model(dataset) if standing_model(dataset)
            else versions_from_raw(source_name, dataset, key_columns) }}
    )

    select * from versions where _version_recency = 1
{% endmacro %}

{#- current_delivered_rows' versions, ranked here from raw (reads its `loads` and `region_loads`). -#}
{% macro versions_from_raw(source_name, dataset, key_columns) %}
    select
        delivered.* replace (
            case
                when loads.delivery_date >= region_loads.baseline_date then delivered._load_id
                else region_loads.baseline_load_id
            end as _load_id
        ),
        greatest(loads.delivery_date, region_loads.baseline_date) as _delivery_date,
        region_loads.snapshot_date as _snapshot_date,
        {{ version_recency(
            'delivered', key_columns, 'loads.delivery_date', 'loads.delivery_kind', 'loads.finished_at'
        ) }} as _version_recency
    from {{ source(source_name, dataset) }} as delivered
    inner join loads on delivered._load_id = loads.load_id
    inner join region_loads on delivered._region = region_loads.region
    where delivered._ended_load_id is null
{% endmacro %}

{#-
    current_delivered_rows' versions from the dataset's standing model (reads its `region_loads`): the newest
    standing version of each key is kept there with the delivery that brought it; the delivery it stands on now
    depends on the region's latest full extract, so it is worked out here, as from raw.
-#}
{% macro versions_from_standing_model(dataset) %}
    select
        standing.* exclude (_delivery_date, _delivery_kind, _load_finished_at, _version_recency) replace (
            case
                when standing._delivery_date >= region_loads.baseline_date then standing._load_id
                else region_loads.baseline_load_id
            end as _load_id
        ),
        greatest(standing._delivery_date, region_loads.baseline_date) as _delivery_date,
        region_loads.snapshot_date as _snapshot_date,
        standing._version_recency
    from {{ ref(standing_model(dataset)) }} as standing
    inner join region_loads on standing._region = region_loads.region
{% endmacro %}
