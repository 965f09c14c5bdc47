-- Respondents' suggestions (saran), with phone numbers, e-mail addresses, NIK/NIP and names masked: what people ask
-- of a service, in their words, for the pseudonymous tier. Incremental by unit, service and quarter
-- (macros/change_scope.sql): a build masks again the groups a response a load brought or ended since the model's
-- watermark falls in.
{{ config(
    materialized='incremental',
    incremental_strategy='change_scope',
    unique_key=['region', 'unit_code', 'service_name', 'quarter_start'],
    on_schema_change='fail',
    pre_hook="{{ prepare_change_scope({'skm.survey_responses': {
        'unit_code': 'unit_code', 'service_name': 'service_name', 'quarter_start': quarter_start('response_date'),
    }}) }}",
) }}

with

responses as (
    select survey_responses.*
    from {{ ref('stg_skm__survey_responses') }} as survey_responses
    {% if is_incremental() %}
        inner join {{ this.identifier }}__change_scope as change_scope
            on
                survey_responses.region = change_scope.region
                and survey_responses.unit_code = change_scope.unit_code
                and survey_responses.service_name = change_scope.service_name
                and {{ quarter_start('survey_responses.response_date') }} = change_scope.quarter_start
    {% endif %}
    where nullif(trim(survey_responses.suggestion), '') is not null
),

masked as (
    select
        region,
        unit_code,
        service_name,
        response_date,
        {{ quarter_start('response_date') }} as quarter_start,
        {{ mask_identifiers('trim(suggestion)') }} as suggestion,
        trim(suggestion) as delivered
    from responses
)

select
    region,
    unit_code,
    service_name,
    response_date,
    quarter_start,
    suggestion,
    suggestion <> delivered as was_masked
from masked
