with

ranked_load as (
    select
        region,
        load_id,
        delivery_date,
        row_number() over (partition by region order by delivery_date desc, finished_at desc) as recency
    from {{ source('simpeg', 'load_audit') }}
    where dataset = 'personnel' and status = 'loaded'
),

latest_load as (
    select
        region,
        load_id,
        delivery_date
    from ranked_load
    where recency = 1
),

personnel as (
    select * from {{ source('simpeg', 'personnel') }}
)

select
    personnel.nip,
    personnel.full_name,
    personnel.birth_date,
    personnel.gender,
    personnel.employment_type,
    personnel.golongan,
    personnel.unit_code,
    personnel.unit_name,
    personnel.education_level,
    personnel.status,
    personnel._region as region,
    latest_load.delivery_date as snapshot_date,
    personnel._load_id as load_id
from personnel
inner join latest_load on personnel._load_id = latest_load.load_id
