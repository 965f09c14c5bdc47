"""The floors of docs/architecture.md, beyond what `lint-imports` (make lint) checks: settings are passed down, not
looked up, and the project's own modules are imported at the top of a file, where the import contract sees them."""

from __future__ import annotations

import ast
from pathlib import Path

from asn_platform.core.settings import PROJECT_ROOT

# Below orchestration, local and the command lines, every function takes the settings it uses as an argument.
LOWER_FLOORS = ("core", "quality", "transform", "generator", "serving")
# Where a module imports one of the project's own modules inside a function, and why: each pulls in a heavy
# third-party package (pandas, SQLAlchemy, Great Expectations, Airflow) that the other subcommands or pages skip.
LAZY_PROJECT_IMPORTS = {
    "asn_platform/__main__.py": "each subcommand loads only what it runs (`versions`: 2.7 s; everything: twice that)",
    "asn_platform/reports/site.py": "the Data Docs load Great Expectations' renderers only when they are built",
}


def _modules(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (PROJECT_ROOT / folder).rglob("*.py"))


def _lower_floor_modules() -> list[Path]:
    return [*_modules(*(f"asn_platform/{floor}" for floor in LOWER_FLOORS)), *_modules("ingestion")]


def _calls(tree: ast.AST, name: str) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            if called == name:
                lines.append(node.lineno)
    return lines


def test_no_lower_floor_looks_its_settings_up() -> None:
    found = []
    for path in _lower_floor_modules():
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        if relative in {"ingestion/__main__.py"}:  # a command line: it reads the environment once, then passes
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{relative}:{line}: get_settings()" for line in _calls(tree, "get_settings")]
        if relative != "asn_platform/core/settings.py":
            found += [f"{relative}:{line}: Settings.from_env()" for line in _calls(tree, "from_env")]
    assert found == []


def test_the_project_imports_its_own_modules_at_the_top() -> None:
    found = []
    for path in _modules("asn_platform", "ingestion"):
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        if relative in LAZY_PROJECT_IMPORTS:
            continue
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [alias.name for alias in node.names]
                    if isinstance(node, ast.Import)
                    else []
                )
                if any(name.split(".")[0] in {"asn_platform", "ingestion"} for name in names):
                    found.append(f"{relative}:{node.lineno}")
    assert found == []


def test_the_checker_sees_a_lookup() -> None:
    # The scan is only worth something if it finds what it looks for.
    tree = ast.parse("def f():\n    from asn_platform.orchestration.runtime import get_settings\n    get_settings()\n")
    assert _calls(tree, "get_settings") == [3]
