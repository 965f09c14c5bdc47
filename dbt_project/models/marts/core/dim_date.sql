-- Every day from the earliest date the sources can hold (a 2000 appointment) to the end of next decade: small
-- (13,000 rows), and a join never falls off its end.
with

days as (
    select cast(spine.day as date) as date_day
    from range(date '2000-01-01', date '2036-01-01', interval 1 day) as spine (day)
)

select
    date_day,
    cast(year(date_day) as integer) as calendar_year,
    cast(quarter(date_day) as integer) as calendar_quarter,
    cast(year(date_day) || '-Q' || quarter(date_day) as varchar) as year_quarter,
    cast(month(date_day) as integer) as calendar_month,
    cast(strftime(date_day, '%Y-%m') as varchar) as calendar_year_month,
    cast(isodow(date_day) as integer) as iso_day_of_week,
    cast(isodow(date_day) >= 6 as boolean) as is_weekend
from days
