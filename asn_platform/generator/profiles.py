"""Regional source profiles: how each region's systems write their extracts.

A profile is data, not code: headers per dataset (in the region's column order), the labels it uses for contract
values, and its file style. Onboarding a region's habits means adding a profile, not a writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from asn_platform.core.contract import DATASETS, IKM_ELEMENTS
from asn_platform.generator.names import (
    BANJAR_FAMILY,
    BANJARBARU_UNITS,
    FAMILY,
    FEMALE_GIVEN,
    LANGSA_UNITS,
    MALE_GIVEN,
    MALUT_FAMILY,
    MEDAN_FAMILY,
    MEDAN_UNITS,
    PAPUA_FAMILY,
    SOFIFI_UNITS,
    SORONG_UNITS,
)


@dataclass(frozen=True)
class CsvStyle:
    encoding: str = "utf-8"
    delimiter: str = ","
    line_end: str = "\n"
    date_format: str = "%Y-%m-%d"
    datetime_format: str = "%Y-%m-%d %H:%M:%S"
    decimal_comma: bool = False  # 1.250.000,00
    spaced_nip: bool = False  # 19850312 201001 1 003
    gzip: bool = False


@dataclass(frozen=True)
class JsonLinesStyle:
    """One JSON object per line; dotted headers nest (`skp.tahunLalu`)."""

    date_format: str = "%Y-%m-%d"
    datetime_format: str = "%Y-%m-%dT%H:%M:%S"


@dataclass(frozen=True)
class WorkbookStyle:
    """An Excel export: a title block above the header row, typed cells (Excel dates), a totals row at the end."""

    title: str
    sheets: Mapping[str, str]  # dataset -> sheet name
    header_row: int = 3  # 0-based: title, subtitle and a blank row above it
    date_format: str = "dd/mm/yyyy"
    datetime_format: str = "dd/mm/yyyy hh:mm"
    totals_label: str = "JUMLAH"


@dataclass(frozen=True)
class RegionProfile:
    region: str
    prefix: str  # of survey and complaint ids
    units: tuple[tuple[str, str, str, int], ...]
    headcount: int
    family_names: tuple[str, ...]
    style: CsvStyle | WorkbookStyle | JsonLinesStyle
    files: Mapping[str, str]  # dataset -> file name, with {date} as YYYYMMDD
    columns: Mapping[str, Mapping[str, str]]  # dataset -> {header: contract field}, in the region's order
    values: Mapping[str, Mapping[object, str]] = field(default_factory=dict)  # field -> {contract value: label}
    oap_share: float | None = None  # share of indigenous Papuans, where the region records it
    # Datasets the region serves through its HTTP API instead of files (written to the stand-in API's store).
    api_datasets: frozenset[str] = frozenset()
    # Regions that send one full extract and then daily deltas of changed rows: how many daily deltas follow.
    delta_days: int = 0

    @property
    def given_names(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return MALE_GIVEN, FEMALE_GIVEN


def reference_profile(profile: RegionProfile) -> RegionProfile:
    """How a region sends its reference lists (units, services): the platform's template, the same everywhere (a
    UTF-8 CSV with the contract's field names; see ingestion.registry.reference_template)."""
    return replace(
        profile,
        style=CsvStyle(),
        files={dataset: f"{dataset}_{{date}}.csv" for dataset in ("units", "services")},
        columns={dataset: {name: name for name in DATASETS[dataset].field_names} for dataset in ("units", "services")},
        values={},
        api_datasets=frozenset(),
    )


_STATUS_ID = {"active": "Aktif", "retired": "Pensiun", "transferred_out": "Mutasi Keluar", "deceased": "Meninggal"}
_COMMON_VALUES: dict[str, dict[object, str]] = {
    "gender": {"M": "L", "F": "P"},
    "respondent_gender": {"M": "L", "F": "P"},
    "category": {"fungsional": "Fungsional", "teknis": "Teknis", "sosial_kultural": "Sosial Kultural",
                 "seminar_workshop": "Seminar/Workshop"},
    "mode": {"classical": "Klasikal", "e_learning": "E-Learning"},
    "result": {"passed": "Lulus", "failed": "Tidak Lulus", "incomplete": "Tidak Selesai"},
    "joint_opd": {True: "Ya", False: "Tidak"},
    "channel": {"sp4n_lapor": "SP4N-LAPOR!", "whatsapp": "WhatsApp", "website": "Website", "counter": "Loket"},
    "complaint_status": {"received": "Diterima", "in_progress": "Diproses", "resolved": "Selesai",
                         "closed_unresolved": "Ditutup Tidak Selesai"},
}  # fmt: skip

LANGSA = RegionProfile(
    region="langsa",
    prefix="LGS",
    units=LANGSA_UNITS,
    headcount=3_000,
    family_names=FAMILY,
    style=CsvStyle(),
    files={"personnel": "langsa_pegawai_{date}.csv", "training": "langsa_diklat_{date}.csv",
           "survey_responses": "langsa_skm_{date}.csv", "complaints": "langsa_pengaduan_{date}.csv"},
    columns={
        "personnel": {
            "nip": "nip", "nama": "full_name", "tanggal_lahir": "birth_date", "jenis_kelamin": "gender",
            "jenis_asn": "employment_type", "golongan": "golongan", "jabatan": "position_title",
            "jenis_jabatan": "position_type", "kode_unit": "unit_code", "nama_unit": "unit_name",
            "tmt_jabatan": "position_start", "tmt_golongan": "golongan_start", "pendidikan": "education_level",
            "bidang_studi": "education_field", "skp_tahun_lalu": "skp_rating_last_year",
            "skp_dua_tahun_lalu": "skp_rating_year_before", "hukuman_disiplin": "discipline_sanction",
            "tgl_hukuman_disiplin": "discipline_date", "status_pegawai": "status",
        },
        "training": {
            "nip": "nip", "kode_diklat": "course_code", "nama_diklat": "course_title", "jenis_diklat": "category",
            "topik": "topic_tags", "penyelenggara": "provider", "metode": "mode", "tgl_mulai": "start_date",
            "tgl_selesai": "end_date", "jp": "jp", "biaya": "cost_idr", "hasil": "result",
            "kolaborasi_opd": "joint_opd",
        },
        "survey_responses": {
            "id_responden": "response_id", "kode_unit": "unit_code", "jenis_layanan": "service_name",
            "tanggal_survei": "response_date", **{f"u_{key}": f"score_{key}" for key, _ in IKM_ELEMENTS},
            "umur": "respondent_age_band", "jenis_kelamin": "respondent_gender",
            "pendidikan": "respondent_education", "pekerjaan": "respondent_occupation", "saran": "suggestion",
        },
        "complaints": {
            "no_pengaduan": "complaint_id", "kode_unit": "unit_code", "kanal": "channel", "kategori": "category",
            "waktu_diterima": "received_at", "waktu_tanggapan": "first_response_at", "waktu_selesai": "resolved_at",
            "status": "complaint_status",
        },
    },
    values=_COMMON_VALUES | {
        "status": _STATUS_ID,
        "discipline_sanction": {"none": "Tidak Ada", "light": "Ringan", "moderate": "Sedang", "heavy": "Berat"},
    },
)  # fmt: skip

# Kota Sorong: a Windows export, semicolon-separated in Windows-1252 with CRLF, day-first dates, decimal commas,
# NIPs printed with spaces, and an OAP column (special autonomy). Its survey puts complaint handling before
# facilities, the reverse of the regulation's order.
SORONG = RegionProfile(
    region="sorong",
    prefix="SRG",
    units=SORONG_UNITS,
    headcount=5_000,
    family_names=PAPUA_FAMILY,
    style=CsvStyle(encoding="cp1252", delimiter=";", line_end="\r\n", date_format="%d/%m/%Y",
                   datetime_format="%d/%m/%Y %H:%M", decimal_comma=True, spaced_nip=True),
    files={"personnel": "SIMPEG_SORONG_{date}.csv", "training": "DIKLAT_SORONG_{date}.csv",
           "survey_responses": "SKM_SORONG_{date}.csv", "complaints": "PENGADUAN_SORONG_{date}.csv"},
    columns={
        "personnel": {
            "NIP": "nip", "Nama Lengkap": "full_name", "Tgl Lahir": "birth_date", "L/P": "gender",
            "Status ASN": "employment_type", "Gol/Ruang": "golongan", "Jabatan": "position_title",
            "Jenis Jabatan": "position_type", "Kode OPD": "unit_code", "Nama OPD": "unit_name",
            "TMT Jabatan": "position_start", "TMT Golongan": "golongan_start", "Pendidikan Terakhir": "education_level",
            "Jurusan": "education_field", "SKP Tahun Lalu": "skp_rating_last_year",
            "SKP Dua Tahun Lalu": "skp_rating_year_before", "Hukdis": "discipline_sanction",
            "Tgl Hukdis": "discipline_date", "OAP": "oap_status", "Status": "status",
        },
        "training": {
            "NIP": "nip", "Kode Diklat": "course_code", "Nama Diklat": "course_title", "Jenis": "category",
            "Topik": "topic_tags", "Penyelenggara": "provider", "Metode": "mode", "Tgl Mulai": "start_date",
            "Tgl Selesai": "end_date", "JP": "jp", "Biaya (Rp)": "cost_idr", "Hasil": "result",
            "Lintas OPD": "joint_opd",
        },
        "survey_responses": {
            "No Responden": "response_id", "Kode OPD": "unit_code", "Layanan": "service_name",
            "Tanggal": "response_date", "Persyaratan": "score_persyaratan", "Prosedur": "score_prosedur",
            "Waktu": "score_waktu", "Biaya": "score_biaya", "Produk": "score_produk",
            "Kompetensi": "score_kompetensi", "Perilaku": "score_perilaku",
            "Penanganan Pengaduan": "score_pengaduan", "Sarana": "score_sarana",
            "Umur": "respondent_age_band", "L/P": "respondent_gender", "Pendidikan": "respondent_education",
            "Pekerjaan": "respondent_occupation", "Saran": "suggestion",
        },
        "complaints": {
            "No Aduan": "complaint_id", "Kode OPD": "unit_code", "Saluran": "channel", "Kategori": "category",
            "Tgl Terima": "received_at", "Tgl Tanggapan": "first_response_at", "Tgl Selesai": "resolved_at",
            "Status": "complaint_status",
        },
    },
    values=_COMMON_VALUES | {
        "status": {"active": "Aktif", "retired": "Pensiun", "transferred_out": "Pindah", "deceased": "Meninggal Dunia"},
        "discipline_sanction": {"none": "-", "light": "Ringan", "moderate": "Sedang", "heavy": "Berat"},
        "oap_status": {True: "Ya", False: "Tidak"},
    },
    oap_share=0.45,
)  # fmt: skip

# Sofifi: the Maluku Utara provincial government exports Excel workbooks built for printing: a title block above
# the header, Excel date cells, and a JUMLAH (totals) row at the bottom.
SOFIFI = RegionProfile(
    region="sofifi",
    prefix="MLU",
    units=SOFIFI_UNITS,
    headcount=7_000,
    family_names=MALUT_FAMILY,
    style=WorkbookStyle(
        title="PEMERINTAH PROVINSI MALUKU UTARA",
        sheets={"personnel": "Pegawai", "training": "Diklat", "survey_responses": "SKM", "complaints": "Pengaduan"},
    ),
    files={"personnel": "Data_Pegawai_Malut_{date}.xlsx", "training": "Data_Diklat_Malut_{date}.xlsx",
           "survey_responses": "Data_SKM_Malut_{date}.xlsx", "complaints": "Data_Pengaduan_Malut_{date}.xlsx"},
    columns={
        "personnel": {
            "NIP": "nip", "Nama": "full_name", "Tanggal Lahir": "birth_date", "Jenis Kelamin": "gender",
            "Jenis ASN": "employment_type", "Pangkat/Golongan": "golongan", "Jabatan": "position_title",
            "Jenis Jabatan": "position_type", "Kode Unit Kerja": "unit_code", "Unit Kerja": "unit_name",
            "TMT Jabatan": "position_start", "TMT Golongan": "golongan_start", "Pendidikan": "education_level",
            "Jurusan": "education_field", "Predikat SKP Tahun Lalu": "skp_rating_last_year",
            "Predikat SKP Dua Tahun Lalu": "skp_rating_year_before", "Hukuman Disiplin": "discipline_sanction",
            "Tanggal Hukuman Disiplin": "discipline_date", "Status Pegawai": "status",
        },
        "training": {
            "NIP": "nip", "Kode Pelatihan": "course_code", "Nama Pelatihan": "course_title",
            "Jenis Pelatihan": "category", "Topik": "topic_tags", "Penyelenggara": "provider", "Metode": "mode",
            "Tanggal Mulai": "start_date", "Tanggal Selesai": "end_date", "JP": "jp", "Biaya": "cost_idr",
            "Hasil": "result", "Kolaborasi OPD": "joint_opd",
        },
        "survey_responses": {
            "ID": "response_id", "Kode Unit Kerja": "unit_code", "Jenis Layanan": "service_name",
            "Tanggal": "response_date", **{f"U {name.title()}": f"score_{key}" for key, name in IKM_ELEMENTS},
            "Usia": "respondent_age_band", "Jenis Kelamin": "respondent_gender", "Pendidikan": "respondent_education",
            "Pekerjaan": "respondent_occupation", "Saran": "suggestion",
        },
        "complaints": {
            "No Pengaduan": "complaint_id", "Kode Unit Kerja": "unit_code", "Kanal": "channel", "Kategori": "category",
            "Diterima": "received_at", "Ditanggapi": "first_response_at", "Diselesaikan": "resolved_at",
            "Status": "complaint_status",
        },
    },
    values=_COMMON_VALUES | {
        "gender": {"M": "Laki-laki", "F": "Perempuan"},
        "status": _STATUS_ID,
        "discipline_sanction": {"none": "Tidak Ada", "light": "Ringan", "moderate": "Sedang", "heavy": "Berat"},
    },
)  # fmt: skip

# Kota Banjarbaru: a modern web HR system. Personnel and training come as JSON Lines files (nested objects for
# SKP and discipline); survey responses and complaints only through its paginated JSON API.
BANJARBARU = RegionProfile(
    region="banjarbaru",
    prefix="BJB",
    units=BANJARBARU_UNITS,
    headcount=4_000,
    family_names=BANJAR_FAMILY,
    style=JsonLinesStyle(),
    files={"personnel": "pegawai_{date}.jsonl", "training": "diklat_{date}.jsonl",
           "survey_responses": "survey_responses.jsonl", "complaints": "complaints.jsonl"},
    columns={
        "personnel": {
            "nip": "nip", "nama": "full_name", "tglLahir": "birth_date", "jenisKelamin": "gender",
            "jenisAsn": "employment_type", "golongan": "golongan", "jabatan.nama": "position_title",
            "jabatan.jenis": "position_type", "jabatan.tmt": "position_start", "unor.id": "unit_code",
            "unor.nama": "unit_name", "tmtGolongan": "golongan_start", "pendidikan.jenjang": "education_level",
            "pendidikan.jurusan": "education_field", "skp.tahunLalu": "skp_rating_last_year",
            "skp.duaTahunLalu": "skp_rating_year_before", "hukdis.jenis": "discipline_sanction",
            "hukdis.tanggal": "discipline_date", "status": "status",
        },
        "training": {
            "nip": "nip", "kode": "course_code", "nama": "course_title", "jenis": "category", "topik": "topic_tags",
            "penyelenggara": "provider", "metode": "mode", "mulai": "start_date", "selesai": "end_date",
            "jp": "jp", "biaya": "cost_idr", "hasil": "result", "lintasOpd": "joint_opd",
        },
        "survey_responses": {
            "id": "response_id", "unitCode": "unit_code", "serviceName": "service_name", "surveyDate": "response_date",
            **{f"scores.u{index}": f"score_{key}" for index, (key, _) in enumerate(IKM_ELEMENTS, start=1)},
            "respondent.ageBand": "respondent_age_band", "respondent.gender": "respondent_gender",
            "respondent.education": "respondent_education", "respondent.occupation": "respondent_occupation",
            "suggestion": "suggestion",
        },
        "complaints": {
            "ticketId": "complaint_id", "unitCode": "unit_code", "channel": "channel", "category": "category",
            "receivedAt": "received_at", "firstResponseAt": "first_response_at", "resolvedAt": "resolved_at",
            "status": "complaint_status",
        },
    },
    values={
        "gender": {"M": "L", "F": "P"},
        "status": {"active": "AKTIF", "retired": "PENSIUN", "transferred_out": "PINDAH", "deceased": "MENINGGAL"},
        "discipline_sanction": {"none": "TIDAK_ADA", "light": "RINGAN", "moderate": "SEDANG", "heavy": "BERAT"},
        "channel": {"sp4n_lapor": "LAPOR", "whatsapp": "WHATSAPP", "website": "WEB", "counter": "LOKET"},
        "complaint_status": {"received": "OPEN", "in_progress": "IN_PROGRESS", "resolved": "RESOLVED",
                             "closed_unresolved": "CLOSED"},
    },
    api_datasets=frozenset({"survey_responses", "complaints"}),
)  # fmt: skip

# Kota Medan, the largest: a vendor system's pipe-separated gzip extracts with abbreviated column names in its own
# order, compact dates (yyyymmdd), coded gender (1/2): one full extract, then daily deltas of changed rows only.
MEDAN = RegionProfile(
    region="medan",
    prefix="MDN",
    units=MEDAN_UNITS,
    headcount=12_000,
    family_names=MEDAN_FAMILY,
    style=CsvStyle(delimiter="|", date_format="%Y%m%d", datetime_format="%Y%m%d%H%M%S", gzip=True),
    files={"personnel": "medan_pegawai_{kind}_{date}.csv.gz", "training": "medan_diklat_{kind}_{date}.csv.gz",
           "survey_responses": "medan_skm_{kind}_{date}.csv.gz", "complaints": "medan_aduan_{kind}_{date}.csv.gz"},
    columns={
        "personnel": {
            "kd_unor": "unit_code", "nm_unor": "unit_name", "nip_baru": "nip", "nm_pegawai": "full_name",
            "jk": "gender", "tgl_lhr": "birth_date", "sts_peg": "status", "jns_asn": "employment_type",
            "gol_ruang": "golongan", "tmt_gol": "golongan_start", "nm_jab": "position_title",
            "jns_jab": "position_type", "tmt_jab": "position_start", "tk_pddk": "education_level",
            "nm_jur": "education_field", "skp_1": "skp_rating_last_year", "skp_2": "skp_rating_year_before",
            "hukdis": "discipline_sanction", "tgl_hukdis": "discipline_date",
        },
        "training": {
            "nip_baru": "nip", "kd_dik": "course_code", "nm_dik": "course_title", "jns_dik": "category",
            "tgl_mulai": "start_date", "tgl_sls": "end_date", "jml_jp": "jp", "topik": "topic_tags",
            "pnylggr": "provider", "mtd": "mode", "biaya": "cost_idr", "hsl": "result", "lintas_opd": "joint_opd",
        },
        "survey_responses": {
            "id_resp": "response_id", "tgl": "response_date", "kd_unor": "unit_code", "layanan": "service_name",
            **{f"u{index}": f"score_{key}" for index, (key, _) in enumerate(IKM_ELEMENTS, start=1)},
            "umur": "respondent_age_band", "jk": "respondent_gender", "pddk": "respondent_education",
            "pkrj": "respondent_occupation", "saran": "suggestion",
        },
        "complaints": {
            "no_tiket": "complaint_id", "kd_unor": "unit_code", "kanal": "channel", "ktgr": "category",
            "tgl_terima": "received_at", "tgl_respon": "first_response_at", "tgl_sls": "resolved_at",
            "sts": "complaint_status",
        },
    },
    values={
        "gender": {"M": "1", "F": "2"},
        "respondent_gender": {"M": "1", "F": "2"},
        "status": {"active": "AKTIF", "retired": "PENSIUN", "transferred_out": "MUTASI", "deceased": "WAFAT"},
        "discipline_sanction": {"none": "0", "light": "1", "moderate": "2", "heavy": "3"},
        "joint_opd": {True: "Y", False: "N"},
        "channel": {"sp4n_lapor": "LAPOR", "whatsapp": "WA", "website": "WEB", "counter": "LOKET"},
        "complaint_status": {"received": "BARU", "in_progress": "PROSES", "resolved": "SELESAI",
                             "closed_unresolved": "TUTUP"},
    },
    delta_days=3,
)  # fmt: skip

SAMPLE_PROFILES = (LANGSA, SOFIFI, SORONG, BANJARBARU, MEDAN)
