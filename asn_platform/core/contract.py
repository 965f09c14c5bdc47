"""The data contract: what each dataset a region delivers must contain once mapped to the project's names.

One source of truth: the ingestion derives raw table types and delivery checks from it, the generator writes it,
publishing refuses its direct identifiers, and `docs/data-contract.md` is rendered from it
(`python -m asn_platform contract --write`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PersonalData(StrEnum):
    DIRECT = "direct identifier"
    QUASI = "quasi-identifier"
    FREE_TEXT = "free text (may hold identifiers)"
    NONE = "none"


@dataclass(frozen=True)
class Field:
    name: str
    sql_type: str
    required: bool
    meaning: str
    term: str
    personal_data: PersonalData = PersonalData.NONE
    allowed: tuple[str, ...] = ()
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    format: str = ""
    separator: str | None = None  # a multi-valued field: every part must be one of `allowed`
    strip: str = ""  # characters sources put inside the value that carry no meaning (NIP printed with spaces)


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    reference: bool = False
    # A national catalogue the project keeps as a dbt seed (dbt_project/seeds/<name>.csv), not a regional delivery.
    national: bool = False

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)


GOLONGAN = tuple(
    f"{rank}/{step}"
    for rank, steps in (("I", "abcd"), ("II", "abcd"), ("III", "abcd"), ("IV", "abcde"))
    for step in steps
)
EDUCATION_LEVELS = ("SD", "SMP", "SLTA", "D1", "D2", "D3", "D4", "S1", "S2", "S3")
# UU 20/2023: managerial then non-managerial position types.
POSITION_TYPES = ("JPT Utama", "JPT Madya", "JPT Pratama", "Administrator", "Pengawas", "Fungsional", "Pelaksana")
# PermenPANRB 6/2022 SKP predikat, best first.
SKP_RATINGS = ("Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")
SANCTIONS = ("none", "light", "moderate", "heavy")
EMPLOYMENT_STATUSES = ("active", "retired", "transferred_out", "deceased")
SECTORS = ("health", "education", "civil_registration", "transport", "ict", "investment_permits", "social",
           "human_resources", "finance", "planning", "supervision", "general_administration", "public_works",
           "environment", "agriculture", "trade", "tourism")  # fmt: skip
TRAINING_CATEGORIES = ("PKA", "PKP", "PKN", "fungsional", "teknis", "sosial_kultural", "seminar_workshop")
TRAINING_TOPICS = ("digital_ict", "communication", "service_behaviour", "health", "civil_registration", "finance",
                   "planning", "education", "transport", "leadership", "regulation", "social_welfare")  # fmt: skip
TRAINING_MODES = ("classical", "e_learning")
TRAINING_RESULTS = ("passed", "failed", "incomplete")
# PermenPANRB 14/2017: the nine IKM elements, keyed by name (sources order the last two differently).
IKM_ELEMENTS = (
    ("persyaratan", "persyaratan"),
    ("prosedur", "sistem, mekanisme dan prosedur"),
    ("waktu", "waktu penyelesaian"),
    ("biaya", "biaya/tarif"),
    ("produk", "produk spesifikasi jenis pelayanan"),
    ("kompetensi", "kompetensi pelaksana"),
    ("perilaku", "perilaku pelaksana"),
    ("sarana", "sarana dan prasarana"),
    ("pengaduan", "penanganan pengaduan, saran dan masukan"),
)
AGE_BANDS = ("<20", "20-29", "30-39", "40-49", "50-59", "60+")
COMPLAINT_CHANNELS = ("sp4n_lapor", "whatsapp", "website", "counter")
COMPLAINT_STATUSES = ("received", "in_progress", "resolved", "closed_unresolved")

NIP = Field(
    "nip", "VARCHAR", True, "National civil-servant number", "Nomor Induk Pegawai (NIP)", PersonalData.DIRECT,
    pattern=r"^[0-9]{18}$", strip=" '",
    format="18 digits: birth date YYYYMMDD, appointment YYYYMM, gender 1/2, sequence 3; spaces and a leading "
           "apostrophe are removed",
)  # fmt: skip
UNIT_CODE = Field("unit_code", "VARCHAR", True, "Regional agency (OPD) code", "kode unit kerja / OPD")

PERSONNEL = Dataset(
    name="personnel",
    description="One row per civil servant in a region's HR extract (a full snapshot, or the changed rows of a delta).",
    key=("nip",),
    fields=(
        NIP,
        Field("full_name", "VARCHAR", True, "Full name", "nama", PersonalData.DIRECT),
        Field("birth_date", "DATE", True, "Date of birth", "tanggal lahir", PersonalData.DIRECT),
        Field("gender", "VARCHAR", True, "Gender", "jenis kelamin", PersonalData.QUASI, allowed=("M", "F")),
        Field("employment_type", "VARCHAR", True, "Permanent or contract civil servant", "jenis ASN",
              allowed=("PNS", "PPPK")),
        Field("golongan", "VARCHAR", False, "Rank; PNS only", "golongan/ruang", PersonalData.QUASI, allowed=GOLONGAN),
        Field("position_title", "VARCHAR", True, "Position held", "nama jabatan", PersonalData.QUASI),
        Field("position_type", "VARCHAR", True, "Position type under UU 20/2023", "jenis jabatan",
              allowed=POSITION_TYPES),
        UNIT_CODE,
        Field("unit_name", "VARCHAR", True, "Regional agency (OPD) name", "nama unit kerja"),
        Field("position_start", "DATE", True, "Start of the current position", "TMT jabatan"),
        Field("golongan_start", "DATE", False, "Start of the current golongan; PNS only", "TMT golongan"),
        Field("education_level", "VARCHAR", True, "Highest education level", "jenjang pendidikan",
              allowed=EDUCATION_LEVELS),
        Field("education_field", "VARCHAR", True, "Field of study of the highest education ('Umum' for schooling)",
              "bidang studi / jurusan"),
        Field("skp_rating_last_year", "VARCHAR", False, "Performance rating for last year", "predikat SKP tahun lalu",
              allowed=SKP_RATINGS),
        Field("skp_rating_year_before", "VARCHAR", False, "Performance rating for the year before last",
              "predikat SKP dua tahun lalu", allowed=SKP_RATINGS),
        Field("discipline_sanction", "VARCHAR", True, "Most recent discipline sanction", "hukuman disiplin",
              PersonalData.QUASI, allowed=SANCTIONS),
        Field("discipline_date", "DATE", False, "Date of that sanction", "tanggal hukuman disiplin"),
        Field("oap_status", "BOOLEAN", False, "Indigenous Papuan, where the region records it (special autonomy)",
              "Orang Asli Papua (OAP)", PersonalData.QUASI),
        Field("status", "VARCHAR", True, "Employment status", "status pegawai", allowed=EMPLOYMENT_STATUSES),
    ),
)  # fmt: skip

TRAINING = Dataset(
    name="training",
    description="One row per training a civil servant attended (competency development, pengembangan kompetensi).",
    key=("nip", "course_code", "start_date"),
    fields=(
        NIP,
        Field("course_code", "VARCHAR", True, "Course code", "kode diklat"),
        Field("course_title", "VARCHAR", True, "Course title", "nama diklat"),
        Field("category", "VARCHAR", True, "Kind of training: leadership (PKA/PKP/PKN), functional, technical, "
              "socio-cultural, seminar/workshop", "jenis pengembangan kompetensi", allowed=TRAINING_CATEGORIES),
        Field("topic_tags", "VARCHAR", False, "Topics of the course", "topik", allowed=TRAINING_TOPICS,
              separator=";"),
        Field("provider", "VARCHAR", True, "Who delivered it (BPSDM, LAN, a ministry, in-house)", "penyelenggara"),
        Field("mode", "VARCHAR", True, "Classroom or e-learning", "metode", allowed=TRAINING_MODES),
        Field("start_date", "DATE", True, "First day", "tanggal mulai"),
        Field("end_date", "DATE", True, "Last day; not before the first", "tanggal selesai"),
        Field("jp", "INTEGER", True, "Learning hours (1 JP = 45 minutes)", "jam pelajaran (JP)",
              minimum=1, maximum=1000),
        Field("cost_idr", "BIGINT", False, "Cost in rupiah", "biaya", minimum=0),
        Field("result", "VARCHAR", True, "Outcome", "hasil", allowed=TRAINING_RESULTS),
        Field("joint_opd", "BOOLEAN", True, "Organised jointly by several agencies", "kolaborasi antar-OPD"),
    ),
)  # fmt: skip

SURVEY_RESPONSES = Dataset(
    name="survey_responses",
    description="One row per answered public-satisfaction survey (SKM), the nine IKM elements scored 1-4.",
    key=("response_id",),
    fields=(
        Field("response_id", "VARCHAR", True, "Response identifier in the survey system", "nomor responden"),
        UNIT_CODE,
        Field("service_name", "VARCHAR", True, "Public service the respondent used", "jenis layanan"),
        Field("response_date", "DATE", True, "Date of the response", "tanggal survei"),
        *(
            Field(f"score_{key}", "INTEGER", True, f"Score for the element '{name}'", f"unsur {name}",
                  minimum=1, maximum=4)
            for key, name in IKM_ELEMENTS
        ),
        Field("respondent_age_band", "VARCHAR", False, "Respondent's age band", "umur", PersonalData.QUASI,
              allowed=AGE_BANDS),
        Field("respondent_gender", "VARCHAR", False, "Respondent's gender", "jenis kelamin", PersonalData.QUASI,
              allowed=("M", "F")),
        Field("respondent_education", "VARCHAR", False, "Respondent's education level", "pendidikan",
              PersonalData.QUASI, allowed=EDUCATION_LEVELS),
        Field("respondent_occupation", "VARCHAR", False, "Respondent's occupation", "pekerjaan", PersonalData.QUASI),
        Field("suggestion", "VARCHAR", False, "Free-text suggestion; may contain a phone number or a name",
              "saran", PersonalData.FREE_TEXT),
    ),
)  # fmt: skip

COMPLAINTS = Dataset(
    name="complaints",
    description="One row per complaint received by a unit, with its handling times.",
    key=("complaint_id",),
    fields=(
        Field("complaint_id", "VARCHAR", True, "Complaint identifier", "nomor pengaduan"),
        UNIT_CODE,
        Field("channel", "VARCHAR", True, "Where it arrived", "kanal pengaduan", allowed=COMPLAINT_CHANNELS),
        Field("category", "VARCHAR", True, "What it is about", "kategori"),
        Field("received_at", "TIMESTAMP", True, "When it was received", "waktu diterima"),
        Field("first_response_at", "TIMESTAMP", False, "First answer to the complainant", "waktu tanggapan pertama"),
        Field("resolved_at", "TIMESTAMP", False, "When it was resolved; not before received", "waktu selesai"),
        Field("status", "VARCHAR", True, "Handling status", "status", allowed=COMPLAINT_STATUSES),
    ),
)  # fmt: skip

UNITS = Dataset(
    name="units",
    description="Reference: each region's agencies (OPD) and the sector each belongs to.",
    key=("region", "unit_code"),
    reference=True,
    fields=(
        Field("region", "VARCHAR", True, "Region code from the source registry", "daerah"),
        UNIT_CODE,
        Field("unit_name", "VARCHAR", True, "Official name", "nama unit kerja"),
        Field("sector", "VARCHAR", True, "Sector the unit serves; placement fit compares against it", "urusan",
              allowed=SECTORS),
    ),
)  # fmt: skip

SERVICES = Dataset(
    name="services",
    description="Reference: public services each unit delivers, with yearly volume (sets the IKM minimum sample).",
    key=("region", "unit_code", "service_name"),
    reference=True,
    fields=(
        Field("region", "VARCHAR", True, "Region code", "daerah"),
        UNIT_CODE,
        Field("service_name", "VARCHAR", True, "Public service", "jenis layanan"),
        Field("yearly_volume", "INTEGER", True, "Services delivered per year", "jumlah layanan per tahun", minimum=0),
    ),
)  # fmt: skip

EDUCATION_FIELDS = Dataset(
    name="education_fields",
    description="Reference: which sector a field of study prepares for (education field -> sector).",
    key=("education_field",),
    reference=True,
    national=True,
    fields=(
        Field("education_field", "VARCHAR", True, "Field of study as the contract names it", "bidang studi"),
        Field("sector", "VARCHAR", True, "Sector it matches", "urusan", allowed=SECTORS),
    ),
)  # fmt: skip

TRAINING_TOPIC_CATALOGUE = Dataset(
    name="training_topics",
    description="Reference: the training topic catalogue.",
    key=("topic",),
    reference=True,
    national=True,
    fields=(
        Field("topic", "VARCHAR", True, "Topic code used in training.topic_tags", "kode topik",
              allowed=TRAINING_TOPICS),
        Field("name", "VARCHAR", True, "Topic name", "nama topik"),
    ),
)  # fmt: skip

DATASETS = {
    dataset.name: dataset
    for dataset in (PERSONNEL, TRAINING, SURVEY_RESPONSES, COMPLAINTS, UNITS, SERVICES, EDUCATION_FIELDS,
                    TRAINING_TOPIC_CATALOGUE)
}  # fmt: skip
REGIONAL_DATASETS = tuple(name for name, dataset in DATASETS.items() if not dataset.national)
DIRECT_IDENTIFIERS = frozenset(
    field.name
    for dataset in DATASETS.values()
    for field in dataset.fields
    if field.personal_data is PersonalData.DIRECT
)
