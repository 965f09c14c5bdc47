-- One row per civil servant eligible for promotion to the next golongan under the merit rules of employee_fit,
-- ranked within their unit: best SKP first, then longest in their golongan.
with

eligible as (
    select * from {{ ref('employee_merit') }}
    where is_merit_eligible
),

skp_ratings as (
    select * from {{ ref('skp_ratings') }}
)

select
    cast(eligible.employee_key as varchar) as employee_key,
    cast(eligible.region as varchar) as region,
    cast(eligible.unit_code as varchar) as unit_code,
    cast(eligible.position_type as varchar) as position_type,
    cast(eligible.golongan as varchar) as golongan,
    cast(eligible.next_golongan as varchar) as next_golongan,
    cast(eligible.years_in_golongan as decimal(6, 2)) as years_in_golongan,
    cast(eligible.skp_rating_last_year as varchar) as skp_rating_last_year,
    cast(eligible.skp_rating_year_before as varchar) as skp_rating_year_before,
    cast(eligible.fit as varchar) as fit,
    cast(
        row_number() over (
            partition by eligible.region, eligible.unit_code
            order by
                skp_ratings.rating_rank asc,
                eligible.years_in_golongan desc,
                eligible.employee_key asc
        ) as integer
    ) as rank_in_unit,
    cast(eligible.snapshot_date as date) as snapshot_date
from eligible
left join skp_ratings on eligible.skp_rating_last_year = skp_ratings.predikat
