-- The floor's survey_suggestions, after service_quality_floor.sql (files run in name order): respondents'
-- suggestions of the current survey responses with phone numbers, e-mail addresses, NIK/NIP and names masked,
-- into floor_service_quality. The patterns are dbt_project/macros/mask_identifiers.sql's, applied in its order
-- (longest first); DuckDB alone has no macro, so they are written out.

CREATE TABLE floor_service_quality.survey_suggestions AS
WITH responses AS (
    SELECT s._region AS region, s.unit_code, s.service_name, s.response_date, trim(s.suggestion) AS delivered
    FROM raw.survey_responses AS s
    INNER JOIN applied_loads AS a ON a.dataset = 'survey_responses' AND s._load_id = a.load_id AND s._ended_load_id IS NULL
    WHERE nullif(trim(s.suggestion), '') IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY s._region, s.response_id ORDER BY a.precedence) = 1
),

masked AS (
    SELECT
        *,
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(delivered,
            '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+', '[email]', 'g'),
            '\b\d([ .-]?\d){14,17}\b', '[nomor identitas]', 'g'),
            '(\+62|\b62|\b0)[ .-]?8([ .-]?\d){7,11}\b', '[telepon]', 'g'),
            '\+?\b\d([ .()-]?\d){8,}\b', '[nomor]', 'g'),
            '\b((?i:bapak|pak|ibu|bu|sdr|sdri|saudara|saudari|mas|mbak|kak|bang))\.? +[A-Z][a-z]+( +[A-Z][a-z]+)*',
            '\1 [nama]', 'g') AS suggestion
    FROM responses
)

SELECT
    region,
    unit_code,
    service_name,
    response_date,
    CAST(date_trunc('quarter', response_date) AS DATE) AS quarter_start,
    suggestion,
    suggestion <> delivered AS was_masked
FROM masked;
