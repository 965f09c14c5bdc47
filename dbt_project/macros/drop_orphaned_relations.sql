{#-
    After a build: drop the tables and views of the project's own schemas that no model or seed makes any more (one
    renamed or removed), so the warehouse holds only what the project defines and publishing (which publishes every
    table of the mart schemas, each guarded by a suite) never meets a stray one. dbt's own work relations
    (`__dbt_tmp`, `__dbt_backup`) are left to dbt. The whole graph counts, whatever a run selected.
-#}
{% macro drop_orphaned_relations() %}
    {% if execute and flags.WHICH in ('build', 'run', 'seed') %}
        {% set expected = [] %}
        {% set schemas = [] %}
        {% for node in graph.nodes.values() if node.resource_type in ('model', 'seed')
            and node.config.materialized != 'ephemeral' %}
            {% do expected.append((node.schema ~ '.' ~ (node.alias or node.name)) | lower) %}
            {% do schemas.append(node.schema | lower) %}
        {% endfor %}
        {% set found = run_query(
            "select table_schema, table_name, table_type from information_schema.tables
             where table_catalog = current_database() and lower(table_schema) in ('"
            ~ (schemas | unique | join("', '")) ~ "')"
        ) %}
        {% for row in found.rows %}
            {% set name = (row[0] ~ '.' ~ row[1]) | lower %}
            {% if name not in expected and not row[1].endswith('__dbt_tmp') and not row[1].endswith('__dbt_backup') %}
                {% set kind = 'view' if row[2] == 'VIEW' else 'table' %}
                {% do log('dropping ' ~ kind ~ ' ' ~ name ~ ': no model or seed makes it any more', info=true) %}
                {% do run_query('drop ' ~ kind ~ ' if exists ' ~ adapter.quote(row[0]) ~ '.' ~ adapter.quote(row[1])) %}
            {% endif %}
        {% endfor %}
    {% endif %}
{% endmacro %}
