"""What a newcomer reads must match what the code does."""

import re

from asn_platform.core.settings import PROJECT_ROOT, Settings


def _variables_read_by_settings() -> set[str]:
    return set(Settings.variables().values())


def test_every_setting_is_documented_and_in_env_example() -> None:
    variables = _variables_read_by_settings()
    assert {"ASN_PSEUDONYM_KEY", "ASN_DATA_DIR", "AIRFLOW_HOME"} <= variables
    docs = (PROJECT_ROOT / "docs" / "settings.md").read_text()
    example = (PROJECT_ROOT / ".env.example").read_text()
    for name in variables:
        assert f"`{name}`" in docs, name
        assert f"# {name}=" in example, name


def test_readme_quick_start_is_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^(make \w+)", quick_start, flags=re.MULTILINE)
    assert commands == ["make run", "make test"]
    assert "make test" in (PROJECT_ROOT / ".ci" / "run").read_text()


def test_data_contract_doc_is_rendered_from_the_code() -> None:
    from asn_platform.core.contract_docs import DOC_PATH, render

    assert DOC_PATH.read_text(encoding="utf-8") == render(), "run `python -m asn_platform contract --write`"
