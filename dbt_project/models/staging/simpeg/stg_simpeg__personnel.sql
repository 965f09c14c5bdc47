with

personnel as (
    {{ current_delivered_rows('simpeg', 'personnel', ['nip']) }}
)

select
    nip,
    full_name,
    birth_date,
    gender,
    employment_type,
    golongan,
    golongan_start,
    position_title,
    position_type,
    position_start,
    unit_code,
    unit_name,
    education_level,
    education_field,
    skp_rating_last_year,
    skp_rating_year_before,
    discipline_sanction,
    discipline_date,
    oap_status,
    status,
    _region as region,
    _snapshot_date as snapshot_date,
    _delivery_date as delivery_date,
    _load_id as load_id
from personnel
