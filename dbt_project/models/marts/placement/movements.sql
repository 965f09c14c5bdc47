-- Movements between deliveries, counted from the placement snapshot's full detail
-- (restricted.placement_history_detail, exact dates; analysts' placement_history has months): one row per region,
-- quarter (of the delivery that first showed the change), movement type and from/to unit. Transfers (mutasi) change
-- unit; promotions raise the golongan; position changes keep the unit; exits leave active status.
with

history as (
    select * from {{ ref('placement_history_detail') }}
    where version_number > 1
),

movement_types as (
    select 'transfer' as movement_type
    union all
    select 'promotion'
    union all
    select 'position_change'
    union all
    select 'exit'
),

-- One row per movement a version shows: a transfer can come with a promotion.
typed as (
    select
        history.region,
        history.unit_code,
        history.previous_unit_code,
        history.valid_from,
        movement_types.movement_type
    from history
    cross join movement_types
    where
        case movement_types.movement_type
            when 'transfer' then history.is_transfer
            when 'promotion' then history.is_promotion
            when 'position_change' then history.is_position_change and not history.is_transfer
            when 'exit' then history.is_status_change and history.previous_status = 'active'
        end
)

select
    cast(typed.region as varchar) as region,
    cast(dim_date.year_quarter as varchar) as year_quarter,
    cast(typed.movement_type as varchar) as movement_type,
    cast(typed.previous_unit_code as varchar) as from_unit_code,
    cast(typed.unit_code as varchar) as to_unit_code,
    cast(count(*) as bigint) as movements,
    cast(min(typed.valid_from) as date) as first_seen,
    cast(max(typed.valid_from) as date) as last_seen
from typed
inner join {{ ref('dim_date') }} as dim_date on typed.valid_from = dim_date.date_day
group by typed.region, dim_date.year_quarter, typed.movement_type, typed.previous_unit_code, typed.unit_code
