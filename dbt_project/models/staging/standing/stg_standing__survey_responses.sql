-- The newest standing version of each survey response in raw, with the delivery that brought it: the ranking
-- current_delivered_rows does for staging, kept as a table. An incremental build recomputes the responses whose raw
-- versions a load brought or ended since the last build (macros/change_scope.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='change_scope',
    unique_key=['_region', 'response_id'],
    on_schema_change='fail',
    pre_hook="{{ prepare_change_scope({'skm.survey_responses': {'response_id': 'response_id'}}) }}",
) }}

with

history as (
    {{ delivered_row_history('skm', 'survey_responses') }}
),

standing as (
    select history.*
    from history
    {% if is_incremental() %}
        inner join {{ this.identifier }}__change_scope as change_scope
            on history._region = change_scope._region and history.response_id = change_scope.response_id
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
            partition by standing._region, standing.response_id
            order by
                standing._delivery_date desc,
                case when standing._delivery_kind = 'delta' then 0 else 1 end,
                standing._load_finished_at desc,
                standing._source_row desc
        ) as _version_recency
    from standing
)

select
    standing.response_id,
    standing.unit_code,
    standing.service_name,
    standing.response_date,
    standing.score_persyaratan,
    standing.score_prosedur,
    standing.score_waktu,
    standing.score_biaya,
    standing.score_produk,
    standing.score_kompetensi,
    standing.score_perilaku,
    standing.score_sarana,
    standing.score_pengaduan,
    standing.respondent_age_band,
    standing.respondent_gender,
    standing.respondent_education,
    standing.respondent_occupation,
    standing.suggestion,
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
