"""Figures of the generated Langsa sample (seed 20261123) that several tests assert, kept in one place."""

# Its published marts, row by row: 3,000 staff (2,854 active) in 16 units, 31,749 trainings over 2024-2026; one
# region; 2000-2035 day by day; one full personnel delivery, so one placement version each and no movements yet.
LANGSA_PUBLISHED_ROWS = {
    "core.dim_employee": 3000,
    "core.dim_region": 1,
    "core.dim_unit": 16,
    "core.dim_date": 13149,
    "competency.training_records": 31749,
    "competency.employee_year": 9000,
    "competency.unit_year": 48,
    "placement.placement_history": 3000,
    "placement.employee_fit": 2854,
    "placement.unit_fit": 16,
    "placement.merit_pipeline": 171,  # the 354 merit candidates (restricted.merit_candidates), in counts
    "placement.movements": 0,
    "service_quality.ikm_unit_period": 315,
    "service_quality.complaints_unit_period": 123,
    "service_quality.service_competency_link": 48,
    "service_quality.training_needs": 16,
    "service_quality.survey_suggestions": 3784,
}
