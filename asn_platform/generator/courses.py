"""The course catalogue trainings are drawn from: code, title, category, topics, provider, mode, JP, sector."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Course:
    code: str
    title: str
    category: str
    topics: tuple[str, ...]
    provider: str
    mode: str
    jp: int
    cost_per_jp: int  # rupiah
    sector: str | None = None  # the sector whose staff take it most; None for courses everybody takes
    weight: float = 10.0  # how often it is taken relative to the others of its pool


COURSES = (
    Course("PKA-01", "Pelatihan Kepemimpinan Administrator", "PKA", ("leadership",), "BPSDM Provinsi", "classical",
           210, 95_000, weight=0.6),
    Course("PKP-01", "Pelatihan Kepemimpinan Pengawas", "PKP", ("leadership",), "BPSDM Provinsi", "classical",
           160, 90_000, weight=1.2),
    Course("PKN-02", "Pelatihan Kepemimpinan Nasional Tingkat II", "PKN", ("leadership", "regulation"), "LAN",
           "classical", 280, 120_000, weight=0.2),
    Course("TEK-DIG-01", "Literasi Digital dan Layanan Publik Online", "teknis", ("digital_ict", "service_behaviour"),
           "Diskominfo", "e_learning", 24, 15_000),
    Course("TEK-DIG-02", "Keamanan Informasi untuk ASN", "teknis", ("digital_ict",), "BSSN", "e_learning", 16, 15_000),
    Course("TEK-SPBE-01", "Sistem Pemerintahan Berbasis Elektronik", "teknis", ("digital_ict", "regulation"),
           "Kementerian PANRB", "e_learning", 20, 15_000),
    Course("SK-KOM-01", "Komunikasi Efektif dalam Pelayanan Publik", "sosial_kultural",
           ("communication", "service_behaviour"), "BPSDM Provinsi", "classical", 24, 60_000),
    Course("SK-PEL-01", "Budaya Pelayanan Prima (BerAKHLAK)", "sosial_kultural", ("service_behaviour",),
           "in-house", "classical", 16, 40_000),
    Course("SEM-01", "Seminar Inovasi Pelayanan Publik", "seminar_workshop", ("service_behaviour", "planning"),
           "Bappeda", "classical", 8, 50_000),
    Course("WS-01", "Workshop Penyusunan SKP dan Manajemen Kinerja", "seminar_workshop", ("regulation",), "BKPSDM",
           "classical", 8, 40_000),
    Course("FUN-KES-01", "Pelatihan Pelayanan Kegawatdaruratan", "fungsional", ("health",), "Kementerian Kesehatan",
           "classical", 40, 110_000, "health"),
    Course("FUN-KES-02", "Pelatihan Jabatan Fungsional Perawat", "fungsional", ("health",), "Kementerian Kesehatan",
           "e_learning", 32, 20_000, "health"),
    Course("FUN-PDK-01", "Pendidikan Profesi Guru Dalam Jabatan", "fungsional", ("education",),
           "Kemendikdasmen", "e_learning", 60, 20_000, "education"),
    Course("TEK-PDK-01", "Pembelajaran Berbasis Teknologi Digital", "teknis", ("education", "digital_ict"),
           "Kemendikdasmen", "e_learning", 32, 15_000, "education"),
    Course("TEK-DKP-01", "Pelayanan Administrasi Kependudukan Online", "teknis", ("civil_registration", "digital_ict"),
           "Ditjen Dukcapil", "classical", 24, 80_000, "civil_registration"),
    Course("TEK-HUB-01", "Manajemen dan Informasi Angkutan Umum", "teknis", ("transport", "communication"),
           "Kementerian Perhubungan", "classical", 32, 85_000, "transport"),
    Course("FUN-KEU-01", "Pengelolaan Keuangan Daerah", "fungsional", ("finance", "regulation"), "BPKP", "classical",
           40, 90_000, "finance"),
    Course("FUN-PRC-01", "Perencanaan Pembangunan Daerah", "fungsional", ("planning",), "Bappenas", "classical", 40,
           90_000, "planning"),
    Course("TEK-SOS-01", "Pendampingan Program Bantuan Sosial", "teknis", ("social_welfare",), "Kementerian Sosial",
           "classical", 24, 70_000, "social"),
    Course("FUN-AUD-01", "Audit Kinerja Pemerintah Daerah", "fungsional", ("finance", "regulation"), "BPKP",
           "classical", 40, 95_000, "supervision"),
)  # fmt: skip
