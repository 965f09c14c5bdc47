with

personnel as (
    {{ current_delivered_rows('personnel', ['nip']) }}
)

select
    nip,
    full_name,
    birth_date,
    gender,
    employment_type,
    golongan,
    unit_code,
    unit_name,
    education_level,
    status,
    _region as region,
    _snapshot_date as snapshot_date,
    _delivery_date as delivery_date,
    _load_id as load_id
from personnel
