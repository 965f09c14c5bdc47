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
),

-- How fresh the region's person-level data is: its newest training or personnel load.
region_loads as (
    select
        region,
        max(finished_at) as source_loaded_at
    from {{ source('simpeg', 'load_audit') }}
    where dataset in ('training', 'personnel') and status = 'loaded'
    group by region
)

select
    cast(regions.region as varchar) as region,
    cast(regions.name as varchar) as region_name,
    cast(regions.province as varchar) as province,
    cast(regions.timezone as varchar) as timezone,
    cast(coalesce(headcounts.active_headcount, 0) as bigint) as active_headcount,
    cast(headcounts.snapshot_date as date) as snapshot_date,
    cast(region_loads.source_loaded_at as timestamp with time zone) as source_loaded_at
from regions
left join headcounts on regions.region = headcounts.region
left join region_loads on regions.region = region_loads.region
