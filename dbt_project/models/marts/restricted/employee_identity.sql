-- The re-identification table of the HR agency's restricted tier: which person a pseudonymous employee_key is. It is
-- built beside the marts and published to hr_restricted.duckdb only, never to analytics.duckdb.
with

employees as (
    select * from {{ ref('int_simpeg__employees') }}
),

personnel as (
    select * from {{ ref('stg_simpeg__personnel') }}
)

select
    employees.employee_key,
    employees.region,
    personnel.nip,
    personnel.full_name,
    personnel.unit_code,
    personnel.unit_name,
    personnel.position_title,
    employees.snapshot_date
from employees
inner join personnel on employees.region = personnel.region and employees.nip = personnel.nip
