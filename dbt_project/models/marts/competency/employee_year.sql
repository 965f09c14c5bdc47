{%- set category_groups = ['leadership', 'functional', 'technical', 'socio_cultural', 'seminar_workshop'] -%}
-- One row per civil servant of the current snapshot and calendar year, from the region's first training year to
-- its snapshot year: JP (passed courses) in total and by kind, the 20 JP rule, and the IP ASN dimensions that rest on
-- qualification and training (kualifikasi, kompetensi). People with no training that year are here with 0 JP. The
-- SKP predikat, discipline and the whole IP ASN score are per-person performance data: restricted.employee_performance
-- (HR agency only) adds them; unit_year counts them.
-- Incremental by person (macros/change_scope.sql): a build recomputes the people whose personnel or training rows a
-- load brought or ended since the model's watermark, and every person of a region whose span of years moved.
{{ config(
    materialized='incremental',
    incremental_strategy='change_scope',
    unique_key=['region', 'employee_key'],
    on_schema_change='fail',
    pre_hook="{{ prepare_people_scope(['simpeg.personnel', 'diklat.training']) }}",
) }}

with

all_employees as (
    select * from {{ ref('int_simpeg__employees') }}
),

all_training as (
    select * from {{ ref('training_records') }}
),

training_categories as (
    select * from {{ ref('training_categories') }}
),

ip_asn_scores as (
    select * from {{ ref('ip_asn_scores') }}
),

ip_asn_dimensions as (
    select * from {{ ref('ip_asn_dimensions') }}
),

snapshots as (
    select
        region,
        max(snapshot_year) as snapshot_year
    from all_employees
    group by region
),

first_training_years as (
    select
        region,
        min(training_year) as first_training_year
    from all_training
    group by region
),

calendar_years as (
    select distinct calendar_year from {{ ref('dim_date') }}
),

region_years as (
    select
        snapshots.region,
        snapshots.snapshot_year,
        calendar_years.calendar_year
    from snapshots
    left join first_training_years on snapshots.region = first_training_years.region
    inner join calendar_years
        on
            calendar_years.calendar_year
            between coalesce(
                first_training_years.first_training_year, snapshots.snapshot_year
            ) and snapshots.snapshot_year
),

{% if is_incremental() %}
    -- Regions whose span of years moved (a new snapshot year, an earlier first training year): every person in them.
    computed_spans as (
        select
            region,
            min(calendar_year) as first_year,
            max(calendar_year) as last_year
        from region_years
        group by region
    ),

    built_spans as (
        select
            region,
            min(calendar_year) as first_year,
            max(calendar_year) as last_year
        from {{ this }}
        group by region
    ),

    moved_spans as (
        select coalesce(computed_spans.region, built_spans.region) as region
        from computed_spans
        full outer join built_spans on computed_spans.region = built_spans.region
        where
            computed_spans.first_year is distinct from built_spans.first_year
            or computed_spans.last_year is distinct from built_spans.last_year
    ),
{% endif %}

employees as (
    select all_employees.*
    from all_employees
    {% if is_incremental() %}
        where
            all_employees.region in (select moved_spans.region from moved_spans)
            or exists (
                select 1 from {{ this.identifier }}__change_scope as change_scope
                where change_scope.region = all_employees.region and change_scope.nip = all_employees.nip
            )
    {% endif %}
),

training as (
    select all_training.*
    from all_training
    {% if is_incremental() %}
        where
            all_training.region in (select moved_spans.region from moved_spans)
            or exists (
                select 1 from {{ this.identifier }}__change_scope as change_scope
                where
                    change_scope.region = all_training.region
                    and change_scope.employee_key = all_training.employee_key
            )
    {% endif %}
),

categorised as (
    select
        training.*,
        training_categories.category_group,
        training_categories.ip_asn_item
    from training
    left join training_categories on training.category = training_categories.category
),

training_years as (
    select
        region,
        employee_key,
        training_year,
        count(*) as trainings_attended,
        sum(case when counts_toward_jp then 1 else 0 end) as trainings_passed,
        sum(case when counts_toward_jp then jp else 0 end) as jp_total,
        {% for group in category_groups %}
            sum(case when counts_toward_jp and category_group = '{{ group }}' then jp else 0 end) as jp_{{ group }},
        {% endfor %}
        sum(case when counts_toward_jp and is_ict then jp else 0 end) as jp_ict,
        sum(case when is_inter_agency then 1 else 0 end) as inter_agency_trainings,
        sum(jp) as jp_attended,
        sum(cost_idr) as cost_idr
    from categorised
    group by region, employee_key, training_year
),

-- IP ASN kompetensi: each kind of development passed in the year earns its item once; technical training only
-- with 20 JP of it (the yearly entitlement, from platform_parameters).
competency_items as (
    select
        earned.region,
        earned.employee_key,
        earned.training_year,
        least(sum(ip_asn_scores.score), max(ip_asn_dimensions.weight)) as kompetensi_score
    from (
        select
            region,
            employee_key,
            training_year,
            ip_asn_item,
            sum(jp) as jp
        from categorised
        where counts_toward_jp and ip_asn_item is not null
        group by region, employee_key, training_year, ip_asn_item
    ) as earned
    inner join ip_asn_scores
        on ip_asn_scores.dimension = 'kompetensi' and earned.ip_asn_item = ip_asn_scores.item
    inner join ip_asn_dimensions on ip_asn_dimensions.dimension = 'kompetensi'
    where earned.ip_asn_item <> 'technical_training_20_jp' or earned.jp >= {{ parameter('min_training_jp_per_year') }}
    group by earned.region, earned.employee_key, earned.training_year
),

employee_years as (
    select
        employees.*,
        region_years.calendar_year
    from employees
    inner join region_years on employees.region = region_years.region
),

scored as (
    select
        employee_years.*,
        coalesce(training_years.trainings_attended, 0) as trainings_attended,
        coalesce(training_years.trainings_passed, 0) as trainings_passed,
        coalesce(training_years.jp_total, 0) as jp_total,
        {% for group in category_groups %}
            coalesce(training_years.jp_{{ group }}, 0) as jp_{{ group }},
        {% endfor %}
        coalesce(training_years.jp_ict, 0) as jp_ict,
        coalesce(training_years.inter_agency_trainings, 0) as inter_agency_trainings,
        coalesce(training_years.jp_attended, 0) as jp_attended,
        coalesce(training_years.cost_idr, 0) as cost_idr,
        coalesce(kualifikasi.score, 0) as kualifikasi_score,
        coalesce(competency_items.kompetensi_score, 0) as kompetensi_score
    from employee_years
    left join training_years
        on
            employee_years.region = training_years.region
            and employee_years.employee_key = training_years.employee_key
            and employee_years.calendar_year = training_years.training_year
    left join competency_items
        on
            employee_years.region = competency_items.region
            and employee_years.employee_key = competency_items.employee_key
            and employee_years.calendar_year = competency_items.training_year
    left join ip_asn_scores as kualifikasi
        on kualifikasi.dimension = 'kualifikasi' and employee_years.education_level = kualifikasi.item
),

totalled as (
    select
        scored.*,
        sum(scored.trainings_attended) over (
            partition by scored.region, scored.employee_key
            order by scored.calendar_year rows between unbounded preceding and current row
        ) as trainings_to_date
    from scored
)

select
    cast(totalled.employee_key as varchar) as employee_key,
    cast(totalled.region as varchar) as region,
    cast(totalled.calendar_year as integer) as calendar_year,
    cast(totalled.unit_code as varchar) as unit_code,
    cast(totalled.employment_type as varchar) as employment_type,
    cast(totalled.status as varchar) as status,
    cast(totalled.trainings_attended as integer) as trainings_attended,
    cast(totalled.trainings_passed as integer) as trainings_passed,
    cast(totalled.jp_total as integer) as jp_total,
    {% for group in category_groups %}
        cast(totalled.jp_{{ group }} as integer) as jp_{{ group }},
    {% endfor %}
    cast(totalled.jp_ict as integer) as jp_ict,
    cast(totalled.jp_total >= {{ parameter('min_training_jp_per_year') }} as boolean) as meets_20_jp,
    cast(
        greatest({{ parameter('min_training_jp_per_year') }} - totalled.jp_total, 0) as integer
    ) as jp_short_of_20,
    cast(totalled.trainings_to_date = 0 as boolean) as never_trained,
    cast(totalled.inter_agency_trainings as integer) as inter_agency_trainings,
    cast(totalled.jp_attended as integer) as jp_attended,
    cast(totalled.cost_idr as bigint) as cost_idr,
    cast(totalled.kualifikasi_score as integer) as ip_asn_kualifikasi,
    cast(totalled.kompetensi_score as integer) as ip_asn_kompetensi
from totalled
