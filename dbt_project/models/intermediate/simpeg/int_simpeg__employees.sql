-- The current personnel snapshot, pseudonymised once (the keyed hash is the costliest expression per person), with
-- what several marts derive from it: age, the sector the person's education prepares for, their unit's sector and
-- SKP predikat ranks. Names and birth dates stop here; the NIP stays only to join other sources by (no mart
-- selects it).
with

personnel as (
    select * from {{ ref('stg_simpeg__personnel') }}
),

units as (
    select * from {{ ref('stg_simpeg__units') }}
),

education_fields as (
    select * from {{ ref('education_fields') }}
),

skp_ratings as (
    select * from {{ ref('skp_ratings') }}
)

select
    cast({{ pseudonymise('personnel.nip') }} as varchar) as employee_key,
    personnel.nip,
    personnel.region,
    personnel.unit_code,
    units.sector as unit_sector,
    personnel.gender,
    {{ age_in_years('personnel.birth_date', 'personnel.snapshot_date') }} as age,
    personnel.employment_type,
    personnel.golongan,
    personnel.golongan_start,
    personnel.position_type,
    personnel.position_start,
    personnel.education_level,
    personnel.education_field,
    education_fields.sector as education_sector,
    personnel.skp_rating_last_year,
    personnel.skp_rating_year_before,
    last_year_rating.rating_rank as skp_rank_last_year,
    year_before_rating.rating_rank as skp_rank_year_before,
    personnel.discipline_sanction,
    personnel.discipline_date,
    personnel.status,
    personnel.snapshot_date,
    cast(extract(year from personnel.snapshot_date) as integer) as snapshot_year
from personnel
left join units on personnel.region = units.region and personnel.unit_code = units.unit_code
left join education_fields on personnel.education_field = education_fields.education_field
left join skp_ratings as last_year_rating on personnel.skp_rating_last_year = last_year_rating.predikat
left join skp_ratings as year_before_rating on personnel.skp_rating_year_before = year_before_rating.predikat
