-- The newest standing version of each person's personnel record in raw, with the delivery that brought it: the
-- ranking current_delivered_rows does for staging, kept as a table. An incremental build recomputes the people whose
-- raw versions a load brought or ended since the last build (macros/change_scope.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='change_scope',
    unique_key=['_region', 'nip'],
    on_schema_change='fail',
    pre_hook="{{ prepare_change_scope({'simpeg.personnel': {'nip': 'nip'}}) }}",
) }}

with

history as (
    {{ delivered_row_history('simpeg', 'personnel') }}
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
            partition by standing._region, standing.nip
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
    standing.full_name,
    standing.birth_date,
    standing.gender,
    standing.employment_type,
    standing.golongan,
    standing.position_title,
    standing.position_type,
    standing.unit_code,
    standing.unit_name,
    standing.position_start,
    standing.golongan_start,
    standing.education_level,
    standing.education_field,
    standing.skp_rating_last_year,
    standing.skp_rating_year_before,
    standing.discipline_sanction,
    standing.discipline_date,
    standing.oap_status,
    standing.status,
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
