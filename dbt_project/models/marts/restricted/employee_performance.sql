-- One row per civil servant and calendar year of competency.employee_year, for the HR agency only: the SKP predikat,
-- discipline and the IP ASN professionalism index with its four dimension scores. Per-person performance data
-- (UU 27/2022): analysts get unit_year's IP ASN distribution, never a person's.
with

employee_year as (
    select * from {{ ref('employee_year') }}
),

employees as (
    select * from {{ ref('int_simpeg__employees') }}
),

ip_asn_scores as (
    select * from {{ ref('ip_asn_scores') }}
),

ip_asn_bands as (
    select * from {{ ref('ip_asn_bands') }}
),

rated as (
    select
        employee_year.employee_key,
        employee_year.region,
        employee_year.calendar_year,
        employee_year.ip_asn_kualifikasi,
        employee_year.ip_asn_kompetensi,
        -- The extract carries the predikat of the last two years; the current year is not rated yet, so it
        -- counts with last year's, as the yearly IP ASN measurement does.
        case
            when employee_year.calendar_year = employees.snapshot_year - 2 then employees.skp_rating_year_before
            when employee_year.calendar_year >= employees.snapshot_year - 1 then employees.skp_rating_last_year
        end as skp_rating,
        case
            when
                employees.discipline_sanction = 'none'
                or extract(year from employees.discipline_date) > employee_year.calendar_year
                then 'never_sanctioned'
            else 'sanctioned'
        end as discipline_state
    from employee_year
    inner join employees
        on employee_year.region = employees.region and employee_year.employee_key = employees.employee_key
),

scored as (
    select
        rated.*,
        -- No predikat on record earns no kinerja points.
        coalesce(kinerja.score, 0) as kinerja_score,
        coalesce(disiplin.score, 0) as disiplin_score
    from rated
    left join ip_asn_scores as kinerja
        on kinerja.dimension = 'kinerja' and rated.skp_rating = kinerja.item
    left join ip_asn_scores as disiplin
        on disiplin.dimension = 'disiplin' and rated.discipline_state = disiplin.item
),

totalled as (
    select
        scored.*,
        scored.ip_asn_kualifikasi + scored.ip_asn_kompetensi + scored.kinerja_score + scored.disiplin_score
            as ip_asn_score
    from scored
)

select
    cast(totalled.employee_key as varchar) as employee_key,
    cast(totalled.region as varchar) as region,
    cast(totalled.calendar_year as integer) as calendar_year,
    cast(totalled.skp_rating as varchar) as skp_rating,
    cast(totalled.discipline_state as varchar) as discipline_state,
    cast(totalled.kinerja_score as integer) as ip_asn_kinerja,
    cast(totalled.disiplin_score as integer) as ip_asn_disiplin,
    cast(totalled.ip_asn_score as integer) as ip_asn_score,
    cast(ip_asn_bands.band as varchar) as ip_asn_band
from totalled
left join ip_asn_bands on totalled.ip_asn_score between ip_asn_bands.min_score and ip_asn_bands.max_score
