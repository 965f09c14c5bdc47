{#
    `standing_versions(source_name, dataset, key_columns)`: the newest standing version of each key of `dataset`
    in raw, with the delivery that brought it (`_delivery_date`, `_delivery_kind`, `_load_finished_at`): the ranking
    `current_delivered_rows` does, kept as a table by the `stg_standing__<dataset>` models. In an incremental build
    only the keys in the model's change scope (`key_columns[0]`, macros/change_scope.sql) are read. Ranked on the
    columns the order needs, then joined back to the whole rows (ranking whole rows cost half as much again).
#}
{% macro standing_versions(source_name, dataset, key_columns) %}
    with

    history as (
        {{ delivered_row_history(source_name, dataset) }}
    ),

    standing as (
        select history.* exclude (_ended_date)
        from history
        {{ change_scope_join('history', key_columns[0]) }}
        where history._ended_load_id is null
    ),

    ranked as (
        select
            standing._load_id,
            standing._source_row,
            {{ version_recency(
                'standing', key_columns, 'standing._delivery_date', 'standing._delivery_kind',
                'standing._load_finished_at'
            ) }} as _version_recency
        from standing
    )

    select
        standing.*,
        ranked._version_recency
    from standing
    inner join ranked on standing._load_id = ranked._load_id and standing._source_row = ranked._source_row
    where ranked._version_recency = 1
{% endmacro %}
