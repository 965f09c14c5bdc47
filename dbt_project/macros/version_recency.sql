{#
    `version_recency(relation, key_columns, delivery_date, delivery_kind, load_finished_at)`: each row's rank among
    the versions of its key in its region, 1 for the one that stands: the newest delivery first; on one date a delta
    before the full extract it applies to (it came after it); then the later load; then the later row.
    Shared by `current_delivered_rows` and `standing_versions`, which rank the same versions from different inputs.
#}
{% macro version_recency(relation, key_columns, delivery_date, delivery_kind, load_finished_at) %}
    row_number() over (
        partition by {{ relation }}._region, {% for column in key_columns %}{{ relation }}.{{ column }}{{ ", " if not loop.last }}{% endfor %}
        order by
            {{ delivery_date }} desc,
            case when {{ delivery_kind }} = 'delta' then 0 else 1 end,
            {{ load_finished_at }} desc,
            {{ relation }}._source_row desc
    )
{% endmacro %}
