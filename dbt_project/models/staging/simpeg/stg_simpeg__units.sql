with

units as (
    {{ current_delivered_rows('simpeg', 'units', ['unit_code']) }}
)

select
    unit_code,
    unit_name,
    sector,
    _region as region,
    _snapshot_date as snapshot_date,
    _load_id as load_id
from units
