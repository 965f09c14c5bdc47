with

complaints as (
    {{ current_delivered_rows('pengaduan', 'complaints', ['complaint_id']) }}
)

select
    complaint_id,
    unit_code,
    channel,
    category,
    received_at,
    first_response_at,
    resolved_at,
    status,
    _region as region,
    _delivery_date as delivery_date,
    _load_id as load_id
from complaints
