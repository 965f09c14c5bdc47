-- Does competency show up in service quality? One row per unit and year with staff: the unit's IKM beside its
-- training coverage, placement fit and mean IP ASN, its weakest IKM element and the training that targets it.
with

unit_year as (
    select * from {{ ref('unit_year') }}
),

ikm as (
    select * from {{ ref('int_ikm__unit_year') }}
),

unit_fit as (
    select * from {{ ref('unit_fit') }}
)

select
    cast(unit_year.region as varchar) as region,
    cast(unit_year.unit_code as varchar) as unit_code,
    cast(unit_year.calendar_year as integer) as calendar_year,
    cast(unit_fit.sector as varchar) as sector,
    cast(ikm.respondents as bigint) as respondents,
    cast(ikm.ikm as decimal(5, 2)) as ikm,
    cast(ikm.mutu as varchar) as mutu,
    cast(unit_year.active_headcount as bigint) as active_headcount,
    cast(unit_year.meeting_20_jp_pct as decimal(5, 2)) as meeting_20_jp_pct,
    cast(unit_year.mean_jp as decimal(8, 2)) as mean_jp,
    cast(unit_year.ict_jp_pct as decimal(5, 2)) as ict_jp_pct,
    cast(unit_fit.fit_rate_pct as decimal(5, 2)) as placement_fit_pct,
    cast(unit_year.ip_asn_mean as decimal(5, 2)) as ip_asn_mean,
    cast(ikm.weakest_element as varchar) as weakest_element,
    cast(ikm.weakest_element_nrr as decimal(6, 4)) as weakest_element_nrr,
    cast(ikm.recommended_training_focus as varchar) as recommended_training_focus
from unit_year
left join ikm
    on
        unit_year.region = ikm.region
        and unit_year.unit_code = ikm.unit_code
        and unit_year.calendar_year = ikm.calendar_year
left join unit_fit on unit_year.region = unit_fit.region and unit_year.unit_code = unit_fit.unit_code
