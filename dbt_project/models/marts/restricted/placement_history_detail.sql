-- The placement snapshot in full detail, the HR agency's (hr_restricted.duckdb only): SCD type 2 over deliveries.
-- Every version of every personnel row raw keeps (what each full extract and delta changed, with the delivery that
-- brought it and the one that ended it) is replayed in delivery order; a new version starts whenever a person's
-- unit, position, golongan or status differs from the version before. Derived from raw rather than kept by a dbt
-- snapshot, so it is the same however often dbt ran, and a rebuild or backfill gives it back exactly. Incremental by
-- person (macros/change_scope.sql): a build replays the people a load brought or ended a personnel version of since
-- the model's watermark. Its exact TMT and delivery dates single nearly everyone out, so analysts get
-- placement.placement_history, generalised and k-anonymous, built from this one whole each build.
{{ config(
    materialized='incremental',
    incremental_strategy='change_scope',
    unique_key=['region', 'employee_key'],
    on_schema_change='fail',
    pre_hook="{{ prepare_people_scope(['simpeg.personnel']) }}",
) }}

with

delivered as (
    select history.*
    from ({{ delivered_row_history('simpeg', 'personnel') }}) as history
    {% if is_incremental() %}
        inner join {{ this.identifier }}__change_scope as change_scope
            on history._region = change_scope.region and history.nip = change_scope.nip
    {% endif %}
),

-- One row per person and delivery date: on a date with a full extract and a delta, the delta is the later word.
per_delivery as (
    select * from (
        select
            _region as region,
            nip,
            unit_code,
            position_title,
            position_type,
            golongan,
            golongan_start,
            position_start,
            status,
            _delivery_date as delivery_date,
            _ended_date as ended_date,
            row_number() over (
                partition by _region, nip, _delivery_date
                order by case when _delivery_kind = 'delta' then 0 else 1 end, _load_finished_at desc, _source_row desc
            ) as recency
        from delivered
    ) as ranked
    where recency = 1
),

compared as (
    select
        per_delivery.*,
        lag(per_delivery.unit_code) over person as previous_unit_code,
        lag(per_delivery.position_title) over person as previous_position_title,
        lag(per_delivery.golongan) over person as previous_golongan,
        lag(per_delivery.status) over person as previous_status,
        row_number() over person as delivery_number
    from per_delivery
    window person as (partition by per_delivery.region, per_delivery.nip order by per_delivery.delivery_date)
),

changes as (
    select
        compared.*,
        compared.delivery_number > 1
        and {{ is_changed('compared.unit_code', 'compared.previous_unit_code') }} as is_transfer,
        compared.delivery_number > 1
        and {{ is_changed('compared.position_title', 'compared.previous_position_title') }} as is_position_change,
        compared.delivery_number > 1
        and {{ is_changed('compared.golongan', 'compared.previous_golongan') }} as is_golongan_change,
        compared.delivery_number > 1
        and {{ is_changed('compared.status', 'compared.previous_status') }} as is_status_change
    from compared
),

versions as (
    select
        *,
        lead(delivery_date) over (partition by region, nip order by delivery_date) as next_version_from,
        row_number() over (partition by region, nip order by delivery_date) as version_number
    from changes
    where delivery_number = 1 or is_transfer or is_position_change or is_golongan_change or is_status_change
),

-- A person whose last version a full extract ended without a new one was no longer in it: they left the region's
-- records on that delivery.
dropped as (
    select
        region,
        nip,
        ended_date as dropped_on
    from (
        select
            region,
            nip,
            ended_date,
            row_number() over (partition by region, nip order by delivery_date desc) as recency
        from per_delivery
    ) as latest
    where recency = 1 and ended_date is not null
),

golongan as (
    select * from {{ ref('golongan') }}
)

select
    cast({{ pseudonymise('versions.nip') }} as varchar) as employee_key,
    cast(versions.region as varchar) as region,
    cast(versions.version_number as integer) as version_number,
    cast(versions.unit_code as varchar) as unit_code,
    cast(versions.position_type as varchar) as position_type,
    cast(versions.golongan as varchar) as golongan,
    cast(versions.status as varchar) as status,
    cast(versions.position_start as date) as position_start,
    cast(versions.golongan_start as date) as golongan_start,
    cast(versions.delivery_date as date) as valid_from,
    cast(coalesce(versions.next_version_from, dropped.dropped_on) as date) as valid_to,
    cast(versions.next_version_from is null and dropped.dropped_on is null as boolean) as is_current,
    cast(versions.previous_unit_code as varchar) as previous_unit_code,
    cast(versions.previous_golongan as varchar) as previous_golongan,
    cast(versions.previous_status as varchar) as previous_status,
    cast(versions.is_transfer as boolean) as is_transfer,
    cast(versions.is_position_change as boolean) as is_position_change,
    cast(
        versions.is_golongan_change and current_rank.golongan_order > previous_rank.golongan_order as boolean
    ) as is_promotion,
    cast(versions.is_status_change as boolean) as is_status_change
from versions
left join dropped
    on versions.region = dropped.region and versions.nip = dropped.nip and versions.next_version_from is null
left join golongan as current_rank on versions.golongan = current_rank.golongan
left join golongan as previous_rank on versions.previous_golongan = previous_rank.golongan
