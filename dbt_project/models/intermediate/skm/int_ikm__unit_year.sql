with

element_sums as (
    select * from {{ ref('int_skm__element_sums') }}
),

elements as (
    select * from {{ ref('ikm_elements') }}
),

units as (
    select * from {{ ref('stg_simpeg__units') }}
),

sectors as (
    select * from {{ ref('sectors') }}
),

bands as (
    {{ ikm_band_bounds() }}
),

-- All the unit's services together: NRR = the year's score sum / its respondents, per element.
unit_elements as (
    select
        element_sums.region,
        element_sums.unit_code,
        extract(year from element_sums.quarter_start) as calendar_year,
        element_sums.element,
        elements.element_order,
        elements.weight,
        elements.training_focus,
        sum(element_sums.respondents) as respondents,
        cast(sum(element_sums.score_sum) as double) / sum(element_sums.respondents) as nrr
    from element_sums
    inner join elements on element_sums.element = elements.element
    group by
        element_sums.region,
        element_sums.unit_code,
        extract(year from element_sums.quarter_start),
        element_sums.element,
        elements.element_order,
        elements.weight,
        elements.training_focus
),

unit_years as (
    select
        region,
        unit_code,
        calendar_year,
        max(respondents) as respondents,
        {{ ikm_index('sum(nrr * weight)') }} as ikm
    from unit_elements
    group by region, unit_code, calendar_year
),

-- The lowest NRR of the year; a tie goes to the element first in the regulation's order.
ranked_elements as (
    select
        region,
        unit_code,
        calendar_year,
        element,
        nrr,
        training_focus,
        row_number() over (
            partition by region, unit_code, calendar_year
            order by nrr, element_order
        ) as weakness_rank
    from unit_elements
),

weakest_elements as (
    select * from ranked_elements
    where weakness_rank = 1
)

select
    cast(unit_years.region as varchar) as region,
    cast(unit_years.unit_code as varchar) as unit_code,
    cast(unit_years.calendar_year as integer) as calendar_year,
    cast(unit_years.respondents as bigint) as respondents,
    cast(unit_years.ikm as decimal(5, 2)) as ikm,
    cast(bands.mutu as varchar) as mutu,
    cast(bands.kinerja as varchar) as kinerja,
    cast(weakest_elements.element as varchar) as weakest_element,
    cast(round(cast(weakest_elements.nrr as decimal(18, 6)), 4) as decimal(6, 4)) as weakest_element_nrr,
    -- `sector`: the training of the unit's own technical field.
    cast(
        case
            when weakest_elements.training_focus = 'sector' then sectors.training_topic
            else weakest_elements.training_focus
        end as varchar
    ) as recommended_training_focus
from unit_years
left join bands
    on {{ in_ikm_band('unit_years.ikm', 'bands') }}
inner join weakest_elements
    on
        unit_years.region = weakest_elements.region
        and unit_years.unit_code = weakest_elements.unit_code
        and unit_years.calendar_year = weakest_elements.calendar_year
left join units on unit_years.region = units.region and unit_years.unit_code = units.unit_code
left join sectors on units.sector = sectors.sector
