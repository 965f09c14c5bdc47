{#- The nine elements come from the ikm_elements seed (its score_column names), keyed by element name. -#}
{%- set elements = ikm_elements() -%}
-- Incremental by unit, service and quarter (macros/change_scope.sql): a build recomputes the groups a survey response
-- a load brought or ended since the model's watermark falls in (the old group and the new one, if it moved).
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
    select
        survey_responses.region,
        survey_responses.unit_code,
        survey_responses.service_name,
        {{ quarter_start('survey_responses.response_date') }} as quarter_start,
    {%- for element in elements %}
        survey_responses.{{ element.score_column }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ ref('stg_skm__survey_responses') }} as survey_responses
    {% if is_incremental() %}
        inner join {{ this.identifier }}__change_scope as change_scope
            on
                survey_responses.region = change_scope.region
                and survey_responses.unit_code = change_scope.unit_code
                and survey_responses.service_name = change_scope.service_name
                and {{ quarter_start('survey_responses.response_date') }} = change_scope.quarter_start
    {% endif %}
),

-- One scan of the responses (tens of millions of rows nationally): every element's count and sum side by side.
wide_sums as (
    select
        region,
        unit_code,
        service_name,
        quarter_start,
    {%- for element in elements %}
        count({{ element.score_column }}) as respondents_{{ element.element }},
        sum({{ element.score_column }}) as score_sum_{{ element.element }}{{ "," if not loop.last }}
    {%- endfor %}
    from responses
    group by region, unit_code, service_name, quarter_start
),

elements as (
    select element from {{ ref('ikm_elements') }}
),

-- The small aggregate turned into one row per element.
element_sums as (
    select
        wide_sums.region,
        wide_sums.unit_code,
        wide_sums.service_name,
        wide_sums.quarter_start,
        elements.element,
        case elements.element
            {%- for element in elements %}
                when '{{ element.element }}' then wide_sums.respondents_{{ element.element }}
            {%- endfor %}
        end as respondents,
        case elements.element
            {%- for element in elements %}
                when '{{ element.element }}' then wide_sums.score_sum_{{ element.element }}
            {%- endfor %}
        end as score_sum
    from wide_sums
    cross join elements
)

select
    cast(region as varchar) as region,
    cast(unit_code as varchar) as unit_code,
    cast(service_name as varchar) as service_name,
    cast(quarter_start as date) as quarter_start,
    cast(element as varchar) as element,
    cast(respondents as bigint) as respondents,
    cast(score_sum as bigint) as score_sum
from element_sums
