with

units as (
    select * from {{ ref('stg_simpeg__units') }}
),

staff as (
    select
        region,
        unit_code,
        count(*) filter (where status = 'active') as active_headcount
    from {{ ref('int_simpeg__employees') }}
    group by region, unit_code
),

services as (
    select
        region,
        unit_code,
        count(*) as services,
        sum(yearly_volume) as yearly_service_volume
    from {{ ref('stg_skm__services') }}
    group by region, unit_code
)

select
    cast(units.region as varchar) as region,
    cast(units.unit_code as varchar) as unit_code,
    cast(units.unit_name as varchar) as unit_name,
    cast(units.sector as varchar) as sector,
    cast(coalesce(staff.active_headcount, 0) as bigint) as active_headcount,
    cast(coalesce(services.services, 0) as bigint) as services,
    cast(services.yearly_service_volume as bigint) as yearly_service_volume,
    cast(units.snapshot_date as date) as snapshot_date
from units
left join staff on units.region = staff.region and units.unit_code = staff.unit_code
left join services on units.region = services.region and units.unit_code = services.unit_code
