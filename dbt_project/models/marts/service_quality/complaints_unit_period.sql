-- Incremental by unit and quarter (macros/change_scope.sql): a build recomputes the groups a complaint a load brought
-- or ended since the model's watermark falls in (the old group and the new one, if it moved).
{{ config(
    materialized='incremental',
    incremental_strategy='change_scope',
    unique_key=['region', 'unit_code', 'quarter_start'],
    on_schema_change='fail',
    pre_hook="{{ prepare_change_scope({'pengaduan.complaints': {
        'unit_code': 'unit_code', 'quarter_start': quarter_start('received_at'),
    }}) }}",
) }}

with

complaints as (
    select
        received.region,
        received.unit_code,
        received.channel,
        received.status,
        {{ quarter_start('received.received_at') }} as quarter_start,
        case
            when received.status = 'resolved' and received.resolved_at is not null
                then {{ days_between('received.received_at', 'received.resolved_at') }}
        end as days_to_resolve,
        case
            when received.first_response_at is not null
                then {{ days_between('received.received_at', 'received.first_response_at') }}
        end as days_to_first_response
    from {{ ref('stg_pengaduan__complaints') }} as received
    {% if is_incremental() %}
        inner join {{ this.identifier }}__change_scope as change_scope
            on
                received.region = change_scope.region
                and received.unit_code = change_scope.unit_code
                and {{ quarter_start('received.received_at') }} = change_scope.quarter_start
    {% endif %}
),

-- Per quarter of receipt; the handling times of a quarter's complaints, however late they were handled.
unit_quarters as (
    select
        region,
        unit_code,
        quarter_start,
        count(*) as complaints,
        {%- for channel in var('complaint_channels') %}
            sum(case when channel = '{{ channel }}' then 1 else 0 end) as complaints_{{ channel }},
        {%- endfor %}
        sum(case when status = 'resolved' then 1 else 0 end) as resolved,
        {{ percentile('days_to_resolve', 0.5) }} as median_days_to_resolve,
        {{ percentile('days_to_resolve', 0.9) }} as p90_days_to_resolve,
        {{ percentile('days_to_first_response', 0.5) }} as median_days_to_first_response
    from complaints
    group by region, unit_code, quarter_start
)

select
    cast(region as varchar) as region,
    cast(unit_code as varchar) as unit_code,
    cast({{ year_quarter('quarter_start') }} as varchar) as year_quarter,
    cast(quarter_start as date) as quarter_start,
    cast(complaints as bigint) as complaints,
    {%- for channel in var('complaint_channels') %}
        cast(complaints_{{ channel }} as bigint) as complaints_{{ channel }},
    {%- endfor %}
    cast(resolved as bigint) as resolved,
    cast(round(cast(100.0 * resolved / complaints as decimal(18, 6)), 2) as decimal(5, 2)) as share_resolved_pct,
    -- Days to 4 decimals (about 9 seconds), clear of the interpolation's floating-point noise (7.6000000000000005).
    cast(round(cast(median_days_to_resolve as decimal(18, 6)), 4) as decimal(10, 4)) as median_days_to_resolve,
    cast(round(cast(p90_days_to_resolve as decimal(18, 6)), 4) as decimal(10, 4)) as p90_days_to_resolve,
    cast(round(cast(median_days_to_first_response as decimal(18, 6)), 4) as decimal(10, 4))
        as median_days_to_first_response
from unit_quarters
