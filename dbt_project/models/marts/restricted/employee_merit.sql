-- One row per active civil servant of the current snapshot, in full for the HR agency (restricted tier): the
-- education fit of placement.employee_fit with exact years in position and golongan, SKP predikat, discipline and
-- the merit rules they meet (thresholds: platform_parameters; SKP ranks: the skp_ratings seed). Analysts get
-- placement.employee_fit (generalised, k-anonymous, no SKP or discipline) and the counts of unit_fit and
-- merit_pipeline.
with

employees as (
    select * from {{ ref('int_simpeg__employees') }}
    where status = 'active'
),

sector_relations as (
    select
        sector,
        related_sector
    from {{ ref('sector_relations') }}
    union
    select
        related_sector as sector,
        sector as related_sector
    from {{ ref('sector_relations') }}
),

critical_roles as (
    select * from {{ ref('critical_roles') }}
),

golongan as (
    select * from {{ ref('golongan') }}
),

employee_year as (
    select * from {{ ref('employee_year') }}
),

assessed as (
    select
        employees.*,
        case
            -- No education sector (schooling only, an unmapped field), or no unit sector (the region's unit
            -- list has not loaded): nothing to compare.
            when employees.education_sector is null or employees.unit_sector is null then 'not_assessed'
            when employees.education_sector = employees.unit_sector then 'match'
            when sector_relations.related_sector is not null then 'related'
            else 'mismatch'
        end as fit,
        critical_roles.required_education_sector,
        {{ dbt.datediff('employees.position_start', 'employees.snapshot_date', 'day') }} / 365.25
            as years_in_position,
        {{ dbt.datediff('employees.golongan_start', 'employees.snapshot_date', 'day') }} / 365.25
            as years_in_golongan
    from employees
    left join sector_relations
        on
            employees.education_sector = sector_relations.sector
            and employees.unit_sector = sector_relations.related_sector
    left join critical_roles
        on
            employees.unit_sector = critical_roles.unit_sector
            and employees.position_type = critical_roles.position_type
),

merit as (
    select
        assessed.*,
        coalesce(
            assessed.skp_rank_last_year <= {{ parameter('merit_max_skp_rank') }}
            and (
                {{ parameter('merit_skp_years') }} < 2
                or assessed.skp_rank_year_before <= {{ parameter('merit_max_skp_rank') }}
            ),
            false
        ) as meets_skp_rule,
        coalesce(last_year.meets_20_jp, false) as met_20_jp_last_year,
        coalesce(assessed.years_in_golongan >= {{ parameter('merit_min_years_in_golongan') }}, false)
            as meets_golongan_time,
        (
            assessed.discipline_sanction = 'none'
            or {{ dbt.datediff('assessed.discipline_date', 'assessed.snapshot_date', 'day') }} / 365.25
            >= {{ parameter('merit_sanction_free_years') }}
        ) as sanction_free,
        next_golongan.golongan as next_golongan
    from assessed
    left join employee_year as last_year
        on
            assessed.region = last_year.region
            and assessed.employee_key = last_year.employee_key
            and assessed.snapshot_year - 1 = last_year.calendar_year
    left join golongan as current_golongan on assessed.golongan = current_golongan.golongan
    left join golongan as next_golongan on current_golongan.golongan_order + 1 = next_golongan.golongan_order
)

select
    cast(employee_key as varchar) as employee_key,
    cast(region as varchar) as region,
    cast(unit_code as varchar) as unit_code,
    cast(unit_sector as varchar) as unit_sector,
    cast(employment_type as varchar) as employment_type,
    cast(position_type as varchar) as position_type,
    cast(golongan as varchar) as golongan,
    cast(education_level as varchar) as education_level,
    cast(education_field as varchar) as education_field,
    cast(education_sector as varchar) as education_sector,
    cast(fit as varchar) as fit,
    cast(
        required_education_sector is not null and fit <> 'not_assessed'
        and education_sector <> required_education_sector as boolean
    ) as is_critical_mismatch,
    cast(round(years_in_position, 2) as decimal(6, 2)) as years_in_position,
    cast(round(years_in_golongan, 2) as decimal(6, 2)) as years_in_golongan,
    cast(skp_rating_last_year as varchar) as skp_rating_last_year,
    cast(skp_rating_year_before as varchar) as skp_rating_year_before,
    cast(meets_skp_rule as boolean) as meets_skp_rule,
    cast(met_20_jp_last_year as boolean) as met_20_jp_last_year,
    cast(meets_golongan_time as boolean) as meets_golongan_time,
    cast(sanction_free as boolean) as sanction_free,
    cast(next_golongan as varchar) as next_golongan,
    -- Promotion-eligible: every rule met, and a higher golongan exists (PNS only: PPPK have no golongan).
    cast(
        meets_skp_rule and met_20_jp_last_year and meets_golongan_time and sanction_free
        and next_golongan is not null as boolean
    ) as is_merit_eligible,
    cast(snapshot_date as date) as snapshot_date
from merit
