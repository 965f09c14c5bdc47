-- Which units to train first on a limited budget: each region's units in its latest year, ranked by how far their
-- IKM falls below the target (ikm_target, the lower bound of mutu B), then by the weakest IKM, then by the JP their
-- staff still lack (units without survey responses last); the
-- cost of closing each unit's JP gap at the region's own cost per JP, added up in rank order against the yearly
-- budget (training_budget_idr), with the training focus its weakest IKM element calls for.
with

links as (
    select * from {{ ref('service_competency_link') }}
),

unit_year as (
    select * from {{ ref('unit_year') }}
),

latest as (
    select
        region,
        max(calendar_year) as calendar_year
    from unit_year
    group by region
),

region_costs as (
    select
        unit_year.region,
        1.0 * sum(unit_year.training_cost_idr) / nullif(sum(unit_year.jp_attended), 0) as cost_per_jp_idr
    from unit_year
    inner join latest on unit_year.region = latest.region and unit_year.calendar_year = latest.calendar_year
    group by unit_year.region
),

needs as (
    select
        links.region,
        links.unit_code,
        links.calendar_year,
        links.sector,
        links.ikm,
        links.mutu,
        -- greatest() skips NULLs: a unit without responses has no gap to rank by, not a gap of 0.
        case when links.ikm is not null then greatest({{ parameter('ikm_target') }} - links.ikm, 0) end as ikm_gap,
        links.active_headcount,
        unit_year.active_headcount - unit_year.meeting_20_jp as below_20_jp,
        unit_year.jp_short_of_20,
        unit_year.jp_short_of_20 * region_costs.cost_per_jp_idr as estimated_cost_idr,
        links.weakest_element,
        links.recommended_training_focus
    from links
    inner join latest on links.region = latest.region and links.calendar_year = latest.calendar_year
    inner join unit_year
        on
            links.region = unit_year.region
            and links.unit_code = unit_year.unit_code
            and links.calendar_year = unit_year.calendar_year
    left join region_costs on links.region = region_costs.region
),

ranked as (
    select
        needs.*,
        row_number() over (
            partition by needs.region
            order by
                needs.ikm_gap desc nulls last, needs.ikm asc nulls last, needs.jp_short_of_20 desc, needs.unit_code asc
        ) as need_rank
    from needs
),

allocated as (
    select
        ranked.*,
        sum(coalesce(ranked.estimated_cost_idr, 0)) over (
            partition by ranked.region order by ranked.need_rank rows between unbounded preceding and current row
        ) as cumulative_cost_idr
    from ranked
)

select
    cast(region as varchar) as region,
    cast(unit_code as varchar) as unit_code,
    cast(calendar_year as integer) as calendar_year,
    cast(need_rank as integer) as need_rank,
    cast(sector as varchar) as sector,
    cast(ikm as decimal(5, 2)) as ikm,
    cast(mutu as varchar) as mutu,
    cast(round(ikm_gap, 2) as decimal(5, 2)) as ikm_gap,
    cast(active_headcount as bigint) as active_headcount,
    cast(below_20_jp as bigint) as below_20_jp,
    cast(jp_short_of_20 as bigint) as jp_short_of_20,
    cast(round(estimated_cost_idr, 0) as bigint) as estimated_cost_idr,
    cast(round(cumulative_cost_idr, 0) as bigint) as cumulative_cost_idr,
    cast(cumulative_cost_idr <= {{ parameter('training_budget_idr') }} as boolean) as is_funded_within_budget,
    cast(weakest_element as varchar) as weakest_element,
    cast(recommended_training_focus as varchar) as recommended_training_focus
from allocated
