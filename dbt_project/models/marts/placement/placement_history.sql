-- The placement snapshot for analysts, pseudonymous and k-anonymous (macros/k_anonymous.sql): built whole each build
-- from the HR agency's restricted.placement_history_detail, whose exact dates single 98 % of people out. Delivery
-- dates become months; the TMT dates (start of position and of golongan) are left out, as even their years single
-- out most people beside a unit and golongan (employee_fit has years in position in bands); golongan loses its ruang
-- (III, not III/a), as in dim_employee. The change flags come from the full detail, so a promotion within a roman
-- numeral (III/a to III/b) still shows. Not incremental: a class's size depends on other people's rows.
with

detail as (
    select * from {{ ref('placement_history_detail') }}
),

generalised as (
    select
        cast(employee_key as varchar) as employee_key,
        cast(region as varchar) as region,
        cast(version_number as integer) as version_number,
        cast(unit_code as varchar) as unit_code,
        cast(position_type as varchar) as position_type,
        cast(split_part(golongan, '/', 1) as varchar) as golongan,
        cast(status as varchar) as status,
        cast(date_trunc('month', valid_from) as date) as valid_from_month,
        cast(date_trunc('month', valid_to) as date) as valid_to_month,
        cast(is_current as boolean) as is_current,
        cast(previous_unit_code as varchar) as previous_unit_code,
        cast(split_part(previous_golongan, '/', 1) as varchar) as previous_golongan,
        cast(previous_status as varchar) as previous_status,
        cast(is_transfer as boolean) as is_transfer,
        cast(is_position_change as boolean) as is_position_change,
        cast(is_promotion as boolean) as is_promotion,
        cast(is_status_change as boolean) as is_status_change
    from detail
)

select * from (
    {{ k_anonymous('generalised', quasi_identifiers()) }}
) as anonymous
