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


{{ standing_versions('skm', 'survey_responses', ['response_id']) }}
