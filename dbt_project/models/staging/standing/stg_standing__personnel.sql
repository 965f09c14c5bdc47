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


{{ standing_versions('simpeg', 'personnel', ['nip']) }}
