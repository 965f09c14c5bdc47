-- Pseudonymous and k-anonymous (macros/k_anonymous.sql): age in bands, golongan without its ruang (III, not III/a),
-- and the quasi-identifiers of the few people a combination of them would single out suppressed.
with

employees as (
    select * from {{ ref('int_simpeg__employees') }}
),

age_bands as (
    select * from {{ ref('age_bands') }}
),

generalised as (
    select
        cast(employees.employee_key as varchar) as employee_key,
        cast(employees.region as varchar) as region,
        cast(employees.unit_code as varchar) as unit_code,
        cast(employees.gender as varchar) as gender,
        cast(age_bands.age_band as varchar) as age_band,
        cast(employees.employment_type as varchar) as employment_type,
        cast(split_part(employees.golongan, '/', 1) as varchar) as golongan,
        cast(employees.education_level as varchar) as education_level,
        cast(employees.status as varchar) as status,
        cast(employees.snapshot_date as date) as snapshot_date
    from employees
    left join age_bands on employees.age between age_bands.min_age and age_bands.max_age
)

select * from (
    {{ k_anonymous('generalised', quasi_identifiers(), kept=['status']) }}
) as anonymous
