with

responses as (
    {{ current_delivered_rows('skm', 'survey_responses', ['response_id']) }}
)

select
    response_id,
    unit_code,
    service_name,
    response_date,
    score_persyaratan,
    score_prosedur,
    score_waktu,
    score_biaya,
    score_produk,
    score_kompetensi,
    score_perilaku,
    score_sarana,
    score_pengaduan,
    respondent_age_band,
    respondent_gender,
    respondent_education,
    respondent_occupation,
    suggestion,
    _region as region,
    _delivery_date as delivery_date,
    _load_id as load_id
from responses
