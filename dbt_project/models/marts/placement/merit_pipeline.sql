-- The merit pipeline in counts: per unit, golongan step and placement fit, how many civil servants are eligible for
-- promotion under the merit rules (restricted.employee_merit: SKP, 20 JP, time in golongan, no sanction). Who they
-- are, with their SKP, is the HR agency's restricted.merit_candidates.
with

candidates as (
    select * from {{ ref('merit_candidates') }}
)

select
    cast(region as varchar) as region,
    cast(unit_code as varchar) as unit_code,
    cast(golongan as varchar) as golongan,
    cast(next_golongan as varchar) as next_golongan,
    cast(fit as varchar) as fit,
    cast(count(*) as bigint) as candidates
from candidates
group by region, unit_code, golongan, next_golongan, fit
