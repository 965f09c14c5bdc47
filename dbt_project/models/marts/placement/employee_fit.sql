-- One row per active civil servant of the current snapshot, pseudonymous and k-anonymous (macros/k_anonymous.sql):
-- does their education fit the unit they work in, with years in position and golongan in bands. SKP predikat,
-- discipline and the merit rules built on them are per-person performance data: they stay in the HR agency's
-- restricted.employee_merit (analysts get their counts in unit_fit and merit_pipeline).
with

merit as (
    select * from {{ ref('employee_merit') }}
),

years_bands as (
    select * from {{ ref('years_bands') }}
),

generalised as (
    select
        cast(merit.employee_key as varchar) as employee_key,
        cast(merit.region as varchar) as region,
        cast(merit.unit_code as varchar) as unit_code,
        cast(merit.unit_sector as varchar) as unit_sector,
        cast(merit.position_type as varchar) as position_type,
        cast(merit.education_sector as varchar) as education_sector,
        cast(merit.fit as varchar) as fit,
        cast(merit.is_critical_mismatch as boolean) as is_critical_mismatch,
        cast(position_years.years_band as varchar) as years_in_position_band,
        cast(merit.met_20_jp_last_year as boolean) as met_20_jp_last_year,
        cast(merit.meets_golongan_time as boolean) as meets_golongan_time,
        cast(merit.snapshot_date as date) as snapshot_date
    from merit
    left join years_bands as position_years
        on floor(merit.years_in_position) between position_years.min_years and position_years.max_years
)

select * from (
    {{ k_anonymous('generalised', quasi_identifiers()) }}
) as anonymous
