"""Teks laporan dan ringkasan `make run` dalam Bahasa Indonesia (bawaan; ASN_REPORT_LANGUAGE=id).

Istilah peraturan ditulis seperti dalam peraturannya: Indeks Kepuasan Masyarakat (IKM), unsur pelayanan, Nilai
Rata-Rata (NRR), mutu pelayanan dan kinerja unit pelayanan (PermenPANRB 14/2017); Jam Pelajaran (JP) dan pengembangan
kompetensi paling sedikit 20 JP dalam 1 tahun (PP 11/2017 Pasal 203 ayat (4) sebagaimana diubah PP 17/2020); SKP dan
predikatnya (PermenPANRB 6/2022); Sistem Merit; golongan/ruang dan kenaikan pangkat (PP 99/2000); Pelindungan Data
Pribadi (UU 27/2022).
"""

MESSAGES = {
    # --- format ------------------------------------------------------------------------------------------------
    "format.timestamp": "{date} pukul {time} UTC",
    "format.clock": "%H.%M",
    "format.currency_prefix": "Rp",
    # pola d3-time-format untuk timeFormatLocale grafik (nama hari dan bulan dari CLDR melalui Babel)
    "format.d3_datetime": "%A, %e %B %Y %X",
    "format.d3_date": "%d/%m/%Y",
    "format.d3_time": "%H.%M.%S",
    # --- kelompok dan hitungan ---------------------------------------------------------------------------------
    "group.region": "daerah",
    "group.unit": "unit kerja",
    "count.region": "{n} daerah",
    "count.unit": "{n} unit kerja",
    "band.from": "{mutu} mulai {value}",
    # --- kode rujukan (seed dan mart) --------------------------------------------------------------------------
    "fit.match": "sesuai",
    "fit.related": "berkaitan",
    "fit.mismatch": "tidak sesuai",
    "fit.not_assessed": "tidak dinilai",
    "focus.regulation": "regulasi",
    "focus.digital_ict": "digital/TIK",
    "focus.finance": "keuangan",
    "focus.sector": "teknis sektoral",
    "focus.service_behaviour": "perilaku pelayanan",
    "focus.communication": "komunikasi",
    "stage.delivery": "Kiriman data, sebelum dimuat",
    "stage.raw": "Lapisan raw, sebelum dibaca dbt",
    "stage.marts": "Mart, sebelum diterbitkan",
    "severity.error": "galat",
    "severity.warning": "peringatan",
    # --- angka utama (ringkasan dan halaman laporan) -----------------------------------------------------------
    "headlines.region": "daerah",
    "headlines.year": "tahun",
    "headlines.met_20_jp": "capai 20 JP",
    "headlines.mean_jp": "rata-rata JP",
    "headlines.ict_jp": "JP TIK",
    "headlines.placement_fit": "kesesuaian penempatan",
    "headlines.critical_misfits": "ketidaksesuaian kritis",
    "headlines.merit_candidates": "kandidat merit",
    "headlines.ikm": "IKM",
    "headlines.note": (
        "Tahun lengkap terakhir setiap daerah (tahun snapshot-nya masih berjalan); kesesuaian penempatan: pegawai "
        "yang bidang pendidikannya sesuai dengan sektor unit kerjanya, dari pegawai yang dapat dinilai; IKM pada "
        "skala 25-100, ditimbang dengan jumlah responden."
    ),
    # --- halaman indeks laporan --------------------------------------------------------------------------------
    "index.title": "Platform data ASN: laporan",
    "index.written": "Ditulis {written}.",
    "index.reports": "Laporan",
    "index.not_built": "belum dibuat",
    "index.quality": "Kualitas data",
    "index.column.stage": "Tahap",
    "index.column.suites": "Suite",
    "index.column.runs": "Validasi",
    "index.column.checks": "Pemeriksaan",
    "index.column.failed_errors": "Galat gagal",
    "index.column.failed_warnings": "Peringatan gagal",
    "index.column.latest_run": "Validasi terakhir",
    "index.quality_note": (
        "Atas {runs} validasi terakhir setiap suite, seperti yang ditampilkan Data Docs. Pemeriksaan bertingkat galat "
        "yang gagal menghentikan tahapnya; peringatan yang gagal dicatat dan ditampilkan. Setiap pemeriksaan beserta "
        "nilai yang gagal ada di Data Docs."
    ),
    "index.no_quality": "Belum ada hasil pemeriksaan kualitas data: {error}",
    "index.data_docs_title": "Data Docs",
    "index.data_docs": (
        "Setiap pemeriksaan kualitas data dari validasi terakhir, per tahap dan suite, beserta nilai yang gagal "
        "(Great Expectations); dibuat ulang dengan make data-docs."
    ),
    "index.dbt_docs_title": "Dokumentasi dbt: model dan alur data",
    "index.dbt_docs": (
        "Setiap model, kolom, dan uji di gudang data, serta grafik alur data (lineage) dari kiriman mentah sampai "
        "setiap mart (dbt docs generate --static)."
    ),
    # --- laporan kepegawaian -----------------------------------------------------------------------------------
    "nav.reports": "Laporan",
    "nav.workforce": "Kepegawaian",
    "workforce.entry_title": "Laporan kepegawaian ASN",
    "workforce.scope_regions": "secara keseluruhan dan untuk setiap daerah ({n} daerah)",
    "workforce.scope_any": "secara keseluruhan dan per daerah",
    "workforce.entry_description": (
        "Grafik {scope}: IKM terhadap mutu pelayanan, unsur pelayanan IKM yang terlemah, pengembangan kompetensi "
        "terhadap 20 JP, pelatihan TIK, kesesuaian penempatan, kandidat Sistem Merit, dan kaitan kompetensi dengan "
        "kualitas pelayanan."
    ),
    "workforce.title": (
        "Laporan kepegawaian ASN: pengembangan kompetensi, penempatan, Sistem Merit, dan kualitas pelayanan"
    ),
    "workforce.region_title": "{region}: laporan kepegawaian ASN",
    "workforce.region_lead": (
        "{region}, {province}: {headcount} ASN aktif pada snapshot data kepegawaian {snapshot}, per unit kerja."
    ),
    "workforce.region_note": "{province}; {headcount} pegawai aktif; snapshot {snapshot}",
    "workforce.overall_lead": "Semua daerah ({regions}), per daerah; halaman setiap daerah menampilkan unit kerjanya.",
    "workforce.no_snapshot": "(belum ada)",
    "workforce.regions": "Daerah",
    "workforce.data_stamp_published": "Data: diterbitkan {published}; ",
    "workforce.data_stamp_written": (
        "ditulis {written} dari gudang data terbitan (mart berpseudonim, sesuai UU 27/2022 tentang Pelindungan Data "
        "Pribadi)."
    ),
    "workforce.chart_failed": "Grafik ini tidak dapat digambar:",
    # sumbu, legenda, dan tooltip grafik
    "chart.quarter": "triwulan",
    "chart.year": "tahun",
    "chart.respondents": "responden",
    "chart.services": "jenis layanan",
    "chart.services_below_minimum": "layanan di bawah sampel minimum",
    "chart.mutu_band": "mutu pelayanan (rentang IKM)",
    "chart.mutu_of_nrr": "mutu menurut NRR",
    "chart.element": "unsur pelayanan",
    "chart.weakest_in": "unit kerja yang unsur terlemahnya ini",
    "chart.training_for_element": "pelatihan yang menyasarnya",
    "chart.nrr_axis": "NRR (1-4)",
    "chart.active_staff": "pegawai aktif",
    "chart.share_of_staff": "porsi pegawai aktif",
    "chart.education_vs_sector": "pendidikan dibanding sektor unit kerja",
    "chart.fit": "kesesuaian",
    "chart.staff": "pegawai",
    "chart.fit_rate": "tingkat kesesuaian dari yang dinilai, %",
    "chart.critical_mismatches": "ketidaksesuaian kritis",
    "chart.golongan_step": "golongan sekarang → berikutnya",
    "chart.merit_candidates": "kandidat merit",
    "chart.placement_fit": "kesesuaian penempatan",
    "chart.candidates": "kandidat",
    "chart.meeting_jp": "pegawai yang mencapai 20 JP, %",
    "chart.ict_share": "porsi TIK dari JP, %",
    "chart.placement_fit_pct": "kesesuaian penempatan, %",
    "chart.weakest_element": "unsur terlemah",
    "chart.training_it_calls_for": "pelatihan yang dibutuhkan",
    # IKM per triwulan
    "ikm.title": "IKM per triwulan terhadap mutu pelayanan",
    "ikm.weight_one": "x {weight}",
    "ikm.weight_each": "x bobot unsurnya",
    "ikm.finding": " Pada {quarter}, {below} dari {groups} berada di bawah {target}.",
    "ikm.caption": (
        "Setiap sel adalah Indeks Kepuasan Masyarakat (IKM, PermenPANRB 14/2017) satu {group} dalam satu triwulan: "
        "Nilai Rata-Rata (NRR) setiap unsur dari sembilan unsur pelayanan {weight}, dijumlahkan, x {scale}; IKM satu "
        "{group} menggabungkan jawaban semua layanannya (IKM layanan ditimbang dengan jumlah responden). Warna sel "
        "adalah mutu pelayanan yang dicapai IKM setelah dibulatkan ke 2 desimal ({bounds}; seed ikm_bands). IKM "
        "{target} adalah batas bawah mutu {mutu} ({kinerja}), target platform ini.{finding} {small} dari "
        "{service_quarters} layanan-triwulan memiliki responden kurang dari sampel minimum Krejcie dan Morgan: tetap "
        "ditampilkan, tidak disembunyikan (lihat tooltip)."
    ),
    # unsur terlemah
    "elements.title": "Unsur pelayanan IKM yang terlemah",
    "elements.no_years": "belum ada",
    "elements.finding": " Yang terlemah adalah {element} (NRR {nrr}); pelatihan yang menyasarnya adalah {focus} "
    "(seed ikm_elements).",
    "elements.caption": (
        "Nilai Rata-Rata (NRR, 1-4) setiap unsur dari sembilan unsur pelayanan IKM atas {respondents} jawaban survei "
        "pada tahun lengkap terakhir ({years}), dari yang terlemah; garis putus-putus adalah batas bawah NRR setiap "
        "mutu ({bounds}; seed ikm_bands). Tooltip menyebut di berapa unit kerja unsur itu yang "
        "terlemah.{finding}"
    ),
    # pengembangan kompetensi terhadap 20 JP
    "training.title": "Cakupan pengembangan kompetensi terhadap {minimum} JP",
    "training.axis": "pegawai dengan paling sedikit {minimum} JP, %",
    "training.tooltip_met": "pegawai dengan {minimum} JP",
    "training.tooltip_mean": "JP per orang",
    "training.tooltip_short": "JP yang masih kurang dari {minimum}",
    "training.finding": " Pada {year}, {met} dari {staff} pegawai aktif ({share}) mencapai {minimum} JP.",
    "training.caption": (
        "Porsi pegawai aktif setiap {group} yang lulus pengembangan kompetensi paling sedikit {minimum} Jam Pelajaran "
        "(JP) dalam tahun itu: setiap PNS berhak atas pengembangan kompetensi paling sedikit {minimum} JP dalam 1 "
        "tahun (PP 11/2017 Pasal 203 ayat (4), sebagaimana diubah PP 17/2020; seed min_training_jp_per_year), jadi "
        "sasarannya 100%. Hanya pelatihan yang lulus yang dihitung. Tahun terakhir adalah tahun snapshot, dihitung "
        "sampai snapshot data kepegawaian ({snapshot}).{finding}"
    ),
    # TIK
    "ict.title": "Porsi pelatihan TIK",
    "ict.tooltip_trained": "pegawai yang pernah dilatih TIK, %",
    "ict.finding": " Terendah pada {year}: {group}, {share}.",
    "ict.caption": (
        "Porsi JP yang diselesaikan pegawai setiap {group} dalam pelatihan digital/TIK (topik digital_ict), "
        "ditimbang dengan JP; tooltip menambahkan porsi pegawai yang pernah mengikuti pelatihan TIK. Tidak ada "
        "peraturan yang menetapkan target: kajian kebijakan daerah sendiri meminta pelatihan TIK didahulukan, untuk "
        "pelayanan daring, dan pelatihan TIK adalah yang ditetapkan seed ikm_elements untuk unsur {elements}."
        "{finding}"
    ),
    # penempatan
    "placement.title": "Kesesuaian penempatan: pendidikan terhadap jabatan",
    "placement.overall": "{share} dari {assessed} pegawai yang dapat dinilai sesuai",
    "placement.overall_none": "tidak ada",
    "placement.caption": (
        "Pegawai aktif setiap {group} menurut kesesuaian sektor yang disiapkan pendidikannya (seed education_fields) "
        "dengan sektor unit kerjanya: sesuai, berkaitan (seed sector_relations), tidak sesuai, atau tidak dinilai "
        "(pendidikan umum atau bidang yang belum dipetakan). Lulusan kesehatan semestinya di dinas kesehatan atau "
        "Puskesmas. Diurutkan menurut tingkat kesesuaian (yang sesuai dari pegawai yang dapat dinilai). "
        "Keseluruhan: {overall}; {critical} pegawai menduduki jabatan kritis (seed critical_roles) tanpa pendidikan "
        "yang dibutuhkannya."
    ),
    # merit
    "merit.title": "Kandidat kenaikan pangkat menurut Sistem Merit",
    "merit.share": " ({share} dari {pns} PNS aktif)",
    "merit.the_bar": "batas",
    "merit.caption": (
        "{total} ASN{share} memenuhi setiap ketentuan Sistem Merit untuk kenaikan pangkat ke golongan berikutnya, "
        "menurut langkah golongan dan kesesuaian penempatannya: predikat SKP {predikat} atau lebih baik selama "
        "{skp_years} tahun berturut-turut (PermenPANRB 6/2022), paling singkat {golongan_years} tahun dalam "
        "golongan (PP 99/2000), {minimum} JP pada tahun lalu, dan tanpa hukuman disiplin dalam {sanction_years} "
        "tahun (seed platform_parameters). Kandidat yang ditempatkan tidak sesuai pendidikannya layak ditinjau "
        "sebelum kenaikan pangkat."
    ),
    # kompetensi dan kualitas pelayanan
    "link.title": "Kompetensi dan kualitas pelayanan",
    "link.too_few": " Terlalu sedikit unit kerja-tahun untuk mengukur kaitan.",
    "link.across": " Pada {points} unit kerja-tahun ini korelasinya {link}",
    "link.correlation_strong": "r = {r}: kaitan kuat{direction}; korelasi bukan sebab-akibat.",
    "link.correlation_moderate": "r = {r}: kaitan sedang{direction}; korelasi bukan sebab-akibat.",
    "link.correlation_weak": "r = {r}: kaitan lemah{direction}; korelasi bukan sebab-akibat.",
    "link.direction_up": " (cakupan lebih tinggi, IKM lebih tinggi)",
    "link.direction_down": " (cakupan lebih tinggi, IKM lebih rendah)",
    "link.caption": (
        "Setiap titik adalah satu unit kerja dalam satu tahun (service_quality.service_competency_link): porsi "
        "pegawainya yang mencapai {minimum} JP terhadap IKM-nya pada tahun itu (jawaban semua layanannya "
        "digabungkan), besarnya menurut jumlah responden. Garis putus-putus adalah batas bawah mutu pelayanan; IKM "
        "{target}, batas bawah mutu {mutu}, adalah target yang didahulukan dalam pelatihan unit kerja di bawahnya "
        "(training_needs).{correlation} Tooltip menyebut unsur terlemah unit kerja dan pelatihan yang dibutuhkannya."
    ),
    # --- ringkasan make run ------------------------------------------------------------------------------------
    "summary.title": "Platform data ASN: hasil",
    "summary.deliveries": "Kiriman data (pemuatan terakhir setiap kiriman):",
    "summary.deliveries_region": "daerah",
    "summary.deliveries_dataset": "dataset",
    "summary.deliveries_delivered": "dikirim",
    "summary.deliveries_status": "status",
    "summary.deliveries_received": "diterima",
    "summary.deliveries_loaded": "dimuat",
    "summary.deliveries_quarantined": "dikarantina",
    "summary.deliveries_duplicates": "duplikat",
    "summary.deliveries_seconds": "detik",
    "summary.quality": (
        "Pemeriksaan kualitas data (validasi terakhir setiap tabel; galat menghentikan tahapnya, peringatan "
        "ditampilkan):"
    ),
    "summary.quality_stage": "tahap",
    "summary.quality_tables": "tabel",
    "summary.quality_checks": "pemeriksaan",
    "summary.quality_failed": "gagal",
    "summary.quality_warned": "peringatan",
    "summary.rows_of": "{unexpected} dari {elements} baris",
    "summary.rows": "{n} baris",
    "summary.more_failures": "... dan {more} lagi di {table}",
    "summary.active": "ASN aktif per daerah (mart terbitan core.dim_employee):",
    "summary.active_count": "aktif",
    "summary.women": "perempuan",
    "summary.headlines": (
        "Angka utama, tahun lengkap terakhir (competency.unit_year, placement.unit_fit, "
        "service_quality.service_competency_link):"
    ),
    "summary.headlines_note": (
        "(kesesuaian penempatan: pegawai yang bidang pendidikannya sesuai dengan sektor unit kerjanya, dari pegawai "
        "yang dapat dinilai; IKM pada skala 25-100, mutu B mulai 76,61)"
    ),
    "summary.serving": "Versi terbitan {version}, diterbitkan {published}",
    "summary.nothing_published": "Belum ada yang diterbitkan.",
    "summary.where": "Letak berkas:",
    "summary.where.landing": "area pendaratan (kiriman data)",
    "summary.where.build": "basis data build (privat)",
    "summary.where.published": "terbitan berpseudonim (analis)",
    "summary.where.restricted": "terbitan terbatas (BKPSDM)",
    "summary.where.restricted_note": "(hanya pemilik: nama dan NIP)",
    "summary.where.parquet": "setiap mart sebagai Parquet",
    "summary.where.versions": "versi yang disimpan (rollback)",
    "summary.where.reports": "indeks laporan (grafik, lineage, DQ)",
    "summary.where.airflow": "direktori Airflow (metadata SQLite)",
    "summary.held": "Daerah yang ditahan karena berkas registrinya rusak (daerah lain tetap dimuat):",
    "summary.held_by_gate": (
        "Daerah yang ditahan oleh gerbang mutu mart (daerah lain diterbitkan; daerah ini tetap menyajikan data "
        "terbitan terakhirnya yang lolos):"
    ),
    "summary.bi": (
        "Koneksi BI (Superset, alat SQLAlchemy apa pun; "
        "hanya-baca, dialek `duckdb://` dari duckdb-sqlalchemy atau duckdb-engine):"
    ),
    "summary.jdbc": "JDBC (target PostgreSQL): {jdbc}",
    "summary.query": "Kueri gudang data terbitan (hanya-baca):",
}
