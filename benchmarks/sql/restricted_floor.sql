-- The floor's restricted marts, after marts_floor.sql (files run in name order): it reuses that script's temporary
-- tables (applied_loads, employees, employee_year_scored, employee_merit, merit_candidates, placement_history_detail)
-- and writes floor_restricted.employee_identity, the re-identification table dbt builds as
-- restricted.employee_identity: the current personnel rows' NIP, name, unit and position beside the pseudonymous
-- key; and the HR agency's per-person performance and merit detail and placement history with its exact dates.

DROP SCHEMA IF EXISTS floor_restricted CASCADE;
CREATE SCHEMA floor_restricted;

CREATE TABLE floor_restricted.employee_identity AS
WITH personnel AS (
    SELECT p._region AS region, p.nip, p.full_name, p.unit_code, p.unit_name, p.position_title
    FROM raw.personnel AS p
    INNER JOIN applied_loads AS a ON a.dataset = 'personnel' AND p._load_id = a.load_id AND p._ended_load_id IS NULL
    QUALIFY row_number() OVER (PARTITION BY p._region, p.nip ORDER BY a.precedence) = 1
)
SELECT
    e.employee_key,
    e.region,
    p.nip,
    p.full_name,
    p.unit_code,
    p.unit_name,
    p.position_title,
    e.snapshot_date
FROM employees AS e
INNER JOIN personnel AS p ON e.region = p.region AND e.nip = p.nip;

CREATE TABLE floor_restricted.employee_merit AS SELECT * FROM employee_merit;

CREATE TABLE floor_restricted.merit_candidates AS SELECT * FROM merit_candidates;

CREATE TABLE floor_restricted.employee_performance AS
SELECT
    employee_key,
    region,
    calendar_year,
    skp_rating,
    discipline_state,
    ip_asn_kinerja,
    ip_asn_disiplin,
    ip_asn_score,
    ip_asn_band
FROM employee_year_scored;

CREATE TABLE floor_restricted.placement_history_detail AS SELECT * FROM placement_history_detail;
