{#- The nine elements come from the ikm_elements seed (its score_column names), keyed by element name. -#}
{%- set elements = ikm_elements() -%}

with

responses as (
    select
        region,
        unit_code,
        service_name,
        {{ quarter_start('response_date') }} as quarter_start,
    {%- for element in elements %}
        {{ element.score_column }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ ref('stg_skm__survey_responses') }}
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
