{#-
    k-anonymity of a per-person mart of the pseudonymous tier (UU 27/2022; docs/architecture.md, Privacy): every row
    of `relation` whose quasi-identifiers (the mart's yml meta `quasi_identifiers`) put it among fewer than k people
    of its region (platform_parameters k_anonymity_min) has them suppressed: set to NULL, and `qi_suppressed` true.
    `kept` quasi-identifiers are never suppressed (a status the headcounts rest on): the classes are counted within
    them. When the suppressed rows of a region and kept values would be fewer than k people themselves, the next
    smallest classes are suppressed with them until they are not. Publishing measures k again (serving/disclosure.py)
    and refuses a mart below it.
-#}
{% macro k_anonymous(relation, quasi_identifiers, kept=[], person='employee_key') -%}
    {%- set suppressible = quasi_identifiers | reject('in', kept) | list -%}
    {%- set partition = ['region'] + kept -%}
    {%- set suppressed_columns = [] -%}
    {%- for column in suppressible -%}
        {%- do suppressed_columns.append(
            'case when suppressed.region is null then ' ~ relation ~ '.' ~ column ~ ' end as ' ~ column
        ) -%}
    {%- endfor -%}
    {%- set same_class = [] -%}
    {%- for column in partition + suppressible -%}
        {%- do same_class.append(relation ~ '.' ~ column ~ ' is not distinct from suppressed.' ~ column) -%}
    {%- endfor -%}
    with

    classes as (
        select
            {{ (partition + suppressible) | join(', ') }},
            count(distinct {{ person }}) as class_size
        from {{ relation }}
        group by all
    ),

    ranked as (
        select
            *,
            sum(class_size) over (
                partition by {{ partition | join(', ') }}
                order by class_size, {{ suppressible | join(', ') }}
                rows between unbounded preceding and current row
            ) - class_size as smaller_people,
            sum(case when class_size < {{ parameter('k_anonymity_min') }} then class_size else 0 end)
                over (partition by {{ partition | join(', ') }}) as people_in_small_classes
        from classes
    ),

    suppressed as (
        select {{ (partition + suppressible) | join(', ') }}
        from ranked
        where
            class_size < {{ parameter('k_anonymity_min') }}
            or (people_in_small_classes > 0 and smaller_people < {{ parameter('k_anonymity_min') }})
    )

    select
        {{ relation }}.* replace ({{ suppressed_columns | join(', ') }}),
        suppressed.region is not null as qi_suppressed
    from {{ relation }}
    left join suppressed on {{ same_class | join(' and ') }}
{%- endmacro %}

{#- The quasi-identifiers the calling model's yml declares (config.meta.quasi_identifiers): one place says them. -#}
{% macro quasi_identifiers() -%}
    {#- While dbt parses, config.get gives no mapping yet: nothing to render then. -#}
    {%- set meta = config.get('meta') -%}
    {{ return(meta.get('quasi_identifiers', []) if meta is mapping else []) }}
{%- endmacro %}
