with

personnel as (
    select * from {{ ref('stg_simpeg__personnel') }}
),

age_bands as (
    select * from {{ ref('age_bands') }}
),

aged as (
    select
        personnel.*,
        {{ age_in_years('personnel.birth_date', 'personnel.snapshot_date') }} as age
    from personnel
)

select
    cast({{ pseudonymise('aged.nip') }} as varchar) as employee_key,
    cast(aged.region as varchar) as region,
    cast(aged.unit_code as varchar) as unit_code,
    cast(aged.gender as varchar) as gender,
    cast(age_bands.age_band as varchar) as age_band,
    cast(aged.employment_type as varchar) as employment_type,
    cast(aged.golongan as varchar) as golongan,
    cast(aged.education_level as varchar) as education_level,
    cast(aged.status as varchar) as status,
    cast(aged.snapshot_date as date) as snapshot_date
from aged
left join age_bands on aged.age between age_bands.min_age and age_bands.max_age
