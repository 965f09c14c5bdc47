"""`python -m ingestion`: what a data engineer sees, and the exit codes scripts rely on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from asn_platform.core.settings import SOURCES_DIR, Settings
from ingestion.__main__ import main
from ingestion.service import audit_rows


def _bad_gender_on_line_2(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[1].split(",")
    fields[3] = "X"  # jenis_kelamin
    path.write_text("".join([lines[0], ",".join(fields), *lines[2:]]), encoding="utf-8")


def test_sources_lists_every_region_and_how_it_delivers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    for expected in ("langsa", "sofifi", "sorong", "banjarbaru", "medan", "Asia/Makassar", "csv.gz", "delta", "api"):
        assert expected in out


def test_load_reports_each_delivery_and_exits_1_when_one_is_rejected(
    settings: Settings, sample_delivery: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (training,) = settings.landing_dir.glob("langsa/training/*/*.csv")
    training.write_text("", encoding="utf-8")  # an empty file from the region
    _bad_gender_on_line_2(sample_delivery)
    assert main(["load", "langsa"]) == 1
    out = capsys.readouterr().out
    assert "loaded  langsa/personnel/2026-11-01  langsa_pegawai_20261101.csv: 3,000 received, 2,999 loaded, " in out
    assert "1 quarantined" in out
    assert "rejected  langsa/training/2026-11-01" in out
    assert "empty file" in out
    assert "==> 6 deliveries: 5 fine, 1 rejected or waiting" in out
    assert main(["quarantine", "--region", "langsa"]) == 0
    shown = capsys.readouterr().out
    assert "langsa/personnel/2026-11-01/langsa_pegawai_20261101.csv" in shown
    assert "not_allowed:gender = X" in shown
    assert main(["audit", "langsa"]) == 0
    assert "empty file (no header line)" in capsys.readouterr().out


def test_loading_every_region_reports_each_region_with_the_count_done(
    settings: Settings, sample_delivery: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["load", "--all"]) == 0
    regions = [line for line in capsys.readouterr().out.splitlines() if "] load: " in line]
    assert [line.split("] load: ")[1].split(" in ")[0] for line in regions] == [
        "banjarbaru 0 deliveries", "langsa 6 deliveries", "medan 0 deliveries", "sofifi 0 deliveries",
        "sorong 0 deliveries",
    ]  # fmt: skip
    assert [line.split("] load: ")[0].rsplit(" ", 1)[1] for line in regions] == ["1/5", "2/5", "3/5", "4/5", "5/5"]


def test_loading_every_region_loads_the_others_when_one_registry_file_is_broken(
    settings: Settings, sample_delivery: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = settings.data_dir / "sources"
    sources.mkdir()
    shutil.copy(SOURCES_DIR / "langsa.yml", sources / "langsa.yml")
    (sources / "sorong.yml").write_text("region: sorong\nname: Kota Sorong\nprovince: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("ASN_SOURCES_DIR", str(sources))
    assert main(["load", "--all"]) == 1
    out = capsys.readouterr().out
    assert "==> 6 deliveries: 6 fine, 0 rejected or waiting" in out
    assert f"     held  sorong: {sources / 'sorong.yml'}: not valid YAML: " in out
    assert main(["load", "sorong"]) == 2
    assert "error: region 'sorong' is held back by its registry file: " in capsys.readouterr().err


def test_an_unknown_region_is_a_usage_error(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", "atlantis"]) == 2
    assert "unknown region 'atlantis'; configured regions: ['banjarbaru'" in capsys.readouterr().err
    assert main(["load"]) == 2
    assert "name one region, or --all, or --delivery ID" in capsys.readouterr().err


def test_load_one_delivery_by_its_id(
    settings: Settings, sample_delivery: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["load", "--delivery", "langsa/personnel/2026-11-01"]) == 0
    out = capsys.readouterr().out
    assert "loaded  langsa/personnel/2026-11-01  langsa_pegawai_20261101.csv: 3,000 received" in out
    assert "==> 1 deliveries: 1 fine, 0 rejected or waiting" in out
    assert main(["load", "--delivery", "langsa/personnel/2026-11-01"]) == 0  # again: nothing to do
    assert "unchanged  langsa/personnel/2026-11-01" in capsys.readouterr().out
    assert main(["load", "--delivery", "langsa/personnel"]) == 2
    assert "expected region/dataset/YYYY-MM-DD" in capsys.readouterr().err
    assert main(["load", "--delivery", "langsa/payroll/2026-11-01"]) == 2
    assert "region 'langsa' delivers no dataset 'payroll'" in capsys.readouterr().err


def test_withdraw_and_restore_a_delivery(
    settings: Settings, sample_delivery: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["load", "langsa", "--dataset", "personnel"]) == 0
    assert "3,000 loaded, 0 unchanged, 0 ended" in capsys.readouterr().out
    assert main(["audit", "langsa"]) == 0
    assert "unchanged_rows" in capsys.readouterr().out
    (load,) = audit_rows(settings, "langsa")
    assert main(["restore", str(load["load_id"]), "--to", str(tmp_path / "back")]) == 0
    assert (tmp_path / "back" / sample_delivery.name).read_bytes() == sample_delivery.read_bytes()
    assert main(["withdraw", "langsa/personnel/2026-11-01", "--reason", "sent the wrong month"]) == 0
    assert "withdrawn  langsa/personnel/2026-11-01 (full, load " in capsys.readouterr().out
    assert main(["load", "langsa", "--dataset", "personnel"]) == 0  # still in the landing area: not loaded again
    assert "withdrawn by the region (sent the wrong month)" in capsys.readouterr().out
    assert main(["withdraw", "langsa/personnel/2026-11-01", "--reason", "again"]) == 2
    assert "no loaded delivery of langsa/personnel with this id" in capsys.readouterr().err
