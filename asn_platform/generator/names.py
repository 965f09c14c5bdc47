"""Name and agency vocabularies for synthetic personnel; common Indonesian and Acehnese names."""

MALE_GIVEN = (
    "Muhammad", "Ahmad", "Teuku", "Rizki", "Fadli", "Zulkifli", "Iskandar", "Hendra", "Agus", "Budi", "Dedi", "Eko",
    "Fajar", "Hasan", "Irfan", "Joko", "Khairul", "Mahmud", "Nasrul", "Rahmat", "Syahrul", "Taufik", "Yusuf", "Zainal",
)  # fmt: skip
FEMALE_GIVEN = (
    "Siti", "Nurul", "Cut", "Aisyah", "Dewi", "Fitri", "Intan", "Lestari", "Maya", "Nadia", "Putri", "Rahmawati",
    "Sri", "Wulan", "Yuni", "Zahra", "Ratna", "Indah", "Mutia", "Rina", "Safitri", "Hayati", "Nurhayati", "Ulfa",
)  # fmt: skip
# Family names common in Kota Sorong (Papuan and migrant families); one carries a typographic apostrophe, as
# Windows systems write it, which only Windows-1252 (not Latin-1) can encode.
PAPUA_FAMILY = (
    "Mandacan", "Kambu", "Wamafma", "Rumbiak", "Yoku", "Sawaki", "Mayor", "Ayomi", "Kafiar", "Rumbewas", "Wanggai",
    "Fonataba", "Karubaba", "Ma\u2019ruf", "Pattiasina", "Latuheru", "Saputra", "Siregar", "Hasibuan", "Rahman",
)  # fmt: skip
# Family names common in North Maluku.
MALUT_FAMILY = (
    "Sangadji", "Tomagola", "Umasugi", "Buamona", "Kharie", "Laitupa", "Hasan", "Mahmud", "Syah", "Albaar",
    "Bopeng", "Tuasikal", "Djafar", "Soamole", "Kadir", "Haruna", "Ishak", "Gani", "Abdullah", "Saleh",
)  # fmt: skip
# Banjar families (South Kalimantan) and Batak, Malay, Javanese families common in Medan.
BANJAR_FAMILY = (
    "Noor", "Rahman", "Fauzi", "Hidayat", "Arsyad", "Baseri", "Anshari", "Mahmud", "Ramli", "Saberan", "Ilmi",
    "Husaini", "Rusdi", "Jamal", "Syarifuddin", "Hasan", "Kurniawan", "Effendi", "Rizal", "Fikri",
)  # fmt: skip
MEDAN_FAMILY = (
    "Nasution", "Lubis", "Harahap", "Siregar", "Simanjuntak", "Sitompul", "Hutapea", "Pasaribu", "Sinaga", "Tarigan",
    "Ginting", "Sembiring", "Purba", "Damanik", "Saragih", "Batubara", "Matondang", "Syahputra", "Wibowo", "Lim",
)  # fmt: skip
FAMILY = (
    "Abdullah", "Ibrahim", "Hasibuan", "Nasution", "Lubis", "Harahap", "Siregar", "Syahputra", "Saputra", "Rahman",
    "Hidayat", "Kurniawan", "Setiawan", "Wijaya", "Pratama", "Maulana", "Ramadhan", "Yusuf", "Hakim", "Sulaiman",
    "Ismail", "Azhari", "Anwar", "Mansur", "Daud", "Husin", "Umar", "Zakaria",
)  # fmt: skip

# Kota Langsa's agencies (OPD): code, name, sector, and how many staff each has relative to the others.
LANGSA_UNITS = (
    ("LGS-DINKES", "Dinas Kesehatan", "health", 9),
    ("LGS-RSUD", "RSUD Kota Langsa", "health", 14),
    ("LGS-PKM-LK", "Puskesmas Langsa Kota", "health", 4),
    ("LGS-PKM-LB", "Puskesmas Langsa Barat", "health", 3),
    ("LGS-DISDIK", "Dinas Pendidikan dan Kebudayaan", "education", 30),
    ("LGS-DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "civil_registration", 3),
    ("LGS-DISHUB", "Dinas Perhubungan", "transport", 3),
    ("LGS-KOMINFO", "Dinas Komunikasi dan Informatika", "ict", 2),
    ("LGS-DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "investment_permits", 2),
    ("LGS-DINSOS", "Dinas Sosial", "social", 2),
    ("LGS-BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "human_resources", 2),
    ("LGS-BPKD", "Badan Pengelolaan Keuangan Daerah", "finance", 3),
    ("LGS-BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "planning", 2),
    ("LGS-INSPEKTORAT", "Inspektorat", "supervision", 2),
    ("LGS-KEC-LB", "Kecamatan Langsa Barat", "general_administration", 2),
    ("LGS-KEC-LK", "Kecamatan Langsa Kota", "general_administration", 2),
)

# Fields of study and the sector each prepares for (the education field -> sector reference data).
EDUCATION_FIELD_SECTOR = {
    "Kesehatan Masyarakat": "health", "Keperawatan": "health", "Kebidanan": "health", "Kedokteran": "health",
    "Farmasi": "health", "Pendidikan Guru SD": "education", "Pendidikan Matematika": "education",
    "Pendidikan Bahasa Indonesia": "education", "Administrasi Kependudukan": "civil_registration",
    "Manajemen Transportasi": "transport", "Teknik Sipil": "public_works", "Teknik Informatika": "ict",
    "Sistem Informasi": "ict", "Ilmu Hukum": "investment_permits", "Ekonomi Pembangunan": "planning",
    "Perencanaan Wilayah dan Kota": "planning", "Kesejahteraan Sosial": "social", "Psikologi": "human_resources",
    "Manajemen Sumber Daya Manusia": "human_resources", "Akuntansi": "finance", "Manajemen Keuangan": "finance",
    "Auditing": "supervision", "Ilmu Pemerintahan": "general_administration",
    "Administrasi Publik": "general_administration", "Agroteknologi": "agriculture",
}  # fmt: skip

# Position titles by sector for functional (fungsional) staff; managerial titles are built from the unit.
FUNCTIONAL_TITLES = {
    "health": ("Perawat", "Bidan", "Dokter", "Apoteker", "Penyuluh Kesehatan Masyarakat"),
    "education": ("Guru", "Pengawas Sekolah", "Penilik"),
    "civil_registration": ("Administrator Database Kependudukan",),
    "transport": ("Penguji Kendaraan Bermotor", "Asisten Inspektur Angkutan Darat"),
    "ict": ("Pranata Komputer", "Pranata Hubungan Masyarakat"),
    "investment_permits": ("Penata Perizinan",),
    "social": ("Pekerja Sosial", "Penyuluh Sosial"),
    "human_resources": ("Analis Sumber Daya Manusia Aparatur", "Asesor SDM Aparatur"),
    "finance": ("Analis Pengelolaan Keuangan APBN", "Pengelola Pengadaan Barang/Jasa"),
    "planning": ("Perencana", "Statistisi"),
    "supervision": ("Auditor", "Pengawas Penyelenggaraan Urusan Pemerintahan Daerah"),
    "general_administration": ("Analis Kebijakan", "Arsiparis"),
}
ADMINISTRATIVE_TITLES = ("Pengadministrasi Umum", "Pengelola Data", "Pengolah Data dan Informasi", "Bendahara",
                         "Pengelola Layanan Operasional", "Operator Layanan Operasional")  # fmt: skip

# Kota Sorong's agencies (OPD).
SORONG_UNITS = (
    ("SRG-DINKES", "Dinas Kesehatan", "health", 8),
    ("SRG-RSUD", "RSUD Sele Be Solu", "health", 12),
    ("SRG-PKM-RB", "Puskesmas Remu", "health", 4),
    ("SRG-DISDIK", "Dinas Pendidikan", "education", 32),
    ("SRG-DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "civil_registration", 3),
    ("SRG-DISHUB", "Dinas Perhubungan", "transport", 4),
    ("SRG-KOMINFO", "Dinas Komunikasi, Informatika, Statistik dan Persandian", "ict", 2),
    ("SRG-DPMPTSP", "Dinas Penanaman Modal dan PTSP", "investment_permits", 2),
    ("SRG-DINSOS", "Dinas Sosial", "social", 2),
    ("SRG-BKPSDM", "Badan Kepegawaian dan Pengembangan SDM", "human_resources", 2),
    ("SRG-BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", "finance", 3),
    ("SRG-BAPPEDA", "Bappeda Litbang", "planning", 2),
    ("SRG-INSPEKTORAT", "Inspektorat", "supervision", 2),
    ("SRG-DIST-SRG", "Distrik Sorong", "general_administration", 2),
)

# The Maluku Utara provincial government's agencies, seated in Sofifi.
SOFIFI_UNITS = (
    ("MLU-DINKES", "Dinas Kesehatan Provinsi Maluku Utara", "health", 6),
    ("MLU-RSUD", "RSUD Sofifi", "health", 9),
    ("MLU-DIKBUD", "Dinas Pendidikan dan Kebudayaan", "education", 34),
    ("MLU-DUKCAPIL", "Dinas Pemberdayaan Masyarakat dan Desa, Kependudukan dan Pencatatan Sipil",
     "civil_registration", 2),
    ("MLU-DISHUB", "Dinas Perhubungan", "transport", 4),
    ("MLU-KOMINFO", "Dinas Komunikasi, Informatika dan Persandian", "ict", 2),
    ("MLU-DPMPTSP", "Dinas Penanaman Modal dan PTSP", "investment_permits", 2),
    ("MLU-DINSOS", "Dinas Sosial", "social", 2),
    ("MLU-BKD", "Badan Kepegawaian Daerah", "human_resources", 3),
    ("MLU-BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", "finance", 4),
    ("MLU-BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "planning", 3),
    ("MLU-INSPEKTORAT", "Inspektorat", "supervision", 3),
    ("MLU-PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "public_works", 5),
    ("MLU-PERTANIAN", "Dinas Pertanian", "agriculture", 4),
)  # fmt: skip

# Kota Banjarbaru (South Kalimantan's capital since 2022).
BANJARBARU_UNITS = (
    ("BJB-DINKES", "Dinas Kesehatan", "health", 8),
    ("BJB-RSD", "RSD Idaman", "health", 9),
    ("BJB-DISDIK", "Dinas Pendidikan", "education", 30),
    ("BJB-DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "civil_registration", 3),
    ("BJB-DISHUB", "Dinas Perhubungan", "transport", 3),
    ("BJB-DISKOMINFO", "Dinas Komunikasi dan Informatika", "ict", 2),
    ("BJB-DPMPTSP", "Dinas Penanaman Modal dan PTSP", "investment_permits", 2),
    ("BJB-DINSOS", "Dinas Sosial", "social", 2),
    ("BJB-BKPSDM", "Badan Kepegawaian dan Pengembangan SDM", "human_resources", 2),
    ("BJB-BKD", "Badan Keuangan Daerah", "finance", 3),
    ("BJB-BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "planning", 2),
    ("BJB-INSPEKTORAT", "Inspektorat", "supervision", 2),
    ("BJB-PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "public_works", 4),
    ("BJB-DLH", "Dinas Lingkungan Hidup", "environment", 3),
)  # fmt: skip

# Kota Medan, the largest: vendor system unit codes (kd_unor) are numeric.
MEDAN_UNITS = (
    ("1020100", "Dinas Kesehatan", "health", 10),
    ("1020200", "RSUD dr. Pirngadi", "health", 14),
    ("1010100", "Dinas Pendidikan", "education", 38),
    ("1060100", "Dinas Kependudukan dan Pencatatan Sipil", "civil_registration", 3),
    ("1150100", "Dinas Perhubungan", "transport", 5),
    ("1160100", "Dinas Komunikasi dan Informatika", "ict", 2),
    ("1180100", "Dinas Penanaman Modal dan PTSP", "investment_permits", 2),
    ("1060200", "Dinas Sosial", "social", 3),
    ("4050100", "Badan Kepegawaian dan Pengembangan SDM", "human_resources", 2),
    ("4020100", "Badan Pengelolaan Keuangan dan Aset Daerah", "finance", 4),
    ("4010100", "Bappeda", "planning", 2),
    ("4060100", "Inspektorat", "supervision", 2),
    ("1030100", "Dinas Sumber Daya Air, Bina Marga dan Bina Konstruksi", "public_works", 5),
    ("1110100", "Dinas Lingkungan Hidup", "environment", 4),
    ("3010100", "Dinas Pertanian dan Perikanan", "agriculture", 2),
    ("3060100", "Dinas Perdagangan", "trade", 2),
    ("3020100", "Dinas Kebudayaan dan Pariwisata", "tourism", 2),
    ("7010100", "Kecamatan Medan Kota", "general_administration", 2),
)  # fmt: skip
