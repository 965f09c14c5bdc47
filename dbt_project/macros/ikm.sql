{#-
    The IKM rules of PermenPANRB 14/2017 in one place, for every model that computes an index.

    `ikm_index(weighted_nrr_sum)`: IKM = Σ(NRR × weight) × the scale factor (platform_parameters), rounded half up
    to 2 decimals from a fixed-point value (58.275 is 58.27499999999999 as a double).
-#}
{% macro ikm_index(weighted_nrr_sum) -%}
    round(cast({{ weighted_nrr_sum }} * {{ parameter('ikm_scale_factor') }} as decimal(18, 6)), 2)
{%- endmacro %}

{#-
    `ikm_band_bounds()`: the ikm_bands seed as half-open ranges. A band is every IKM from its lower bound up to the
    next band's; the lowest band also takes the values under its bound (25 × the weights: 24.975 with 0.111).
    `in_ikm_band(ikm, bands)`: the join condition of a rounded IKM to its band.
-#}
{% macro ikm_band_bounds() -%}
    select
        mutu,
        kinerja,
        ikm_min,
        lead(ikm_min) over (order by ikm_min) as next_ikm_min,
        ikm_min = min(ikm_min) over () as is_lowest
    from {{ ref('ikm_bands') }}
{%- endmacro %}

{% macro in_ikm_band(ikm, bands) -%}
    ({{ ikm }} >= {{ bands }}.ikm_min or {{ bands }}.is_lowest)
    and ({{ ikm }} < {{ bands }}.next_ikm_min or {{ bands }}.next_ikm_min is null)
{%- endmacro %}
