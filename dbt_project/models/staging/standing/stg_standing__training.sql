-- The newest standing version of each training record in raw, with the delivery that brought it: the ranking
-- current_delivered_rows does for staging, kept as a table. An incremental build recomputes every record of the
-- people with a training version a load brought or ended since the last build (macros/change_scope.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='change_scope',
    unique_key=['_region', 'nip'],
    on_schema_change='fail',
    pre_hook="{{ prepare_change_scope({'diklat.training': {'nip': 'nip'}}) }}",
) }}

with

history as (
    {{ delivered_row_history('diklat', 'training') }}
),

standing as (
    select history.*
    from history
    {% if is_incremental() %}
        inner join {{ this.identifier }}__change_scope as change_scope
            on history._region = change_scope._region and history.nip = change_scope.nip
    {% endif %}
    where history._ended_load_id is null
),

-- current_delivered_rows' order: newest delivery first; on one date a delta wins over its full extract. Ranked on
-- the columns the order needs, then joined back to the whole rows (ranking whole rows cost half as much again).
ranked as (
    select
        standing._load_id,
        standing._source_row,
        row_number() over (
            partition by standing._region, standing.nip, standing.course_code, standing.start_date
            order by
                standing._delivery_date desc,
                case when standing._delivery_kind = 'delta' then 0 else 1 end,
                standing._load_finished_at desc,
                standing._source_row desc
        ) as _version_recency
    from standing
)

select
    standing.nip,
    standing.course_code,
    standing.course_title,
    standing.category,
    standing.topic_tags,
    standing.provider,
    standing.mode,
    standing.start_date,
    standing.end_date,
    standing.jp,
    standing.cost_idr,
    standing.result,
    standing.joint_opd,
    -- where raw has it from, and the load that ended it (none: it stands)
    standing._region,
    standing._delivery_id,
    standing._load_id,
    standing._source_file,
    standing._source_row,
    standing._row_hash,
    standing._loaded_at,
    standing._ended_delivery_id,
    standing._ended_load_id,
    -- the delivery that brought it
    standing._delivery_date,
    standing._delivery_kind,
    standing._load_finished_at,
    ranked._version_recency
from standing
inner join ranked on standing._load_id = ranked._load_id and standing._source_row = ranked._source_row
where ranked._version_recency = 1
