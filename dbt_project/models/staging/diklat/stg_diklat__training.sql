with

training as (
    {{ current_delivered_rows('diklat', 'training', ['nip', 'course_code', 'start_date']) }}
)

select
    nip,
    course_code,
    course_title,
    category,
    topic_tags,
    provider,
    mode,
    start_date,
    end_date,
    jp,
    cost_idr,
    result,
    joint_opd,
    _region as region,
    _delivery_date as delivery_date,
    _load_id as load_id
from training
