-- Every day from the earliest date the sources can hold (a 2000 appointment) to the end of next decade: small
-- (13,000 rows), and a join never falls off its end.
with

days as (
    select cast(date_day as date) as date_day
    from (
        {{ dbt.date_spine('day', "cast('2000-01-01' as date)", "cast('2036-01-01' as date)") }}
    ) as spine
)

select
    date_day,
    cast(extract(year from date_day) as integer) as calendar_year,
    cast(extract(quarter from date_day) as integer) as calendar_quarter,
    cast(
        {{ dbt.concat(["cast(extract(year from date_day) as varchar)", "'-Q'",
                       "cast(extract(quarter from date_day) as varchar)"]) }} as varchar
    ) as year_quarter,
    cast(extract(month from date_day) as integer) as calendar_month,
    cast(
        {{ dbt.concat(["cast(extract(year from date_day) as varchar)", "'-'",
                       "lpad(cast(extract(month from date_day) as varchar), 2, '0')"]) }} as varchar
    ) as calendar_year_month,
    cast({{ iso_day_of_week('date_day') }} as integer) as iso_day_of_week,
    cast({{ iso_day_of_week('date_day') }} >= 6 as boolean) as is_weekend
from days
