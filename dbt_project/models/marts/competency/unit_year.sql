-- One row per unit and calendar year: are its active people trained? Headcount, the share meeting 20 JP, JP per
-- person, the ICT and inter-agency shares, cost, the IP ASN distribution and the people never trained. Built from
-- employee_year, so every figure counts the same people (the current snapshot's active staff in their unit now).
with

-- The IP ASN score per person is the HR agency's (restricted.employee_performance): counted here, never shown.
employee_year as (
    select
        employee_year.*,
        performance.ip_asn_score,
        performance.ip_asn_band
    from {{ ref('employee_year') }} as employee_year
    inner join {{ ref('employee_performance') }} as performance
        on
            employee_year.region = performance.region
            and employee_year.employee_key = performance.employee_key
            and employee_year.calendar_year = performance.calendar_year
    where employee_year.status = 'active'
),

units as (
    select
        region,
        unit_code,
        calendar_year,
        count(*) as active_headcount,
        sum(case when meets_20_jp then 1 else 0 end) as meeting_20_jp,
        sum(jp_total) as jp_total,
        sum(jp_ict) as jp_ict,
        sum(case when jp_ict > 0 then 1 else 0 end) as trained_in_ict,
        sum(trainings_attended) as trainings_attended,
        sum(inter_agency_trainings) as inter_agency_trainings,
        sum(jp_attended) as jp_attended,
        sum(cost_idr) as cost_idr,
        sum(jp_short_of_20) as jp_short_of_20,
        sum(case when never_trained then 1 else 0 end) as never_trained,
        avg(ip_asn_score) as ip_asn_mean,
    {% for band in ['Sangat Tinggi', 'Tinggi', 'Sedang', 'Rendah', 'Sangat Rendah'] %}
        sum(case when ip_asn_band = '{{ band }}' then 1 else 0 end)
            as ip_asn_{{ band | lower | replace(' ', '_') }}{{ "," if not loop.last }}
    {% endfor %}
    from employee_year
    group by region, unit_code, calendar_year
)

select
    cast(region as varchar) as region,
    cast(unit_code as varchar) as unit_code,
    cast(calendar_year as integer) as calendar_year,
    cast(active_headcount as bigint) as active_headcount,
    cast(meeting_20_jp as bigint) as meeting_20_jp,
    cast(round(100.0 * meeting_20_jp / active_headcount, 2) as decimal(5, 2)) as meeting_20_jp_pct,
    cast(round(1.0 * jp_total / active_headcount, 2) as decimal(8, 2)) as mean_jp,
    cast(jp_total as bigint) as jp_total,
    cast(jp_short_of_20 as bigint) as jp_short_of_20,
    cast(round(100.0 * jp_ict / nullif(jp_total, 0), 2) as decimal(5, 2)) as ict_jp_pct,
    cast(round(100.0 * trained_in_ict / active_headcount, 2) as decimal(5, 2)) as trained_in_ict_pct,
    cast(trainings_attended as bigint) as trainings_attended,
    cast(round(100.0 * inter_agency_trainings / nullif(trainings_attended, 0), 2) as decimal(5, 2))
        as inter_agency_pct,
    cast(jp_attended as bigint) as jp_attended,
    cast(cost_idr as bigint) as training_cost_idr,
    cast(round(1.0 * cost_idr / nullif(jp_attended, 0), 0) as bigint) as cost_per_jp_idr,
    cast(never_trained as bigint) as never_trained,
    cast(round(ip_asn_mean, 2) as decimal(5, 2)) as ip_asn_mean,
    cast(ip_asn_sangat_tinggi as bigint) as ip_asn_sangat_tinggi,
    cast(ip_asn_tinggi as bigint) as ip_asn_tinggi,
    cast(ip_asn_sedang as bigint) as ip_asn_sedang,
    cast(ip_asn_rendah as bigint) as ip_asn_rendah,
    cast(ip_asn_sangat_rendah as bigint) as ip_asn_sangat_rendah
from units
