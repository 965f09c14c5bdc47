-- Movements between deliveries, from the placement snapshot: one row per region, quarter (of the delivery that
-- first showed the change), movement type and from/to unit. Transfers (mutasi) change unit; promotions raise the
-- golongan; position changes keep the unit; exits leave active status.
with

history as (
    select * from {{ ref('placement_history') }}
    where version_number > 1
),

typed as (
    select
        region,
        unit_code,
        previous_unit_code,
        valid_from,
        'transfer' as movement_type
    from history
    where is_transfer
    union all
    select
        region,
        unit_code,
        previous_unit_code,
        valid_from,
        'promotion' as movement_type
    from history
    where is_promotion
    union all
    select
        region,
        unit_code,
        previous_unit_code,
        valid_from,
        'position_change' as movement_type
    from history
    where is_position_change and not is_transfer
    union all
    select
        region,
        unit_code,
        previous_unit_code,
        valid_from,
        'exit' as movement_type
    from history
    where is_status_change and previous_status = 'active'
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
