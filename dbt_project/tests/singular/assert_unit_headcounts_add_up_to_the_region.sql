-- Every active civil servant works in a unit on the region's list (ingestion quarantines unknown unit codes), so
-- the units' headcounts add up to the region's. Rows returned are the regions where they do not.
with

by_unit as (
    select
        region,
        sum(active_headcount) as unit_headcount
    from {{ ref('dim_unit') }}
    group by region
)

select
    dim_region.region,
    dim_region.active_headcount,
    by_unit.unit_headcount
from {{ ref('dim_region') }} as dim_region
left join by_unit on dim_region.region = by_unit.region
where dim_region.active_headcount <> coalesce(by_unit.unit_headcount, 0)
