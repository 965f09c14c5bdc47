{#
    Incremental models follow the raw layer's changes (docs/architecture.md, "Incremental models follow the changed
    keys").

    Build state. Every table, incremental model and seed records, when it is built, in `dbt_state.model_builds`:
    - `loaded_through`: the newest load (raw.load_audit.finished_at) its rows reflect. Loads finish in order, so
      this is a watermark: a load finished later is a change the model has not seen. It is never newer than what the
      model's parents reflect, so a model built from a stale parent (`dbt run --select` of the model alone) catches
      up on a later build instead of skipping what its parent had not seen yet.
    - `fingerprint`: a hash of the model's code, of the views it reads through and of its recorded parents'
      fingerprints (a seed's: its file), with a keyed hash of the pseudonym key: a model whose code, seeds or
      upstream code changed, or whose key was rotated, has no valid watermark and is recomputed whole.
    Written by the project-wide post-hook `record_build_state()` inside the model's transaction.

    Change scope. An incremental model's pre-hook (`prepare_change_scope`) writes a temporary table
    `<model>__change_scope` of what changed since its watermark, in the model's own terms (people, or the groups
    their rows fall in); the model reads only its inputs in scope (`inner join {{ this.identifier }}__change_scope`),
    and the `change_scope` incremental strategy deletes every row of the scope's keys, then inserts what the model
    computed (a key that vanished is deleted and not inserted again).
#}

{% macro build_state_relation() -%}
    {{ return(api.Relation.create(database=this.database, schema='dbt_state', identifier='model_builds')) }}
{%- endmacro %}

{% macro ensure_build_state() -%}
    create schema if not exists {{ this.database }}.dbt_state;
    create table if not exists {{ build_state_relation() }} (
        node varchar,
        loaded_through timestamp with time zone,
        fingerprint varchar,
        built_at timestamp with time zone
    )
{%- endmacro %}

{#-
    `build_lineage()`: what the running node is built from, from dbt's graph: its recorded ancestors (tables,
    incremental models, seeds: the nearest ones on each path, through views and ephemeral models), the models among
    them, and the code of the node and of the views and ephemeral models in between.
-#}
{% macro build_lineage() -%}
    {%- set lineage = {'recorded': [], 'models': [], 'code': [model.unique_id ~ '=' ~ model.checksum.checksum]} -%}
    {%- set queue = model.depends_on.get('nodes', []) | list -%}
    {%- set seen = [] -%}
    {%- for node_id in queue if node_id not in seen -%}
        {%- do seen.append(node_id) -%}
        {%- set node = graph.nodes.get(node_id) -%}
        {%- if node is none -%}
            {#- a source: its changes are loads -#}
        {%- elif node.resource_type == 'seed' -%}
            {%- do lineage.recorded.append(node_id) -%}
        {%- elif node.config.materialized in ('table', 'incremental') -%}
            {%- do lineage.recorded.append(node_id) -%}
            {%- do lineage.models.append(node_id) -%}
        {%- else -%}
            {%- do lineage.code.append(node_id ~ '=' ~ node.checksum.checksum) -%}
            {%- do queue.extend(node.depends_on.get('nodes', [])) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(lineage) }}
{%- endmacro %}

{%- macro _sql_list(values) -%}
    {{ return("(" ~ ("'" ~ values | join("', '") ~ "'" if values else "null") ~ ")") }}
{%- endmacro %}

{#- SQL for the running node's fingerprint (NULL while a recorded ancestor has no state). -#}
{% macro build_fingerprint() -%}
    {%- set lineage = build_lineage() -%}
    {%- set key = "|| '|' || " ~ pseudonymise("'build state'") if model.resource_type == 'model' else '' -%}
    (
        select
            case
                when count(parents.fingerprint) = {{ lineage.recorded | length }}
                    then md5(
                        '{{ lineage.code | sort | join(',') }}|'
                        || coalesce(string_agg(parents.node || '=' || parents.fingerprint, ',' order by parents.node), '')
                        {{ key }}
                    )
            end
        from {{ build_state_relation() }} as parents
        where parents.node in {{ _sql_list(lineage.recorded) }}
    )
{%- endmacro %}

{#- SQL for the running node's watermark: the newest load, or older if a parent model reflects less. -#}
{% macro build_loaded_through() -%}
    {%- set lineage = build_lineage() -%}
    {%- if model.resource_type == 'seed' -%}
        {{ return('cast(null as timestamp with time zone)') }}
    {%- endif -%}
    (
        select
            case
                when count(parents.loaded_through) = {{ lineage.models | length }}
                    then least(
                        (select max(audit.finished_at) from {{ source('simpeg', 'load_audit') }} as audit),
                        min(parents.loaded_through)
                    )
            end
        from {{ build_state_relation() }} as parents
        where parents.node in {{ _sql_list(lineage.models) }}
    )
{%- endmacro %}

{#- The project-wide post-hook: what this table, incremental model or seed was built from (views record nothing). -#}
{% macro record_build_state() -%}
    {%- if not execute or model.resource_type not in ('model', 'seed')
        or config.get('materialized') in ('view', 'ephemeral') -%}
        {{ return('') }}
    {%- endif -%}
    {{ ensure_build_state() }};
    delete from {{ build_state_relation() }} where node = '{{ model.unique_id }}';
    insert into {{ build_state_relation() }} (node, loaded_through, fingerprint, built_at)
    select
        '{{ model.unique_id }}',
        {{ build_loaded_through() }},
        {{ build_fingerprint() }},
        now()
{%- endmacro %}

{#-
    `load_events(dataset, since)`: per region, what happened to `dataset` in raw after `since` (a SQL expression;
    NULL: everything): the earliest delivery date a load or withdrawal after it is for (`from_date`), and whether
    one of them took something out of history (`rewrites_history`: a withdrawal, or a corrected re-delivery that
    replaces an earlier load). ingestion/changes.py applies loads in delivery order and replays the loads after a
    late, corrected or withdrawn one with their own load ids, so every load of the region from `from_date` on may
    have brought or ended other rows than before: they all count as touched. What a withdrawn or replaced load had
    brought is deleted from raw, leaving no trace of the keys it touched: such a region is recomputed whole.
-#}
{% macro load_events(dataset, since) -%}
    select
        events.region,
        min(events.delivery_date) as from_date,
        bool_or(
            events.status = 'withdrawn'
            or exists (
                select 1
                from {{ source('simpeg', 'load_audit') }} as earlier
                where
                    earlier.delivery_id = events.delivery_id
                    and earlier.delivery_kind = events.delivery_kind
                    and earlier.status = 'loaded'
                    and earlier.finished_at < events.finished_at
            )
        ) as rewrites_history
    from {{ source('simpeg', 'load_audit') }} as events
    where
        events.dataset = '{{ dataset }}'
        and events.status in ('loaded', 'withdrawn')
        and ({{ since }} is null or events.finished_at > {{ since }})
    group by events.region
{%- endmacro %}

{#- The loads of `dataset` whose rows may differ since `since`: per region with events, every load from `from_date`. -#}
{% macro touched_loads(dataset, since) -%}
    select loads.load_id
    from {{ source('simpeg', 'load_audit') }} as loads
    inner join ({{ load_events(dataset, since) }}) as events on loads.region = events.region
    where loads.dataset = '{{ dataset }}' and loads.status = 'loaded' and loads.delivery_date >= events.from_date
{%- endmacro %}

{#-
    The pre-hook of an incremental model (nothing on a first build or a full refresh): writes
    `<model>__change_scope`, the distinct scope rows of what changed since the model's watermark.

    `datasets`: {'<source>.<table>': {column: SQL expression over the raw table's columns}}, the same columns for
    every dataset: each raw row version that a touched load brought or ended gives one scope row (so a person
    moved between units gives the old unit and the new one). `derived`: {column: SQL expression over those
    columns}, e.g. the pseudonymous key of a NIP. The region column is named as the model's first unique key.
    A region to recompute whole (history rewritten, or no valid watermark) gets every key its raw rows have,
    flagged `_whole_region`, plus one row with NULL keys, so the strategy deletes all its rows.
-#}
{% macro prepare_change_scope(datasets, derived={}) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set since = '(select since from ' ~ this.identifier ~ '__change_since)' -%}
    {%- set columns = (datasets.values() | list)[0].keys() | list -%}
    {%- set rewritten = [] -%}
    {%- set changed = [] -%}
    {%- for relation, expressions in datasets.items() -%}
        {%- do rewritten.append(_rewritten_regions(relation, since)) -%}
        {%- do changed.append(_changed_rows(relation, expressions, columns, since)) -%}
    {%- endfor -%}
    {%- set derived_columns = [] -%}
    {%- for column, expression in derived.items() -%}
        {%- do derived_columns.append(expression ~ ' as ' ~ column ~ ',') -%}
    {%- endfor -%}
    {{ ensure_build_state() }};

    create or replace temp table {{ this.identifier }}__change_since as
    select (
        select built.loaded_through
        from {{ build_state_relation() }} as built
        where built.node = '{{ model.unique_id }}' and built.fingerprint = {{ build_fingerprint() }}
    ) as since;

    create or replace temp table {{ this.identifier }}__change_scope as
    with

    whole_regions as (
        {{ rewritten | join('\nunion\n') }}
        union
        select region from {{ source('simpeg', 'load_audit') }} where {{ since }} is null
        union
        select {{ config.get('unique_key')[0] }} from {{ this }} where {{ since }} is null
    ),

    changed as (
        {{ changed | join('\nunion\n') }}
        union
        select
            region,
            {{ _null_columns(columns) }}
            true as _whole_region
        from whole_regions
    )

    select distinct
        region as {{ config.get('unique_key')[0] }},
        {{ columns | join(', ') }},
        {{ derived_columns | join(' ') }}
        _whole_region
    from changed
{%- endmacro %}

{%- macro _null_columns(columns) -%}
    {%- set nulls = [] -%}
    {%- for column in columns -%}
        {%- do nulls.append('null as ' ~ column ~ ',') -%}
    {%- endfor -%}
    {{ return(nulls | join(' ')) }}
{%- endmacro %}

{#- The regions of one dataset of a change scope whose history a withdrawal or correction rewrote. -#}
{% macro _rewritten_regions(relation, since) -%}
    select region from ({{ load_events(relation.split('.')[1], since) }}) as events
    where rewrites_history
{%- endmacro %}

{#-
    One dataset's scope rows: every raw version a touched load brought or ended (old values and new), and every
    version of a region recomputed whole (reads the scope's `whole_regions`).
-#}
{% macro _changed_rows(relation, expressions, columns, since) -%}
    {%- set source_name, dataset = relation.split('.') -%}
    {%- set selected = [] -%}
    {%- for column in columns -%}
        {%- do selected.append(expressions[column] ~ ' as ' ~ column ~ ',') -%}
    {%- endfor -%}
    select
        delivered._region as region,
        {{ selected | join(' ') }}
        delivered._region in (select whole_regions.region from whole_regions) as _whole_region
    from {{ source(source_name, dataset) }} as delivered
    where
        delivered._load_id in ({{ touched_loads(dataset, since) }})
        or delivered._ended_load_id in ({{ touched_loads(dataset, since) }})
        or delivered._region in (select whole_regions.region from whole_regions)
{%- endmacro %}

{#- People: (region, nip) and their pseudonymous key, from the datasets' NIPs. -#}
{% macro prepare_people_scope(datasets) -%}
    {%- set by_nip = {} -%}
    {%- for relation in datasets -%}
        {%- do by_nip.update({relation: {'nip': 'nip'}}) -%}
    {%- endfor -%}
    {{ return(prepare_change_scope(by_nip, derived={'employee_key': 'cast(' ~ pseudonymise('nip') ~ ' as varchar)'})) }}
{%- endmacro %}

{#-
    The `change_scope` incremental strategy: delete the rows of regions recomputed whole, of the scope's keys and
    of the keys the model computed (it may compute more than its scope, e.g. a whole region whose year span
    moved), then insert what it computed. Keys are the model's `unique_key` columns.
-#}
{% macro get_incremental_change_scope_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set computed = arg_dict['temp_relation'] -%}
    {%- set keys = arg_dict['unique_key'] -%}
    {%- set scope = this.identifier ~ '__change_scope' -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set matches = [] -%}
    {%- for key in keys -%}
        {%- do matches.append('target_rows.' ~ key ~ ' is not distinct from keyed.' ~ key) -%}
    {%- endfor -%}
    delete from {{ target }}
    where {{ keys[0] }} in (select {{ keys[0] }} from {{ scope }} where _whole_region);

    delete from {{ target }} as target_rows
    using {{ scope }} as keyed
    where {{ matches | join(' and ') }};

    delete from {{ target }} as target_rows
    using (select distinct {{ keys | join(', ') }} from {{ computed }}) as keyed
    where {{ matches | join(' and ') }};

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ computed }};

    drop table {{ scope }};
    drop table {{ this.identifier }}__change_since
{%- endmacro %}

{#- `change_scope_join(relation, key)`: in an incremental build, the join that keeps `relation`'s rows of the keys
    in the model's change scope (by region and `key`); nothing in a full build. -#}
{% macro change_scope_join(relation, key) -%}
    {%- if is_incremental() -%}
        inner join {{ this.identifier }}__change_scope as change_scope
            on {{ relation }}._region = change_scope._region and {{ relation }}.{{ key }} = change_scope.{{ key }}
    {%- endif -%}
{%- endmacro %}
