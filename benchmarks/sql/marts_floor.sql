-- The floor: the dbt project's marts computed by hand in one DuckDB script, from the same raw tables and seed CSVs,
-- into floor_core, floor_competency and floor_placement of the same database. Same tables, columns, types and
-- values as dbt's core, competency and placement schemas (benchmarks/dbt_build_floor.py checks them); what a
-- competent engineer would write without dbt: shared steps computed once into temporary tables, one pass where
-- the logic allows, no views, no tests.
--
-- Run by benchmarks/dbt_build_floor.py, which replaces ${seeds} with dbt_project/seeds and sets the session
-- variable asn_pseudonym_key, as asn_platform/transform/plugin.py does for dbt. Statements end with ';' at a line's end.

-- Reference data: the seed CSVs with the column types of dbt_project/seeds/_seeds.yml.
CREATE OR REPLACE TEMP TABLE ref_age_bands AS
SELECT * FROM read_csv('${seeds}/age_bands.csv', header = true,
    columns = {'age_band': 'VARCHAR', 'min_age': 'INTEGER', 'max_age': 'INTEGER'});
CREATE OR REPLACE TEMP TABLE ref_education_fields AS
SELECT * FROM read_csv('${seeds}/education_fields.csv', header = true,
    columns = {'education_field': 'VARCHAR', 'sector': 'VARCHAR'});
CREATE OR REPLACE TEMP TABLE ref_golongan AS
SELECT * FROM read_csv('${seeds}/golongan.csv', header = true,
    columns = {'golongan': 'VARCHAR', 'golongan_order': 'INTEGER', 'golongan_group': 'VARCHAR'});
CREATE OR REPLACE TEMP TABLE ref_ip_asn_bands AS
SELECT * FROM read_csv('${seeds}/ip_asn_bands.csv', header = true,
    columns = {'band': 'VARCHAR', 'min_score': 'INTEGER', 'max_score': 'INTEGER'});
CREATE OR REPLACE TEMP TABLE ref_ip_asn_dimensions AS
SELECT * FROM read_csv('${seeds}/ip_asn_dimensions.csv', header = true,
    columns = {'dimension': 'VARCHAR', 'weight': 'INTEGER', 'name': 'VARCHAR'});
CREATE OR REPLACE TEMP TABLE ref_ip_asn_scores AS
SELECT * FROM read_csv('${seeds}/ip_asn_scores.csv', header = true,
    columns = {'dimension': 'VARCHAR', 'item': 'VARCHAR', 'score': 'INTEGER'});
CREATE OR REPLACE TEMP TABLE ref_platform_parameters AS
SELECT * FROM read_csv('${seeds}/platform_parameters.csv', header = true,
    columns = {'parameter': 'VARCHAR', 'value': 'DOUBLE', 'unit': 'VARCHAR', 'source': 'VARCHAR'});
CREATE OR REPLACE TEMP TABLE ref_sector_relations AS
SELECT * FROM read_csv('${seeds}/sector_relations.csv', header = true,
    columns = {'sector': 'VARCHAR', 'related_sector': 'VARCHAR'});
CREATE OR REPLACE TEMP TABLE ref_skp_ratings AS
SELECT * FROM read_csv('${seeds}/skp_ratings.csv', header = true,
    columns = {'predikat': 'VARCHAR', 'rating_rank': 'INTEGER'});
CREATE OR REPLACE TEMP TABLE ref_training_categories AS
SELECT * FROM read_csv('${seeds}/training_categories.csv', header = true,
    columns = {'category': 'VARCHAR', 'category_group': 'VARCHAR', 'ip_asn_item': 'VARCHAR'});
CREATE OR REPLACE TEMP TABLE ref_years_bands AS
SELECT * FROM read_csv('${seeds}/years_bands.csv', header = true,
    columns = {'years_band': 'VARCHAR', 'min_years': 'INTEGER', 'max_years': 'INTEGER'});
CREATE OR REPLACE TEMP TABLE ref_critical_roles AS
SELECT * FROM read_csv('${seeds}/critical_roles.csv', header = true,
    columns = {'unit_sector': 'VARCHAR', 'position_type': 'VARCHAR', 'required_education_sector': 'VARCHAR',
               'description': 'VARCHAR'});

-- The regulated constants, once (dbt reads each through a scalar subquery).
SET VARIABLE min_jp = (SELECT value FROM ref_platform_parameters WHERE parameter = 'min_training_jp_per_year');
SET VARIABLE merit_max_skp_rank = (SELECT value FROM ref_platform_parameters WHERE parameter = 'merit_max_skp_rank');
SET VARIABLE merit_skp_years = (SELECT value FROM ref_platform_parameters WHERE parameter = 'merit_skp_years');
SET VARIABLE merit_min_years_in_golongan = (
    SELECT value FROM ref_platform_parameters WHERE parameter = 'merit_min_years_in_golongan'
);
SET VARIABLE merit_sanction_free_years = (
    SELECT value FROM ref_platform_parameters WHERE parameter = 'merit_sanction_free_years'
);
SET VARIABLE k_anonymity_min = (SELECT value FROM ref_platform_parameters WHERE parameter = 'k_anonymity_min');
SET VARIABLE kompetensi_weight = (SELECT max(weight) FROM ref_ip_asn_dimensions WHERE dimension = 'kompetensi');

-- Lookups that replace range joins on the hot paths: a row per whole age / per IP ASN score.
CREATE OR REPLACE TEMP TABLE age_band_of AS
SELECT unnest(range(min_age, max_age + 1)) AS age, age_band FROM ref_age_bands;
CREATE OR REPLACE TEMP TABLE ip_asn_band_of AS
SELECT unnest(range(min_score, max_score + 1)) AS score, band FROM ref_ip_asn_bands;

-- The loads that count, of every dataset at once: a corrected re-delivery replaces the earlier load, a withdrawn
-- delivery counts no more.
CREATE OR REPLACE TEMP TABLE counted_loads AS
SELECT dataset, region, delivery_date, delivery_kind, load_id, finished_at
FROM raw.load_audit
WHERE status IN ('loaded', 'withdrawn')
QUALIFY row_number() OVER (PARTITION BY dataset, delivery_id, delivery_kind ORDER BY finished_at DESC) = 1
    AND status = 'loaded';

-- Raw keeps changes: the rows that stand now are those no load has ended (`_ended_load_id IS NULL`), each joined
-- to the load that brought it, with its precedence (1 = its rows win: newest delivery, a delta over the full
-- extract of its day, the later load).
CREATE OR REPLACE TEMP TABLE applied_loads AS
SELECT
    dataset,
    region,
    load_id,
    max(delivery_date) OVER (PARTITION BY dataset, region) AS snapshot_date,
    row_number() OVER (
        PARTITION BY dataset, region
        ORDER BY delivery_date DESC, CASE WHEN delivery_kind = 'delta' THEN 0 ELSE 1 END, finished_at DESC
    ) AS precedence
FROM counted_loads;

-- Current rows of the small lists.
CREATE OR REPLACE TEMP TABLE cur_units AS
SELECT u._region AS region, u.unit_code, u.unit_name, u.sector, a.snapshot_date
FROM raw.units AS u
INNER JOIN applied_loads AS a ON a.dataset = 'units' AND u._load_id = a.load_id AND u._ended_load_id IS NULL
QUALIFY row_number() OVER (PARTITION BY u._region, u.unit_code ORDER BY a.precedence) = 1;

CREATE OR REPLACE TEMP TABLE cur_services AS
SELECT s._region AS region, s.unit_code, s.service_name, s.yearly_volume
FROM raw.services AS s
INNER JOIN applied_loads AS a ON a.dataset = 'services' AND s._load_id = a.load_id AND s._ended_load_id IS NULL
QUALIFY row_number() OVER (PARTITION BY s._region, s.unit_code, s.service_name ORDER BY a.precedence) = 1;

-- The current personnel snapshot, pseudonymised once, with everything the marts derive per person.
CREATE OR REPLACE TEMP TABLE employees AS
WITH personnel AS (
    SELECT p.*, a.snapshot_date
    FROM raw.personnel AS p
    INNER JOIN applied_loads AS a ON a.dataset = 'personnel' AND p._load_id = a.load_id AND p._ended_load_id IS NULL
    QUALIFY row_number() OVER (PARTITION BY p._region, p.nip ORDER BY a.precedence) = 1
)
SELECT
    CAST(sha256(getvariable('asn_pseudonym_key') || ':' || p.nip) AS VARCHAR) AS employee_key,
    p.nip,
    p._region AS region,
    p.unit_code,
    u.sector AS unit_sector,
    p.gender,
    extract(year FROM p.snapshot_date) - extract(year FROM p.birth_date)
    - CASE
        WHEN extract(month FROM p.snapshot_date) * 100 + extract(day FROM p.snapshot_date)
            < extract(month FROM p.birth_date) * 100 + extract(day FROM p.birth_date)
            THEN 1
        ELSE 0
    END AS age,
    p.employment_type,
    p.golongan,
    p.golongan_start,
    p.position_type,
    p.position_start,
    p.education_level,
    p.education_field,
    e.sector AS education_sector,
    p.skp_rating_last_year,
    p.skp_rating_year_before,
    r1.rating_rank AS skp_rank_last_year,
    r2.rating_rank AS skp_rank_year_before,
    p.discipline_sanction,
    p.discipline_date,
    p.status,
    p.snapshot_date,
    CAST(extract(year FROM p.snapshot_date) AS INTEGER) AS snapshot_year
FROM personnel AS p
LEFT JOIN cur_units AS u ON p._region = u.region AND p.unit_code = u.unit_code
LEFT JOIN ref_education_fields AS e ON p.education_field = e.education_field
LEFT JOIN ref_skp_ratings AS r1 ON p.skp_rating_last_year = r1.predikat
LEFT JOIN ref_skp_ratings AS r2 ON p.skp_rating_year_before = r2.predikat;

-- core ---------------------------------------------------------------------------------------------------------
DROP SCHEMA IF EXISTS floor_core CASCADE;
CREATE SCHEMA floor_core;

CREATE TABLE floor_core.dim_date AS
SELECT
    date_day,
    CAST(extract(year FROM date_day) AS INTEGER) AS calendar_year,
    CAST(extract(quarter FROM date_day) AS INTEGER) AS calendar_quarter,
    CAST(extract(year FROM date_day) AS VARCHAR) || '-Q' || CAST(extract(quarter FROM date_day) AS VARCHAR)
        AS year_quarter,
    CAST(extract(month FROM date_day) AS INTEGER) AS calendar_month,
    CAST(extract(year FROM date_day) AS VARCHAR) || '-' || lpad(CAST(extract(month FROM date_day) AS VARCHAR), 2, '0')
        AS calendar_year_month,
    CAST(extract(isodow FROM date_day) AS INTEGER) AS iso_day_of_week,
    extract(isodow FROM date_day) >= 6 AS is_weekend
FROM (
    SELECT CAST(day AS DATE) AS date_day
    FROM range(DATE '2000-01-01', DATE '2036-01-01', INTERVAL 1 DAY) AS days(day)
);

-- k-anonymous: golongan without its ruang; the quasi-identifiers but status of a class of fewer than k people of
-- a region and status suppressed, and the next smallest classes with them until the suppressed are k.
CREATE OR REPLACE TEMP TABLE dim_employee_generalised AS
SELECT
    e.employee_key,
    e.region,
    e.unit_code,
    e.gender,
    b.age_band,
    e.employment_type,
    split_part(e.golongan, '/', 1) AS golongan,
    e.education_level,
    e.status,
    e.snapshot_date
FROM employees AS e
LEFT JOIN age_band_of AS b ON e.age = b.age;

CREATE TABLE floor_core.dim_employee AS
WITH counted AS (
    SELECT
        region, status, unit_code, gender, age_band, employment_type, golongan, education_level,
        count(*) AS class_size
    FROM dim_employee_generalised
    GROUP BY region, status, unit_code, gender, age_band, employment_type, golongan, education_level
),

classes AS (
    SELECT
        *,
        sum(class_size) OVER (
            PARTITION BY region, status
            ORDER BY class_size, unit_code, gender, age_band, employment_type, golongan, education_level
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) - class_size AS smaller_people,
        sum(CASE WHEN class_size < getvariable('k_anonymity_min') THEN class_size ELSE 0 END)
            OVER (PARTITION BY region, status) AS people_in_small_classes
    FROM counted
),

suppressed AS (
    SELECT region, status, unit_code, gender, age_band, employment_type, golongan, education_level
    FROM classes
    WHERE
        class_size < getvariable('k_anonymity_min')
        OR (people_in_small_classes > 0 AND smaller_people < getvariable('k_anonymity_min'))
)

SELECT
    g.employee_key,
    g.region,
    CASE WHEN s.region IS NULL THEN g.unit_code END AS unit_code,
    CASE WHEN s.region IS NULL THEN g.gender END AS gender,
    CASE WHEN s.region IS NULL THEN g.age_band END AS age_band,
    CASE WHEN s.region IS NULL THEN g.employment_type END AS employment_type,
    CASE WHEN s.region IS NULL THEN g.golongan END AS golongan,
    CASE WHEN s.region IS NULL THEN g.education_level END AS education_level,
    g.status,
    g.snapshot_date,
    s.region IS NOT NULL AS qi_suppressed
FROM dim_employee_generalised AS g
LEFT JOIN suppressed AS s
    ON
        g.region = s.region AND g.status IS NOT DISTINCT FROM s.status
        AND g.unit_code IS NOT DISTINCT FROM s.unit_code AND g.gender IS NOT DISTINCT FROM s.gender
        AND g.age_band IS NOT DISTINCT FROM s.age_band AND g.employment_type IS NOT DISTINCT FROM s.employment_type
        AND g.golongan IS NOT DISTINCT FROM s.golongan AND g.education_level IS NOT DISTINCT FROM s.education_level;

CREATE TABLE floor_core.dim_region AS
WITH headcounts AS (
    SELECT region, max(snapshot_date) AS snapshot_date, count(*) FILTER (WHERE status = 'active') AS active_headcount
    FROM employees
    GROUP BY region
),

region_loads AS (
    SELECT region, max(finished_at) AS source_loaded_at
    FROM raw.load_audit
    WHERE dataset IN ('training', 'personnel') AND status = 'loaded'
    GROUP BY region
)

SELECT
    r.region,
    r.name AS region_name,
    r.province,
    r.timezone,
    CAST(coalesce(h.active_headcount, 0) AS BIGINT) AS active_headcount,
    h.snapshot_date,
    l.source_loaded_at
FROM raw.regions AS r
LEFT JOIN headcounts AS h ON r.region = h.region
LEFT JOIN region_loads AS l ON r.region = l.region;

CREATE TABLE floor_core.dim_unit AS
WITH staff AS (
    SELECT region, unit_code, count(*) FILTER (WHERE status = 'active') AS active_headcount
    FROM employees
    GROUP BY region, unit_code
),

services AS (
    SELECT region, unit_code, count(*) AS services, sum(yearly_volume) AS yearly_service_volume
    FROM cur_services
    GROUP BY region, unit_code
)

SELECT
    u.region,
    u.unit_code,
    u.unit_name,
    u.sector,
    CAST(coalesce(st.active_headcount, 0) AS BIGINT) AS active_headcount,
    CAST(coalesce(sv.services, 0) AS BIGINT) AS services,
    CAST(sv.yearly_service_volume AS BIGINT) AS yearly_service_volume,
    u.snapshot_date
FROM cur_units AS u
LEFT JOIN staff AS st ON u.region = st.region AND u.unit_code = st.unit_code
LEFT JOIN services AS sv ON u.region = sv.region AND u.unit_code = sv.unit_code;

-- competency ---------------------------------------------------------------------------------------------------
DROP SCHEMA IF EXISTS floor_competency CASCADE;
CREATE SCHEMA floor_competency;

-- Every current training record, its participant's key and unit now from the employees above (the hash computed
-- here only for a participant missing from the current snapshot).
CREATE TABLE floor_competency.training_records AS
WITH training AS (
    SELECT t.*, coalesce(string_split(t.topic_tags, ';'), []) AS topic_list
    FROM raw.training AS t
    INNER JOIN applied_loads AS a ON a.dataset = 'training' AND t._load_id = a.load_id AND t._ended_load_id IS NULL
    QUALIFY row_number() OVER (PARTITION BY t._region, t.nip, t.course_code, t.start_date ORDER BY a.precedence) = 1
)

SELECT
    coalesce(e.employee_key, CAST(sha256(getvariable('asn_pseudonym_key') || ':' || t.nip) AS VARCHAR))
        AS employee_key,
    t._region AS region,
    e.unit_code,
    t.course_code,
    t.course_title,
    t.category,
    t.topic_list AS topics,
    list_contains(t.topic_list, 'digital_ict') AS is_ict,
    t.provider AS training_provider,
    t.mode AS delivery_mode,
    t.start_date,
    t.end_date,
    CAST(extract(year FROM t.end_date) AS INTEGER) AS training_year,
    t.jp,
    t.cost_idr,
    t.result,
    t.result = 'passed' AS counts_toward_jp,
    t.joint_opd AS is_inter_agency
FROM training AS t
LEFT JOIN employees AS e ON t._region = e.region AND t.nip = e.nip;

-- One row per person and training year: the JP sums, and the IP ASN kompetensi score from the same pass (first
-- per IP ASN item, then per year).
CREATE OR REPLACE TEMP TABLE training_years AS
WITH items AS (
    SELECT
        f.region,
        f.employee_key,
        f.training_year,
        c.ip_asn_item,
        count(*) AS trainings_attended,
        count(*) FILTER (WHERE f.counts_toward_jp) AS trainings_passed,
        sum(f.jp) FILTER (WHERE f.counts_toward_jp) AS jp_total,
        sum(f.jp) FILTER (WHERE f.counts_toward_jp AND c.category_group = 'leadership') AS jp_leadership,
        sum(f.jp) FILTER (WHERE f.counts_toward_jp AND c.category_group = 'functional') AS jp_functional,
        sum(f.jp) FILTER (WHERE f.counts_toward_jp AND c.category_group = 'technical') AS jp_technical,
        sum(f.jp) FILTER (WHERE f.counts_toward_jp AND c.category_group = 'socio_cultural') AS jp_socio_cultural,
        sum(f.jp) FILTER (WHERE f.counts_toward_jp AND c.category_group = 'seminar_workshop') AS jp_seminar_workshop,
        sum(f.jp) FILTER (WHERE f.counts_toward_jp AND f.is_ict) AS jp_ict,
        count(*) FILTER (WHERE f.is_inter_agency) AS inter_agency_trainings,
        sum(f.jp) AS jp_attended,
        sum(f.cost_idr) AS cost_idr
    FROM floor_competency.training_records AS f
    LEFT JOIN ref_training_categories AS c ON f.category = c.category
    GROUP BY f.region, f.employee_key, f.training_year, c.ip_asn_item
),

kompetensi_scores AS (
    SELECT item, sum(score) AS score FROM ref_ip_asn_scores WHERE dimension = 'kompetensi' GROUP BY item
)

SELECT
    i.region,
    i.employee_key,
    i.training_year,
    sum(i.trainings_attended) AS trainings_attended,
    sum(i.trainings_passed) AS trainings_passed,
    sum(i.jp_total) AS jp_total,
    sum(i.jp_leadership) AS jp_leadership,
    sum(i.jp_functional) AS jp_functional,
    sum(i.jp_technical) AS jp_technical,
    sum(i.jp_socio_cultural) AS jp_socio_cultural,
    sum(i.jp_seminar_workshop) AS jp_seminar_workshop,
    sum(i.jp_ict) AS jp_ict,
    sum(i.inter_agency_trainings) AS inter_agency_trainings,
    sum(i.jp_attended) AS jp_attended,
    sum(i.cost_idr) AS cost_idr,
    -- Each kind passed earns its item once; technical training only with the yearly JP entitlement of it.
    least(
        coalesce(
            sum(k.score) FILTER (
                WHERE i.trainings_passed > 0
                AND (i.ip_asn_item <> 'technical_training_20_jp' OR i.jp_total >= getvariable('min_jp'))
            ),
            0
        ),
        getvariable('kompetensi_weight')
    ) AS kompetensi_score
FROM items AS i
LEFT JOIN kompetensi_scores AS k ON i.ip_asn_item = k.item
GROUP BY i.region, i.employee_key, i.training_year;

-- Each person's region years: from the region's first training year (not before dim_date's 2000) to its snapshot.
-- "Never trained" by a year: no training of theirs in those years up to it, i.e. their first one is later.
-- Every figure per person and year, the SKP predikat and IP ASN total too: employee_year is its pseudonymous part,
-- restricted.employee_performance (restricted_floor.sql) its performance part; unit_year counts both.
CREATE OR REPLACE TEMP TABLE employee_year_scored AS
WITH snapshots AS (
    SELECT region, max(snapshot_year) AS snapshot_year FROM employees GROUP BY region
),

first_training_years AS (
    SELECT region, min(training_year) AS first_training_year FROM floor_competency.training_records GROUP BY region
),

region_years AS (
    SELECT s.region, y.calendar_year
    FROM snapshots AS s
    LEFT JOIN first_training_years AS f ON s.region = f.region
    INNER JOIN (SELECT CAST(range AS INTEGER) AS calendar_year FROM range(2000, 2036)) AS y
        ON y.calendar_year BETWEEN coalesce(f.first_training_year, s.snapshot_year) AND s.snapshot_year
),

first_trained AS (
    SELECT region, employee_key, min(training_year) AS first_year
    FROM training_years
    WHERE training_year >= 2000
    GROUP BY region, employee_key
),

scores AS (
    SELECT dimension, item, score FROM ref_ip_asn_scores
),

scored AS (
    SELECT
        e.employee_key,
        e.region,
        ry.calendar_year,
        e.unit_code,
        e.employment_type,
        e.status,
        coalesce(t.trainings_attended, 0) AS trainings_attended,
        coalesce(t.trainings_passed, 0) AS trainings_passed,
        coalesce(t.jp_total, 0) AS jp_total,
        coalesce(t.jp_leadership, 0) AS jp_leadership,
        coalesce(t.jp_functional, 0) AS jp_functional,
        coalesce(t.jp_technical, 0) AS jp_technical,
        coalesce(t.jp_socio_cultural, 0) AS jp_socio_cultural,
        coalesce(t.jp_seminar_workshop, 0) AS jp_seminar_workshop,
        coalesce(t.jp_ict, 0) AS jp_ict,
        coalesce(ft.first_year > ry.calendar_year, true) AS never_trained,
        coalesce(t.inter_agency_trainings, 0) AS inter_agency_trainings,
        coalesce(t.jp_attended, 0) AS jp_attended,
        coalesce(t.cost_idr, 0) AS cost_idr,
        -- The current year is not rated yet: it counts with last year's predikat.
        CASE
            WHEN ry.calendar_year = e.snapshot_year - 2 THEN e.skp_rating_year_before
            WHEN ry.calendar_year >= e.snapshot_year - 1 THEN e.skp_rating_last_year
        END AS skp_rating,
        CASE
            WHEN e.discipline_sanction = 'none' OR extract(year FROM e.discipline_date) > ry.calendar_year
                THEN 'never_sanctioned'
            ELSE 'sanctioned'
        END AS discipline_state,
        e.education_level,
        coalesce(t.kompetensi_score, 0) AS kompetensi_score
    FROM employees AS e
    INNER JOIN region_years AS ry ON e.region = ry.region
    LEFT JOIN training_years AS t
        ON e.region = t.region AND e.employee_key = t.employee_key AND ry.calendar_year = t.training_year
    LEFT JOIN first_trained AS ft ON e.region = ft.region AND e.employee_key = ft.employee_key
),

totalled AS (
    SELECT
        s.*,
        coalesce(kualifikasi.score, 0) AS kualifikasi_score,
        coalesce(kinerja.score, 0) AS kinerja_score,
        coalesce(disiplin.score, 0) AS disiplin_score
    FROM scored AS s
    LEFT JOIN scores AS kualifikasi ON kualifikasi.dimension = 'kualifikasi' AND s.education_level = kualifikasi.item
    LEFT JOIN scores AS kinerja ON kinerja.dimension = 'kinerja' AND s.skp_rating = kinerja.item
    LEFT JOIN scores AS disiplin ON disiplin.dimension = 'disiplin' AND s.discipline_state = disiplin.item
)

SELECT
    t.employee_key,
    t.region,
    t.calendar_year,
    t.unit_code,
    t.employment_type,
    t.status,
    CAST(t.trainings_attended AS INTEGER) AS trainings_attended,
    CAST(t.trainings_passed AS INTEGER) AS trainings_passed,
    CAST(t.jp_total AS INTEGER) AS jp_total,
    CAST(t.jp_leadership AS INTEGER) AS jp_leadership,
    CAST(t.jp_functional AS INTEGER) AS jp_functional,
    CAST(t.jp_technical AS INTEGER) AS jp_technical,
    CAST(t.jp_socio_cultural AS INTEGER) AS jp_socio_cultural,
    CAST(t.jp_seminar_workshop AS INTEGER) AS jp_seminar_workshop,
    CAST(t.jp_ict AS INTEGER) AS jp_ict,
    t.jp_total >= getvariable('min_jp') AS meets_20_jp,
    CAST(greatest(getvariable('min_jp') - t.jp_total, 0) AS INTEGER) AS jp_short_of_20,
    t.never_trained,
    CAST(t.inter_agency_trainings AS INTEGER) AS inter_agency_trainings,
    CAST(t.jp_attended AS INTEGER) AS jp_attended,
    CAST(t.cost_idr AS BIGINT) AS cost_idr,
    t.skp_rating,
    t.discipline_state,
    CAST(t.kualifikasi_score AS INTEGER) AS ip_asn_kualifikasi,
    CAST(t.kompetensi_score AS INTEGER) AS ip_asn_kompetensi,
    CAST(t.kinerja_score AS INTEGER) AS ip_asn_kinerja,
    CAST(t.disiplin_score AS INTEGER) AS ip_asn_disiplin,
    CAST(t.kualifikasi_score + t.kompetensi_score + t.kinerja_score + t.disiplin_score AS INTEGER) AS ip_asn_score,
    b.band AS ip_asn_band
FROM totalled AS t
LEFT JOIN ip_asn_band_of AS b
    ON t.kualifikasi_score + t.kompetensi_score + t.kinerja_score + t.disiplin_score = b.score;

CREATE TABLE floor_competency.employee_year AS
SELECT * EXCLUDE (skp_rating, discipline_state, ip_asn_kinerja, ip_asn_disiplin, ip_asn_score, ip_asn_band)
FROM employee_year_scored;

CREATE TABLE floor_competency.unit_year AS
WITH units AS (
    SELECT
        region,
        unit_code,
        calendar_year,
        count(*) AS active_headcount,
        count(*) FILTER (WHERE meets_20_jp) AS meeting_20_jp,
        sum(jp_total) AS jp_total,
        sum(jp_ict) AS jp_ict,
        count(*) FILTER (WHERE jp_ict > 0) AS trained_in_ict,
        sum(trainings_attended) AS trainings_attended,
        sum(inter_agency_trainings) AS inter_agency_trainings,
        sum(jp_attended) AS jp_attended,
        sum(cost_idr) AS cost_idr,
        sum(jp_short_of_20) AS jp_short_of_20,
        count(*) FILTER (WHERE never_trained) AS never_trained,
        avg(ip_asn_score) AS ip_asn_mean,
        count(*) FILTER (WHERE ip_asn_band = 'Sangat Tinggi') AS ip_asn_sangat_tinggi,
        count(*) FILTER (WHERE ip_asn_band = 'Tinggi') AS ip_asn_tinggi,
        count(*) FILTER (WHERE ip_asn_band = 'Sedang') AS ip_asn_sedang,
        count(*) FILTER (WHERE ip_asn_band = 'Rendah') AS ip_asn_rendah,
        count(*) FILTER (WHERE ip_asn_band = 'Sangat Rendah') AS ip_asn_sangat_rendah
    FROM employee_year_scored
    WHERE status = 'active'
    GROUP BY region, unit_code, calendar_year
)

SELECT
    region,
    unit_code,
    calendar_year,
    active_headcount,
    meeting_20_jp,
    CAST(round(100.0 * meeting_20_jp / active_headcount, 2) AS DECIMAL(5, 2)) AS meeting_20_jp_pct,
    CAST(round(1.0 * jp_total / active_headcount, 2) AS DECIMAL(8, 2)) AS mean_jp,
    CAST(jp_total AS BIGINT) AS jp_total,
    CAST(jp_short_of_20 AS BIGINT) AS jp_short_of_20,
    CAST(round(100.0 * jp_ict / nullif(jp_total, 0), 2) AS DECIMAL(5, 2)) AS ict_jp_pct,
    CAST(round(100.0 * trained_in_ict / active_headcount, 2) AS DECIMAL(5, 2)) AS trained_in_ict_pct,
    CAST(trainings_attended AS BIGINT) AS trainings_attended,
    CAST(round(100.0 * inter_agency_trainings / nullif(trainings_attended, 0), 2) AS DECIMAL(5, 2))
        AS inter_agency_pct,
    CAST(jp_attended AS BIGINT) AS jp_attended,
    CAST(cost_idr AS BIGINT) AS training_cost_idr,
    CAST(round(1.0 * cost_idr / nullif(jp_attended, 0), 0) AS BIGINT) AS cost_per_jp_idr,
    never_trained,
    CAST(round(ip_asn_mean, 2) AS DECIMAL(5, 2)) AS ip_asn_mean,
    ip_asn_sangat_tinggi,
    ip_asn_tinggi,
    ip_asn_sedang,
    ip_asn_rendah,
    ip_asn_sangat_rendah
FROM units;

-- placement ----------------------------------------------------------------------------------------------------
DROP SCHEMA IF EXISTS floor_placement CASCADE;
CREATE SCHEMA floor_placement;

-- The full placement detail of restricted.employee_merit (written by restricted_floor.sql): exact years, SKP and
-- discipline, the merit rules. The placement marts count from it; employee_fit is its generalised, k-anonymous part.
CREATE OR REPLACE TEMP TABLE employee_merit AS
WITH sector_relations AS (
    SELECT sector, related_sector FROM ref_sector_relations
    UNION
    SELECT related_sector AS sector, sector AS related_sector FROM ref_sector_relations
),

last_year AS (
    SELECT y.region, y.employee_key, y.meets_20_jp
    FROM floor_competency.employee_year AS y
    INNER JOIN (SELECT region, max(snapshot_year) - 1 AS last_year FROM employees GROUP BY region) AS s
        ON y.region = s.region AND y.calendar_year = s.last_year
),

assessed AS (
    SELECT
        e.*,
        CASE
            WHEN e.education_sector IS NULL OR e.unit_sector IS NULL THEN 'not_assessed'
            WHEN e.education_sector = e.unit_sector THEN 'match'
            WHEN sr.related_sector IS NOT NULL THEN 'related'
            ELSE 'mismatch'
        END AS fit,
        cr.required_education_sector,
        date_diff('day', e.position_start::TIMESTAMP, e.snapshot_date::TIMESTAMP) / 365.25 AS years_in_position,
        date_diff('day', e.golongan_start::TIMESTAMP, e.snapshot_date::TIMESTAMP) / 365.25 AS years_in_golongan,
        coalesce(
            e.skp_rank_last_year <= getvariable('merit_max_skp_rank')
            AND (getvariable('merit_skp_years') < 2 OR e.skp_rank_year_before <= getvariable('merit_max_skp_rank')),
            false
        ) AS meets_skp_rule,
        coalesce(ly.meets_20_jp, false) AS met_20_jp_last_year,
        (
            e.discipline_sanction = 'none'
            OR date_diff('day', e.discipline_date::TIMESTAMP, e.snapshot_date::TIMESTAMP) / 365.25
            >= getvariable('merit_sanction_free_years')
        ) AS sanction_free,
        next_golongan.golongan AS next_golongan
    FROM employees AS e
    LEFT JOIN sector_relations AS sr ON e.education_sector = sr.sector AND e.unit_sector = sr.related_sector
    LEFT JOIN ref_critical_roles AS cr ON e.unit_sector = cr.unit_sector AND e.position_type = cr.position_type
    LEFT JOIN last_year AS ly ON e.region = ly.region AND e.employee_key = ly.employee_key
    LEFT JOIN ref_golongan AS current_golongan ON e.golongan = current_golongan.golongan
    LEFT JOIN ref_golongan AS next_golongan ON current_golongan.golongan_order + 1 = next_golongan.golongan_order
    WHERE e.status = 'active'
)

SELECT
    employee_key,
    region,
    unit_code,
    unit_sector,
    employment_type,
    position_type,
    golongan,
    education_level,
    education_field,
    education_sector,
    fit,
    required_education_sector IS NOT NULL AND fit <> 'not_assessed' AND education_sector <> required_education_sector
        AS is_critical_mismatch,
    CAST(round(years_in_position, 2) AS DECIMAL(6, 2)) AS years_in_position,
    CAST(round(years_in_golongan, 2) AS DECIMAL(6, 2)) AS years_in_golongan,
    skp_rating_last_year,
    skp_rating_year_before,
    meets_skp_rule,
    met_20_jp_last_year,
    coalesce(years_in_golongan >= getvariable('merit_min_years_in_golongan'), false) AS meets_golongan_time,
    sanction_free,
    next_golongan,
    meets_skp_rule AND met_20_jp_last_year
    AND coalesce(years_in_golongan >= getvariable('merit_min_years_in_golongan'), false)
    AND sanction_free AND next_golongan IS NOT NULL AS is_merit_eligible,
    snapshot_date
FROM assessed;

CREATE OR REPLACE TEMP TABLE merit_candidates AS
SELECT
    f.employee_key,
    f.region,
    f.unit_code,
    f.position_type,
    f.golongan,
    f.next_golongan,
    f.years_in_golongan,
    f.skp_rating_last_year,
    f.skp_rating_year_before,
    f.fit,
    CAST(
        row_number() OVER (
            PARTITION BY f.region, f.unit_code
            ORDER BY r.rating_rank ASC, f.years_in_golongan DESC, f.employee_key ASC
        ) AS INTEGER
    ) AS rank_in_unit,
    f.snapshot_date
FROM employee_merit AS f
LEFT JOIN ref_skp_ratings AS r ON f.skp_rating_last_year = r.predikat
WHERE f.is_merit_eligible;

CREATE TABLE floor_placement.merit_pipeline AS
SELECT region, unit_code, golongan, next_golongan, fit, count(*) AS candidates
FROM merit_candidates
GROUP BY region, unit_code, golongan, next_golongan, fit;

-- k-anonymous: years in position in bands; the quasi-identifiers of a class of fewer than k people of a region
-- suppressed, and the next smallest classes with them until the suppressed are k.
CREATE OR REPLACE TEMP TABLE employee_fit_generalised AS
SELECT
    m.employee_key,
    m.region,
    m.unit_code,
    m.unit_sector,
    m.position_type,
    m.education_sector,
    m.fit,
    m.is_critical_mismatch,
    b.years_band AS years_in_position_band,
    m.met_20_jp_last_year,
    m.meets_golongan_time,
    m.snapshot_date
FROM employee_merit AS m
LEFT JOIN ref_years_bands AS b ON floor(m.years_in_position) BETWEEN b.min_years AND b.max_years;

CREATE TABLE floor_placement.employee_fit AS
WITH counted AS (
    SELECT
        region, unit_code, unit_sector, position_type, education_sector, years_in_position_band,
        count(*) AS class_size
    FROM employee_fit_generalised
    GROUP BY region, unit_code, unit_sector, position_type, education_sector, years_in_position_band
),

classes AS (
    SELECT
        *,
        sum(class_size) OVER (
            PARTITION BY region
            ORDER BY class_size, unit_code, unit_sector, position_type, education_sector, years_in_position_band
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) - class_size AS smaller_people,
        sum(CASE WHEN class_size < getvariable('k_anonymity_min') THEN class_size ELSE 0 END)
            OVER (PARTITION BY region) AS people_in_small_classes
    FROM counted
),

suppressed AS (
    SELECT region, unit_code, unit_sector, position_type, education_sector, years_in_position_band
    FROM classes
    WHERE
        class_size < getvariable('k_anonymity_min')
        OR (people_in_small_classes > 0 AND smaller_people < getvariable('k_anonymity_min'))
)

SELECT
    g.employee_key,
    g.region,
    CASE WHEN s.region IS NULL THEN g.unit_code END AS unit_code,
    CASE WHEN s.region IS NULL THEN g.unit_sector END AS unit_sector,
    CASE WHEN s.region IS NULL THEN g.position_type END AS position_type,
    CASE WHEN s.region IS NULL THEN g.education_sector END AS education_sector,
    g.fit,
    g.is_critical_mismatch,
    CASE WHEN s.region IS NULL THEN g.years_in_position_band END AS years_in_position_band,
    g.met_20_jp_last_year,
    g.meets_golongan_time,
    g.snapshot_date,
    s.region IS NOT NULL AS qi_suppressed
FROM employee_fit_generalised AS g
LEFT JOIN suppressed AS s
    ON
        g.region = s.region
        AND g.unit_code IS NOT DISTINCT FROM s.unit_code AND g.unit_sector IS NOT DISTINCT FROM s.unit_sector
        AND g.position_type IS NOT DISTINCT FROM s.position_type
        AND g.education_sector IS NOT DISTINCT FROM s.education_sector
        AND g.years_in_position_band IS NOT DISTINCT FROM s.years_in_position_band;

CREATE TABLE floor_placement.unit_fit AS
WITH counted AS (
    SELECT
        region,
        unit_code,
        count(*) AS active_headcount,
        count(*) FILTER (WHERE employment_type = 'PNS') AS active_pns,
        count(*) FILTER (WHERE fit <> 'not_assessed') AS assessed,
        count(*) FILTER (WHERE fit = 'match') AS matches,
        count(*) FILTER (WHERE fit = 'related') AS related,
        count(*) FILTER (WHERE fit = 'mismatch') AS mismatches,
        count(*) FILTER (WHERE fit = 'not_assessed') AS not_assessed,
        count(*) FILTER (WHERE is_critical_mismatch) AS critical_mismatches,
        count(*) FILTER (WHERE is_merit_eligible) AS merit_eligible,
        avg(years_in_position) AS mean_years_in_position
    FROM employee_merit
    GROUP BY region, unit_code
)

SELECT
    c.region,
    c.unit_code,
    u.sector,
    c.active_headcount,
    c.active_pns,
    c.assessed,
    c.matches,
    c.related,
    c.mismatches,
    c.not_assessed,
    c.critical_mismatches,
    CAST(round(100.0 * c.matches / nullif(c.assessed, 0), 2) AS DECIMAL(5, 2)) AS fit_rate_pct,
    CAST(round(100.0 * (c.matches + c.related) / nullif(c.assessed, 0), 2) AS DECIMAL(5, 2)) AS fit_or_related_pct,
    c.merit_eligible,
    CAST(round(c.mean_years_in_position, 2) AS DECIMAL(6, 2)) AS mean_years_in_position
FROM counted AS c
LEFT JOIN cur_units AS u ON c.region = u.region AND c.unit_code = u.unit_code;

-- The placement snapshot (SCD type 2 over deliveries): every delivered personnel row, one per person and delivery
-- date (a delta is the later word on its day), compared with the person's previous delivery in one window pass.
CREATE OR REPLACE TEMP TABLE per_delivery AS
SELECT
    p._region AS region,
    p.nip,
    p.unit_code,
    p.position_title,
    p.position_type,
    p.golongan,
    p.golongan_start,
    p.position_start,
    p.status,
    l.delivery_date,
    e.delivery_date AS ended_date
FROM raw.personnel AS p
INNER JOIN counted_loads AS l ON l.dataset = 'personnel' AND p._load_id = l.load_id
LEFT JOIN counted_loads AS e ON e.dataset = 'personnel' AND p._ended_load_id = e.load_id
QUALIFY row_number() OVER (
    PARTITION BY p._region, p.nip, l.delivery_date
    ORDER BY CASE WHEN l.delivery_kind = 'delta' THEN 0 ELSE 1 END, l.finished_at DESC, p._source_row DESC
) = 1;

-- The full detail is the HR agency's (restricted_floor.sql writes it); movements count from it.
CREATE OR REPLACE TEMP TABLE placement_history_detail AS
WITH compared AS (
    SELECT
        *,
        lag(unit_code) OVER person AS previous_unit_code,
        lag(position_title) OVER person AS previous_position_title,
        lag(golongan) OVER person AS previous_golongan,
        lag(status) OVER person AS previous_status,
        row_number() OVER person AS delivery_number
    FROM per_delivery
    WINDOW person AS (PARTITION BY region, nip ORDER BY delivery_date)
),

changes AS (
    SELECT
        *,
        delivery_number > 1 AND unit_code IS DISTINCT FROM previous_unit_code AS is_transfer,
        delivery_number > 1 AND position_title IS DISTINCT FROM previous_position_title AS is_position_change,
        delivery_number > 1 AND golongan IS DISTINCT FROM previous_golongan AS is_golongan_change,
        delivery_number > 1 AND status IS DISTINCT FROM previous_status AS is_status_change
    FROM compared
),

versions AS (
    SELECT
        *,
        lead(delivery_date) OVER person AS next_version_from,
        row_number() OVER person AS version_number
    FROM changes
    WHERE delivery_number = 1 OR is_transfer OR is_position_change OR is_golongan_change OR is_status_change
    WINDOW person AS (PARTITION BY region, nip ORDER BY delivery_date)
),

-- A person whose last version a full extract ended without a new one has left the region's records then.
dropped AS (
    SELECT region, nip, ended_date AS dropped_on
    FROM per_delivery
    QUALIFY row_number() OVER (PARTITION BY region, nip ORDER BY delivery_date DESC) = 1 AND ended_date IS NOT NULL
)

SELECT
    coalesce(e.employee_key, CAST(sha256(getvariable('asn_pseudonym_key') || ':' || v.nip) AS VARCHAR))
        AS employee_key,
    v.region,
    CAST(v.version_number AS INTEGER) AS version_number,
    v.unit_code,
    v.position_type,
    v.golongan,
    v.status,
    v.position_start,
    v.golongan_start,
    v.delivery_date AS valid_from,
    coalesce(v.next_version_from, d.dropped_on) AS valid_to,
    v.next_version_from IS NULL AND d.dropped_on IS NULL AS is_current,
    v.previous_unit_code,
    v.previous_golongan,
    v.previous_status,
    v.is_transfer,
    v.is_position_change,
    v.is_golongan_change AND current_rank.golongan_order > previous_rank.golongan_order AS is_promotion,
    v.is_status_change
FROM versions AS v
LEFT JOIN dropped AS d ON v.region = d.region AND v.nip = d.nip AND v.next_version_from IS NULL
LEFT JOIN employees AS e ON v.region = e.region AND v.nip = e.nip
LEFT JOIN ref_golongan AS current_rank ON v.golongan = current_rank.golongan
LEFT JOIN ref_golongan AS previous_rank ON v.previous_golongan = previous_rank.golongan;

-- k-anonymous for analysts: delivery dates to the month, no TMT dates, golongan without its ruang; the
-- quasi-identifiers of a class of fewer than k people of a region suppressed, and the next smallest classes with
-- them until the suppressed are k. A person has several versions: classes count distinct people.
CREATE OR REPLACE TEMP TABLE placement_history_generalised AS
SELECT
    employee_key,
    region,
    version_number,
    unit_code,
    position_type,
    split_part(golongan, '/', 1) AS golongan,
    status,
    CAST(date_trunc('month', valid_from) AS DATE) AS valid_from_month,
    CAST(date_trunc('month', valid_to) AS DATE) AS valid_to_month,
    is_current,
    previous_unit_code,
    split_part(previous_golongan, '/', 1) AS previous_golongan,
    previous_status,
    is_transfer,
    is_position_change,
    is_promotion,
    is_status_change
FROM placement_history_detail;

CREATE TABLE floor_placement.placement_history AS
WITH counted AS (
    SELECT
        region, unit_code, position_type, golongan, status, valid_from_month, valid_to_month, previous_unit_code,
        previous_golongan, previous_status,
        count(DISTINCT employee_key) AS class_size
    FROM placement_history_generalised
    GROUP BY ALL
),

classes AS (
    SELECT
        *,
        sum(class_size) OVER (
            PARTITION BY region
            ORDER BY
                class_size, unit_code, position_type, golongan, status, valid_from_month, valid_to_month,
                previous_unit_code, previous_golongan, previous_status
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) - class_size AS smaller_people,
        sum(CASE WHEN class_size < getvariable('k_anonymity_min') THEN class_size ELSE 0 END)
            OVER (PARTITION BY region) AS people_in_small_classes
    FROM counted
),

suppressed AS (
    SELECT
        region, unit_code, position_type, golongan, status, valid_from_month, valid_to_month, previous_unit_code,
        previous_golongan, previous_status
    FROM classes
    WHERE
        class_size < getvariable('k_anonymity_min')
        OR (people_in_small_classes > 0 AND smaller_people < getvariable('k_anonymity_min'))
)

SELECT
    g.employee_key,
    g.region,
    g.version_number,
    CASE WHEN s.region IS NULL THEN g.unit_code END AS unit_code,
    CASE WHEN s.region IS NULL THEN g.position_type END AS position_type,
    CASE WHEN s.region IS NULL THEN g.golongan END AS golongan,
    CASE WHEN s.region IS NULL THEN g.status END AS status,
    CASE WHEN s.region IS NULL THEN g.valid_from_month END AS valid_from_month,
    CASE WHEN s.region IS NULL THEN g.valid_to_month END AS valid_to_month,
    g.is_current,
    CASE WHEN s.region IS NULL THEN g.previous_unit_code END AS previous_unit_code,
    CASE WHEN s.region IS NULL THEN g.previous_golongan END AS previous_golongan,
    CASE WHEN s.region IS NULL THEN g.previous_status END AS previous_status,
    g.is_transfer,
    g.is_position_change,
    g.is_promotion,
    g.is_status_change,
    s.region IS NOT NULL AS qi_suppressed
FROM placement_history_generalised AS g
LEFT JOIN suppressed AS s
    ON
        g.region = s.region
        AND g.unit_code IS NOT DISTINCT FROM s.unit_code AND g.position_type IS NOT DISTINCT FROM s.position_type
        AND g.golongan IS NOT DISTINCT FROM s.golongan AND g.status IS NOT DISTINCT FROM s.status
        AND g.valid_from_month IS NOT DISTINCT FROM s.valid_from_month
        AND g.valid_to_month IS NOT DISTINCT FROM s.valid_to_month
        AND g.previous_unit_code IS NOT DISTINCT FROM s.previous_unit_code
        AND g.previous_golongan IS NOT DISTINCT FROM s.previous_golongan
        AND g.previous_status IS NOT DISTINCT FROM s.previous_status;

CREATE TABLE floor_placement.movements AS
WITH typed AS (
    SELECT region, unit_code, previous_unit_code, valid_from, 'transfer' AS movement_type
    FROM placement_history_detail WHERE version_number > 1 AND is_transfer
    UNION ALL
    SELECT region, unit_code, previous_unit_code, valid_from, 'promotion' AS movement_type
    FROM placement_history_detail WHERE version_number > 1 AND is_promotion
    UNION ALL
    SELECT region, unit_code, previous_unit_code, valid_from, 'position_change' AS movement_type
    FROM placement_history_detail WHERE version_number > 1 AND is_position_change AND NOT is_transfer
    UNION ALL
    SELECT region, unit_code, previous_unit_code, valid_from, 'exit' AS movement_type
    FROM placement_history_detail
    WHERE version_number > 1 AND is_status_change AND previous_status = 'active'
)

SELECT
    region,
    CAST(extract(year FROM valid_from) AS VARCHAR) || '-Q' || CAST(extract(quarter FROM valid_from) AS VARCHAR)
        AS year_quarter,
    movement_type,
    previous_unit_code AS from_unit_code,
    unit_code AS to_unit_code,
    count(*) AS movements,
    min(valid_from) AS first_seen,
    max(valid_from) AS last_seen
FROM typed
-- dim_date's span: a movement dated outside it has no quarter there, so dbt's join drops it.
WHERE valid_from BETWEEN DATE '2000-01-01' AND DATE '2035-12-31'
GROUP BY region, year_quarter, movement_type, previous_unit_code, unit_code;
