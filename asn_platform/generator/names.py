"""Name and agency vocabularies for synthetic personnel; common Indonesian and Acehnese names."""

MALE_GIVEN = (
    "Muhammad", "Ahmad", "Teuku", "Rizki", "Fadli", "Zulkifli", "Iskandar", "Hendra", "Agus", "Budi", "Dedi", "Eko",
    "Fajar", "Hasan", "Irfan", "Joko", "Khairul", "Mahmud", "Nasrul", "Rahmat", "Syahrul", "Taufik", "Yusuf", "Zainal",
)  # fmt: skip
FEMALE_GIVEN = (
    "Siti", "Nurul", "Cut", "Aisyah", "Dewi", "Fitri", "Intan", "Lestari", "Maya", "Nadia", "Putri", "Rahmawati",
    "Sri", "Wulan", "Yuni", "Zahra", "Ratna", "Indah", "Mutia", "Rina", "Safitri", "Hayati", "Nurhayati", "Ulfa",
)  # fmt: skip
FAMILY = (
    "Abdullah", "Ibrahim", "Hasibuan", "Nasution", "Lubis", "Harahap", "Siregar", "Syahputra", "Saputra", "Rahman",
    "Hidayat", "Kurniawan", "Setiawan", "Wijaya", "Pratama", "Maulana", "Ramadhan", "Yusuf", "Hakim", "Sulaiman",
    "Ismail", "Azhari", "Anwar", "Mansur", "Daud", "Husin", "Umar", "Zakaria",
)  # fmt: skip

# Kota Langsa's agencies (OPD): code, name, and how many staff each has relative to the others.
LANGSA_UNITS = (
    ("LGS-DINKES", "Dinas Kesehatan", 9),
    ("LGS-RSUD", "RSUD Kota Langsa", 14),
    ("LGS-PKM-LK", "Puskesmas Langsa Kota", 4),
    ("LGS-PKM-LB", "Puskesmas Langsa Barat", 3),
    ("LGS-DISDIK", "Dinas Pendidikan dan Kebudayaan", 30),
    ("LGS-DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", 3),
    ("LGS-DISHUB", "Dinas Perhubungan", 3),
    ("LGS-KOMINFO", "Dinas Komunikasi dan Informatika", 2),
    ("LGS-DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", 2),
    ("LGS-DINSOS", "Dinas Sosial", 2),
    ("LGS-BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", 2),
    ("LGS-BPKD", "Badan Pengelolaan Keuangan Daerah", 3),
    ("LGS-BAPPEDA", "Badan Perencanaan Pembangunan Daerah", 2),
    ("LGS-INSPEKTORAT", "Inspektorat", 2),
    ("LGS-KEC-LB", "Kecamatan Langsa Barat", 2),
    ("LGS-KEC-LK", "Kecamatan Langsa Kota", 2),
)
