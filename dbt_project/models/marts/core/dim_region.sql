with

regions as (
    select * from {{ ref('stg_simpeg__regions') }}
),

headcounts as (
    select
        region,
        max(snapshot_date) as snapshot_date,
        count(*) filter (where status = 'active') as active_headcount
    from {{ ref('int_simpeg__employees') }}
    group by region
)

select
    cast(regions.region as varchar) as region,
    cast(regions.name as varchar) as region_name,
    cast(regions.province as varchar) as province,
    cast(regions.timezone as varchar) as timezone,
    cast(coalesce(headcounts.active_headcount, 0) as bigint) as active_headcount,
    cast(headcounts.snapshot_date as date) as snapshot_date
from regions
left join headcounts on regions.region = headcounts.region
