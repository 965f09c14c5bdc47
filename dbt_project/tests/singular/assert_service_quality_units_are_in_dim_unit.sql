-- The units the service-quality marts report on are on their region's list of units (core.dim_unit, keyed by region
-- and unit code together). A warning, not an error: the list is the current one, and a unit dissolved or renamed
-- since keeps its past quarters. Rows returned are the marts' units missing from the list.
{{ config(severity='warn') }}

with

reported_units as (
    select distinct
        'ikm_unit_period' as mart,
        region,
        unit_code
    from {{ ref('ikm_unit_period') }}
    union all
    select distinct
        'complaints_unit_period' as mart,
        region,
        unit_code
    from {{ ref('complaints_unit_period') }}
)

select
    reported_units.mart,
    reported_units.region,
    reported_units.unit_code
from reported_units
left join {{ ref('dim_unit') }} as dim_unit
    on reported_units.region = dim_unit.region and reported_units.unit_code = dim_unit.unit_code
where dim_unit.unit_code is null
