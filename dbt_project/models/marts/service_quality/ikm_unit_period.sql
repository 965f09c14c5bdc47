{#- One nrr_<element> column per element of the ikm_elements seed. -#}
{%- set elements = ikm_elements() -%}

with

element_sums as (
    select * from {{ ref('int_skm__element_sums') }}
),

elements as (
    select * from {{ ref('ikm_elements') }}
),

services as (
    select * from {{ ref('stg_skm__services') }}
),

bands as (
    {{ ikm_band_bounds() }}
),

settings as (
    select
        {{ parameter('ikm_sample_chi_square') }} as chi_square,
        {{ parameter('ikm_sample_proportion') }} as proportion,
        {{ parameter('ikm_sample_margin') }} as margin,
        {{ parameter('ikm_drift_warning_points') }} as drift_warning_points
),

-- NRR per element = score sum / respondents (PermenPANRB 14/2017).
element_nrr as (
    select
        element_sums.region,
        element_sums.unit_code,
        element_sums.service_name,
        element_sums.quarter_start,
        element_sums.element,
        element_sums.respondents,
        elements.weight,
        cast(element_sums.score_sum as double) / element_sums.respondents as nrr
    from element_sums
    inner join elements on element_sums.element = elements.element
),

-- IKM = sum(NRR x weight) x scale factor, from the unrounded NRRs.
periods as (
    select
        element_nrr.region,
        element_nrr.unit_code,
        element_nrr.service_name,
        element_nrr.quarter_start,
        max(element_nrr.respondents) as respondents,
        {%- for element in elements %}
            max(case when element_nrr.element = '{{ element.element }}' then element_nrr.nrr end)
                as nrr_{{ element.element }},
        {%- endfor %}
        {{ ikm_index('sum(element_nrr.nrr * element_nrr.weight)') }} as ikm
    from element_nrr
    group by element_nrr.region, element_nrr.unit_code, element_nrr.service_name, element_nrr.quarter_start
),

-- Krejcie & Morgan minimum sample from the quarter's population: a quarter of the service's yearly volume.
samples as (
    select
        services.region,
        services.unit_code,
        services.service_name,
        services.yearly_volume,
        ceil(cast(
            settings.chi_square * (services.yearly_volume / 4.0) * settings.proportion * (1 - settings.proportion)
            / (
                settings.margin * settings.margin * (services.yearly_volume / 4.0 - 1)
                + settings.chi_square * settings.proportion * (1 - settings.proportion)
            )
            as decimal(18, 6)
        )) as minimum_sample
    from services
    cross join settings
),

rated as (
    select
        periods.*,
        bands.mutu,
        bands.kinerja,
        samples.yearly_volume,
        samples.minimum_sample
    from periods
    left join bands
        on {{ in_ikm_band('periods.ikm', 'bands') }}
    left join samples
        on
            periods.region = samples.region
            and periods.unit_code = samples.unit_code
            and periods.service_name = samples.service_name
)

select
    cast(rated.region as varchar) as region,
    cast(rated.unit_code as varchar) as unit_code,
    cast(rated.service_name as varchar) as service_name,
    cast({{ year_quarter('rated.quarter_start') }} as varchar) as year_quarter,
    cast(rated.quarter_start as date) as quarter_start,
    cast(rated.respondents as bigint) as respondents,
    {%- for element in elements %}
        cast(round(cast(rated.nrr_{{ element.element }} as decimal(18, 6)), 4) as decimal(6, 4))
            as nrr_{{ element.element }},
    {%- endfor %}
    cast(rated.ikm as decimal(5, 2)) as ikm,
    cast(rated.mutu as varchar) as mutu,
    cast(rated.kinerja as varchar) as kinerja,
    cast(rated.yearly_volume as bigint) as yearly_service_volume,
    cast(rated.minimum_sample as bigint) as minimum_sample,
    -- Flagged, not hidden; unknown (empty) for a service missing from the region's list of services.
    cast(rated.respondents >= rated.minimum_sample as boolean) as is_sample_adequate,
    cast(previous.ikm as decimal(5, 2)) as previous_quarter_ikm,
    cast(rated.ikm - previous.ikm as decimal(6, 2)) as ikm_change,
    cast(coalesce(abs(rated.ikm - previous.ikm) > settings.drift_warning_points, false) as boolean)
        as is_drift_warning
from rated
cross join settings
-- The same unit and service in the calendar quarter just before (none if it had no responses then).
left join periods as previous
    on
        rated.region = previous.region
        and rated.unit_code = previous.unit_code
        and rated.service_name = previous.service_name
        and {{ previous_quarter_start('rated.quarter_start') }} = previous.quarter_start
