-- The floor's service_quality marts, after marts_floor.sql (files run in name order): it reuses that script's
-- temporary tables (applied_loads, cur_units, cur_services, the ref_ seeds) and its floor_competency and
-- floor_placement tables, and writes floor_service_quality. Same tables, columns and values as dbt's
-- service_quality schema; the IKM arithmetic follows the models' own order (NRR per element as a double, summed
-- per period, fixed-point rounding) so the doubles round the same way.

CREATE OR REPLACE TEMP TABLE ref_ikm_elements AS
SELECT * FROM read_csv('${seeds}/ikm_elements.csv', header = true,
    columns = {'element': 'VARCHAR', 'element_order': 'INTEGER', 'name': 'VARCHAR', 'score_column': 'VARCHAR',
               'weight': 'DECIMAL(6,4)', 'training_focus': 'VARCHAR'});
CREATE OR REPLACE TEMP TABLE ref_ikm_bands AS
SELECT * FROM read_csv('${seeds}/ikm_bands.csv', header = true,
    columns = {'mutu': 'VARCHAR', 'kinerja': 'VARCHAR', 'ikm_min': 'DECIMAL(5,2)', 'ikm_max': 'DECIMAL(5,2)',
               'nrr_min': 'DECIMAL(6,4)', 'nrr_max': 'DECIMAL(6,4)'});
CREATE OR REPLACE TEMP TABLE ref_sectors AS
SELECT * FROM read_csv('${seeds}/sectors.csv', header = true,
    columns = {'sector': 'VARCHAR', 'name': 'VARCHAR', 'training_topic': 'VARCHAR'});

SET VARIABLE ikm_scale_factor = (SELECT value FROM ref_platform_parameters WHERE parameter = 'ikm_scale_factor');
SET VARIABLE ikm_chi_square = (SELECT value FROM ref_platform_parameters WHERE parameter = 'ikm_sample_chi_square');
SET VARIABLE ikm_proportion = (SELECT value FROM ref_platform_parameters WHERE parameter = 'ikm_sample_proportion');
SET VARIABLE ikm_margin = (SELECT value FROM ref_platform_parameters WHERE parameter = 'ikm_sample_margin');
SET VARIABLE ikm_drift_points = (
    SELECT value FROM ref_platform_parameters WHERE parameter = 'ikm_drift_warning_points'
);
SET VARIABLE ikm_target = (SELECT value FROM ref_platform_parameters WHERE parameter = 'ikm_target');
SET VARIABLE training_budget_idr = (SELECT value FROM ref_platform_parameters WHERE parameter = 'training_budget_idr');

-- A band is every IKM from its lower bound up to the next band's; the lowest band also takes what is under it.
CREATE OR REPLACE TEMP TABLE ikm_band_ranges AS
SELECT
    mutu,
    kinerja,
    ikm_min,
    lead(ikm_min) OVER (ORDER BY ikm_min) AS next_ikm_min,
    ikm_min = min(ikm_min) OVER () AS is_lowest
FROM ref_ikm_bands;

-- One scan of the current survey responses: each element's respondents and score sum per service and quarter,
-- then one row per element.
CREATE OR REPLACE TEMP TABLE element_sums AS
WITH wide AS (
    SELECT
        r._region AS region,
        r.unit_code,
        r.service_name,
        CAST(date_trunc('quarter', r.response_date) AS DATE) AS quarter_start,
        count(r.score_persyaratan) AS n_persyaratan, sum(r.score_persyaratan) AS s_persyaratan,
        count(r.score_prosedur) AS n_prosedur, sum(r.score_prosedur) AS s_prosedur,
        count(r.score_waktu) AS n_waktu, sum(r.score_waktu) AS s_waktu,
        count(r.score_biaya) AS n_biaya, sum(r.score_biaya) AS s_biaya,
        count(r.score_produk) AS n_produk, sum(r.score_produk) AS s_produk,
        count(r.score_kompetensi) AS n_kompetensi, sum(r.score_kompetensi) AS s_kompetensi,
        count(r.score_perilaku) AS n_perilaku, sum(r.score_perilaku) AS s_perilaku,
        count(r.score_sarana) AS n_sarana, sum(r.score_sarana) AS s_sarana,
        count(r.score_pengaduan) AS n_pengaduan, sum(r.score_pengaduan) AS s_pengaduan
    FROM (
        SELECT s.*
        FROM raw.survey_responses AS s
        INNER JOIN applied_loads AS a ON a.dataset = 'survey_responses' AND s._load_id = a.load_id AND s._ended_load_id IS NULL
        QUALIFY row_number() OVER (PARTITION BY s._region, s.response_id ORDER BY a.precedence) = 1
    ) AS r
    GROUP BY r._region, r.unit_code, r.service_name, quarter_start
)

SELECT
    w.region,
    w.unit_code,
    w.service_name,
    w.quarter_start,
    e.element,
    e.element_order,
    e.weight,
    e.training_focus,
    CAST(CASE e.element
        WHEN 'persyaratan' THEN w.n_persyaratan WHEN 'prosedur' THEN w.n_prosedur WHEN 'waktu' THEN w.n_waktu
        WHEN 'biaya' THEN w.n_biaya WHEN 'produk' THEN w.n_produk WHEN 'kompetensi' THEN w.n_kompetensi
        WHEN 'perilaku' THEN w.n_perilaku WHEN 'sarana' THEN w.n_sarana WHEN 'pengaduan' THEN w.n_pengaduan
    END AS BIGINT) AS respondents,
    CAST(CASE e.element
        WHEN 'persyaratan' THEN w.s_persyaratan WHEN 'prosedur' THEN w.s_prosedur WHEN 'waktu' THEN w.s_waktu
        WHEN 'biaya' THEN w.s_biaya WHEN 'produk' THEN w.s_produk WHEN 'kompetensi' THEN w.s_kompetensi
        WHEN 'perilaku' THEN w.s_perilaku WHEN 'sarana' THEN w.s_sarana WHEN 'pengaduan' THEN w.s_pengaduan
    END AS BIGINT) AS score_sum
FROM wide AS w
CROSS JOIN ref_ikm_elements AS e;

DROP SCHEMA IF EXISTS floor_service_quality CASCADE;
CREATE SCHEMA floor_service_quality;

CREATE TABLE floor_service_quality.ikm_unit_period AS
WITH periods AS (
    SELECT
        region,
        unit_code,
        service_name,
        quarter_start,
        max(respondents) AS respondents,
        max(CASE WHEN element = 'persyaratan' THEN CAST(score_sum AS DOUBLE) / respondents END) AS nrr_persyaratan,
        max(CASE WHEN element = 'prosedur' THEN CAST(score_sum AS DOUBLE) / respondents END) AS nrr_prosedur,
        max(CASE WHEN element = 'waktu' THEN CAST(score_sum AS DOUBLE) / respondents END) AS nrr_waktu,
        max(CASE WHEN element = 'biaya' THEN CAST(score_sum AS DOUBLE) / respondents END) AS nrr_biaya,
        max(CASE WHEN element = 'produk' THEN CAST(score_sum AS DOUBLE) / respondents END) AS nrr_produk,
        max(CASE WHEN element = 'kompetensi' THEN CAST(score_sum AS DOUBLE) / respondents END) AS nrr_kompetensi,
        max(CASE WHEN element = 'perilaku' THEN CAST(score_sum AS DOUBLE) / respondents END) AS nrr_perilaku,
        max(CASE WHEN element = 'sarana' THEN CAST(score_sum AS DOUBLE) / respondents END) AS nrr_sarana,
        max(CASE WHEN element = 'pengaduan' THEN CAST(score_sum AS DOUBLE) / respondents END) AS nrr_pengaduan,
        round(
            CAST(sum(CAST(score_sum AS DOUBLE) / respondents * weight) * getvariable('ikm_scale_factor')
                AS DECIMAL(18, 6)),
            2
        ) AS ikm
    FROM element_sums
    GROUP BY region, unit_code, service_name, quarter_start
),

samples AS (
    SELECT
        region,
        unit_code,
        service_name,
        yearly_volume,
        ceil(CAST(
            getvariable('ikm_chi_square') * (yearly_volume / 4.0) * getvariable('ikm_proportion')
            * (1 - getvariable('ikm_proportion'))
            / (
                getvariable('ikm_margin') * getvariable('ikm_margin') * (yearly_volume / 4.0 - 1)
                + getvariable('ikm_chi_square') * getvariable('ikm_proportion') * (1 - getvariable('ikm_proportion'))
            )
            AS DECIMAL(18, 6)
        )) AS minimum_sample
    FROM cur_services
)

SELECT
    p.region,
    p.unit_code,
    p.service_name,
    CAST(extract(year FROM p.quarter_start) AS VARCHAR) || '-Q' || CAST(extract(quarter FROM p.quarter_start) AS VARCHAR)
        AS year_quarter,
    p.quarter_start,
    p.respondents,
    CAST(round(CAST(p.nrr_persyaratan AS DECIMAL(18, 6)), 4) AS DECIMAL(6, 4)) AS nrr_persyaratan,
    CAST(round(CAST(p.nrr_prosedur AS DECIMAL(18, 6)), 4) AS DECIMAL(6, 4)) AS nrr_prosedur,
    CAST(round(CAST(p.nrr_waktu AS DECIMAL(18, 6)), 4) AS DECIMAL(6, 4)) AS nrr_waktu,
    CAST(round(CAST(p.nrr_biaya AS DECIMAL(18, 6)), 4) AS DECIMAL(6, 4)) AS nrr_biaya,
    CAST(round(CAST(p.nrr_produk AS DECIMAL(18, 6)), 4) AS DECIMAL(6, 4)) AS nrr_produk,
    CAST(round(CAST(p.nrr_kompetensi AS DECIMAL(18, 6)), 4) AS DECIMAL(6, 4)) AS nrr_kompetensi,
    CAST(round(CAST(p.nrr_perilaku AS DECIMAL(18, 6)), 4) AS DECIMAL(6, 4)) AS nrr_perilaku,
    CAST(round(CAST(p.nrr_sarana AS DECIMAL(18, 6)), 4) AS DECIMAL(6, 4)) AS nrr_sarana,
    CAST(round(CAST(p.nrr_pengaduan AS DECIMAL(18, 6)), 4) AS DECIMAL(6, 4)) AS nrr_pengaduan,
    CAST(p.ikm AS DECIMAL(5, 2)) AS ikm,
    b.mutu,
    b.kinerja,
    CAST(s.yearly_volume AS BIGINT) AS yearly_service_volume,
    CAST(s.minimum_sample AS BIGINT) AS minimum_sample,
    p.respondents >= s.minimum_sample AS is_sample_adequate,
    CAST(previous.ikm AS DECIMAL(5, 2)) AS previous_quarter_ikm,
    CAST(p.ikm - previous.ikm AS DECIMAL(6, 2)) AS ikm_change,
    coalesce(abs(p.ikm - previous.ikm) > getvariable('ikm_drift_points'), false) AS is_drift_warning
FROM periods AS p
LEFT JOIN ikm_band_ranges AS b
    ON (p.ikm >= b.ikm_min OR b.is_lowest) AND (p.ikm < b.next_ikm_min OR b.next_ikm_min IS NULL)
LEFT JOIN samples AS s ON p.region = s.region AND p.unit_code = s.unit_code AND p.service_name = s.service_name
LEFT JOIN periods AS previous
    ON
        p.region = previous.region
        AND p.unit_code = previous.unit_code
        AND p.service_name = previous.service_name
        AND CAST(p.quarter_start - INTERVAL 3 MONTH AS DATE) = previous.quarter_start;

CREATE TABLE floor_service_quality.complaints_unit_period AS
WITH complaints AS (
    SELECT
        c._region AS region,
        c.unit_code,
        c.channel,
        c.status,
        CAST(date_trunc('quarter', c.received_at) AS DATE) AS quarter_start,
        CASE
            WHEN c.status = 'resolved' AND c.resolved_at IS NOT NULL
                THEN date_diff('second', c.received_at::TIMESTAMP, c.resolved_at::TIMESTAMP) / 86400.0
        END AS days_to_resolve,
        CASE
            WHEN c.first_response_at IS NOT NULL
                THEN date_diff('second', c.received_at::TIMESTAMP, c.first_response_at::TIMESTAMP) / 86400.0
        END AS days_to_first_response
    FROM raw.complaints AS c
    INNER JOIN applied_loads AS a ON a.dataset = 'complaints' AND c._load_id = a.load_id AND c._ended_load_id IS NULL
    QUALIFY row_number() OVER (PARTITION BY c._region, c.complaint_id ORDER BY a.precedence) = 1
),

unit_quarters AS (
    SELECT
        region,
        unit_code,
        quarter_start,
        count(*) AS complaints,
        count(*) FILTER (WHERE channel = 'sp4n_lapor') AS complaints_sp4n_lapor,
        count(*) FILTER (WHERE channel = 'whatsapp') AS complaints_whatsapp,
        count(*) FILTER (WHERE channel = 'website') AS complaints_website,
        count(*) FILTER (WHERE channel = 'counter') AS complaints_counter,
        count(*) FILTER (WHERE status = 'resolved') AS resolved,
        quantile_cont(days_to_resolve, 0.5) AS median_days_to_resolve,
        quantile_cont(days_to_resolve, 0.9) AS p90_days_to_resolve,
        quantile_cont(days_to_first_response, 0.5) AS median_days_to_first_response
    FROM complaints
    GROUP BY region, unit_code, quarter_start
)

SELECT
    region,
    unit_code,
    CAST(extract(year FROM quarter_start) AS VARCHAR) || '-Q' || CAST(extract(quarter FROM quarter_start) AS VARCHAR)
        AS year_quarter,
    quarter_start,
    complaints,
    complaints_sp4n_lapor,
    complaints_whatsapp,
    complaints_website,
    complaints_counter,
    resolved,
    CAST(round(CAST(100.0 * resolved / complaints AS DECIMAL(18, 6)), 2) AS DECIMAL(5, 2)) AS share_resolved_pct,
    CAST(round(CAST(median_days_to_resolve AS DECIMAL(18, 6)), 4) AS DECIMAL(10, 4)) AS median_days_to_resolve,
    CAST(round(CAST(p90_days_to_resolve AS DECIMAL(18, 6)), 4) AS DECIMAL(10, 4)) AS p90_days_to_resolve,
    CAST(round(CAST(median_days_to_first_response AS DECIMAL(18, 6)), 4) AS DECIMAL(10, 4))
        AS median_days_to_first_response
FROM unit_quarters;

-- Each unit's IKM per calendar year, all its services together, with its weakest element (ties: regulation order).
CREATE OR REPLACE TEMP TABLE ikm_unit_year AS
WITH unit_elements AS (
    SELECT
        region,
        unit_code,
        extract(year FROM quarter_start) AS calendar_year,
        element,
        element_order,
        weight,
        training_focus,
        sum(respondents) AS respondents,
        CAST(sum(score_sum) AS DOUBLE) / sum(respondents) AS nrr
    FROM element_sums
    GROUP BY region, unit_code, extract(year FROM quarter_start), element, element_order, weight, training_focus
),

unit_years AS (
    SELECT
        region,
        unit_code,
        calendar_year,
        max(respondents) AS respondents,
        round(CAST(sum(nrr * weight) * getvariable('ikm_scale_factor') AS DECIMAL(18, 6)), 2) AS ikm
    FROM unit_elements
    GROUP BY region, unit_code, calendar_year
),

weakest AS (
    SELECT *
    FROM unit_elements
    QUALIFY row_number() OVER (PARTITION BY region, unit_code, calendar_year ORDER BY nrr, element_order) = 1
)

SELECT
    y.region,
    y.unit_code,
    CAST(y.calendar_year AS INTEGER) AS calendar_year,
    CAST(y.respondents AS BIGINT) AS respondents,
    CAST(y.ikm AS DECIMAL(5, 2)) AS ikm,
    b.mutu,
    b.kinerja,
    w.element AS weakest_element,
    CAST(round(CAST(w.nrr AS DECIMAL(18, 6)), 4) AS DECIMAL(6, 4)) AS weakest_element_nrr,
    CASE WHEN w.training_focus = 'sector' THEN sc.training_topic ELSE w.training_focus END AS recommended_training_focus
FROM unit_years AS y
INNER JOIN weakest AS w ON y.region = w.region AND y.unit_code = w.unit_code AND y.calendar_year = w.calendar_year
LEFT JOIN ikm_band_ranges AS b
    ON (y.ikm >= b.ikm_min OR b.is_lowest) AND (y.ikm < b.next_ikm_min OR b.next_ikm_min IS NULL)
LEFT JOIN cur_units AS u ON y.region = u.region AND y.unit_code = u.unit_code
LEFT JOIN ref_sectors AS sc ON u.sector = sc.sector;

CREATE TABLE floor_service_quality.service_competency_link AS
SELECT
    y.region,
    y.unit_code,
    y.calendar_year,
    f.sector,
    i.respondents,
    i.ikm,
    i.mutu,
    y.active_headcount,
    y.meeting_20_jp_pct,
    y.mean_jp,
    y.ict_jp_pct,
    f.fit_rate_pct AS placement_fit_pct,
    y.ip_asn_mean,
    i.weakest_element,
    i.weakest_element_nrr,
    i.recommended_training_focus
FROM floor_competency.unit_year AS y
LEFT JOIN ikm_unit_year AS i
    ON y.region = i.region AND y.unit_code = i.unit_code AND y.calendar_year = i.calendar_year
LEFT JOIN floor_placement.unit_fit AS f ON y.region = f.region AND y.unit_code = f.unit_code;

-- Each region's units in its latest year, ranked by IKM gap to the target, then by the JP their staff lack; the
-- cost of closing each unit's gap at the region's cost per JP, added up in rank order against the budget.
CREATE TABLE floor_service_quality.training_needs AS
WITH latest AS (
    SELECT region, max(calendar_year) AS calendar_year FROM floor_competency.unit_year GROUP BY region
),

needs AS (
    SELECT
        l.region,
        l.unit_code,
        l.calendar_year,
        l.sector,
        l.ikm,
        l.mutu,
        CASE WHEN l.ikm IS NOT NULL THEN greatest(getvariable('ikm_target') - l.ikm, 0) END AS ikm_gap,
        l.active_headcount,
        y.active_headcount - y.meeting_20_jp AS below_20_jp,
        y.jp_short_of_20,
        y.jp_short_of_20
        * (1.0 * sum(y.training_cost_idr) OVER region / nullif(sum(y.jp_attended) OVER region, 0))
            AS estimated_cost_idr,
        l.weakest_element,
        l.recommended_training_focus
    FROM floor_service_quality.service_competency_link AS l
    INNER JOIN latest ON l.region = latest.region AND l.calendar_year = latest.calendar_year
    INNER JOIN floor_competency.unit_year AS y
        ON l.region = y.region AND l.unit_code = y.unit_code AND l.calendar_year = y.calendar_year
    WINDOW region AS (PARTITION BY l.region)
),

ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY region ORDER BY ikm_gap DESC NULLS LAST, ikm ASC NULLS LAST, jp_short_of_20 DESC, unit_code ASC
        ) AS need_rank
    FROM needs
),

allocated AS (
    SELECT
        *,
        sum(coalesce(estimated_cost_idr, 0)) OVER (
            PARTITION BY region ORDER BY need_rank ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS cumulative_cost_idr
    FROM ranked
)

SELECT
    region,
    unit_code,
    calendar_year,
    CAST(need_rank AS INTEGER) AS need_rank,
    sector,
    ikm,
    mutu,
    CAST(round(ikm_gap, 2) AS DECIMAL(5, 2)) AS ikm_gap,
    active_headcount,
    CAST(below_20_jp AS BIGINT) AS below_20_jp,
    jp_short_of_20,
    CAST(round(estimated_cost_idr, 0) AS BIGINT) AS estimated_cost_idr,
    CAST(round(cumulative_cost_idr, 0) AS BIGINT) AS cumulative_cost_idr,
    cumulative_cost_idr <= getvariable('training_budget_idr') AS is_funded_within_budget,
    weakest_element,
    recommended_training_focus
FROM allocated;
