-- Respondents' suggestions (saran), with phone numbers, e-mail addresses, NIK/NIP and names masked: what people ask
-- of a service, in their words, for the pseudonymous tier.
with

responses as (
    select * from {{ ref('stg_skm__survey_responses') }}
    where nullif(trim(suggestion), '') is not null
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
