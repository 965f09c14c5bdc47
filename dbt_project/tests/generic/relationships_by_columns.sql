{#-
    Referential integrity on a compound key (dbt's `relationships` takes one column): every combination of
    `columns` in the model exists in `to` (under the same names, or `to_columns`). Fails with the orphans.
-#}
{% test relationships_by_columns(model, to, columns, to_columns=none) %}
    {%- set parent_columns = to_columns or columns -%}
    select
        {% for column in columns %}child.{{ column }}{{ ", " if not loop.last }}{% endfor %},
        count(*) as orphans
    from {{ model }} as child
    where not exists (
        select 1
        from {{ to }} as parent
        where
            {% for column in columns %}
                child.{{ column }} = parent.{{ parent_columns[loop.index0] }}{{ " and" if not loop.last }}
            {% endfor %}
    )
    and {% for column in columns %}child.{{ column }} is not null{{ " and " if not loop.last }}{% endfor %}
    group by {% for column in columns %}child.{{ column }}{{ ", " if not loop.last }}{% endfor %}
{% endtest %}
