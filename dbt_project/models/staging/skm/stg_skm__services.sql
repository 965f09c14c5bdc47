with

services as (
    {{ current_delivered_rows('skm', 'services', ['unit_code', 'service_name']) }}
)

select
    unit_code,
    service_name,
    yearly_volume,
    _region as region,
    _snapshot_date as snapshot_date,
    _load_id as load_id
from services
