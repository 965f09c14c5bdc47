-- One row per unit with active staff: how many are placed where their education fits (match), close to it
-- (related) or not (mismatch), the critical mismatches, and the merit pipeline.
with

employee_merit as (
    select * from {{ ref('employee_merit') }}
),

units as (
    select * from {{ ref('stg_simpeg__units') }}
),

counted as (
    select
        region,
        unit_code,
        count(*) as active_headcount,
        sum(case when employment_type = 'PNS' then 1 else 0 end) as active_pns,
        sum(case when fit <> 'not_assessed' then 1 else 0 end) as assessed,
        sum(case when fit = 'match' then 1 else 0 end) as matches,
        sum(case when fit = 'related' then 1 else 0 end) as related,
        sum(case when fit = 'mismatch' then 1 else 0 end) as mismatches,
        sum(case when fit = 'not_assessed' then 1 else 0 end) as not_assessed,
        sum(case when is_critical_mismatch then 1 else 0 end) as critical_mismatches,
        sum(case when is_merit_eligible then 1 else 0 end) as merit_eligible,
        avg(years_in_position) as mean_years_in_position
    from employee_merit
    group by region, unit_code
)

select
    cast(counted.region as varchar) as region,
    cast(counted.unit_code as varchar) as unit_code,
    cast(units.sector as varchar) as sector,
    cast(counted.active_headcount as bigint) as active_headcount,
    cast(counted.active_pns as bigint) as active_pns,
    cast(counted.assessed as bigint) as assessed,
    cast(counted.matches as bigint) as matches,
    cast(counted.related as bigint) as related,
    cast(counted.mismatches as bigint) as mismatches,
    cast(counted.not_assessed as bigint) as not_assessed,
    cast(counted.critical_mismatches as bigint) as critical_mismatches,
    -- Shares of the staff whose education could be assessed (a schooling-only 'Umum' field cannot).
    cast(round(100.0 * counted.matches / nullif(counted.assessed, 0), 2) as decimal(5, 2)) as fit_rate_pct,
    cast(
        round(100.0 * (counted.matches + counted.related) / nullif(counted.assessed, 0), 2) as decimal(5, 2)
    ) as fit_or_related_pct,
    cast(counted.merit_eligible as bigint) as merit_eligible,
    cast(round(counted.mean_years_in_position, 2) as decimal(6, 2)) as mean_years_in_position
from counted
left join units on counted.region = units.region and counted.unit_code = units.unit_code
