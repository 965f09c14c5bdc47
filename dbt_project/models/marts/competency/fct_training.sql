with

training as (
    select * from {{ ref('stg_diklat__training') }}
),

personnel as (
    select * from {{ ref('stg_simpeg__personnel') }}
)

select
    cast({{ pseudonymise('training.nip') }} as varchar) as employee_key,
    cast(training.region as varchar) as region,
    -- The participant's unit now (the training record does not say where they worked then).
    cast(personnel.unit_code as varchar) as unit_code,
    cast(training.course_code as varchar) as course_code,
    cast(training.course_title as varchar) as course_title,
    cast(training.category as varchar) as category,
    cast(coalesce(string_split(training.topic_tags, ';'), []) as varchar[]) as topics,
    cast(list_contains(topics, 'digital_ict') as boolean) as is_ict,
    cast(training.provider as varchar) as training_provider,
    cast(training.mode as varchar) as delivery_mode,
    cast(training.start_date as date) as start_date,
    cast(training.end_date as date) as end_date,
    cast(year(training.end_date) as integer) as training_year,
    cast(training.jp as integer) as jp,
    cast(training.cost_idr as bigint) as cost_idr,
    cast(training.result as varchar) as result,
    -- Only a course passed counts toward the yearly JP entitlement.
    cast(training.result = 'passed' as boolean) as counts_toward_jp,
    cast(training.joint_opd as boolean) as is_inter_agency
from training
left join personnel on training.region = personnel.region and training.nip = personnel.nip
