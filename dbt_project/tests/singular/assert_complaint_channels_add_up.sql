-- Every complaint is counted in one channel column of complaints_unit_period: the `complaint_channels` var lists
-- every channel the data contract allows. Rows returned are the unit quarters whose channel columns do not add up
-- to their complaints (a channel missing from the var).
select
    region,
    unit_code,
    quarter_start,
    complaints
from {{ ref('complaints_unit_period') }}
where complaints <> (
    {%- for channel in var('complaint_channels') %}
        complaints_{{ channel }}{{ " +" if not loop.last }}
    {%- endfor %}
)
