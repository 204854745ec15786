"""The package seams of DESIGN.md §3, enforced on the source (import statements, via ast)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["server", "federation", "groups", "capabilities"]
TOOLKIT = "activitypub"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
            "import_module", "__import__", "import_string",
        ):
            # importlib.import_module("x") / import_string("x.y") with a literal argument
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def python_files(package: str):
    return sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


def top(module: str) -> str:
    return module.split(".", 1)[0]


def imports_of(package: str) -> dict[Path, set[str]]:
    return {path: {top(m) for m in imported_modules(path)} for path in python_files(package)}


def test_every_package_has_source():
    for package in PACKAGES:
        assert python_files(package), f"{package}/ has no Python files"


def test_federation_imports_neither_groups_nor_capabilities():
    offenders = {
        str(path.relative_to(ROOT)): sorted(mods & {"groups", "capabilities"})
        for path, mods in imports_of("federation").items()
        if mods & {"groups", "capabilities"}
    }
    assert offenders == {}


@pytest.mark.parametrize("package", ["server", "groups", "capabilities"])
def test_only_federation_imports_the_toolkit(package):
    offenders = [str(p.relative_to(ROOT)) for p, mods in imports_of(package).items() if TOOLKIT in mods]
    assert offenders == []


def test_tests_do_not_import_the_toolkit_outside_federation_tests():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "tests").rglob("*.py")
        if "federation" not in p.relative_to(ROOT / "tests").parts and TOOLKIT in {top(m) for m in imported_modules(p)}
    ]
    assert offenders == []


def test_settings_name_the_toolkit_only_through_federation():
    source = (ROOT / "server" / "settings.py").read_text()
    assert "activitypub" not in source.replace("django-activitypub-toolkit", "")


def test_the_checker_detects_a_violation(tmp_path):
    # Guard against a checker that can never fail.
    bad = tmp_path / "bad.py"
    bad.write_text("from groups.models import Group\nimport activitypub.core\nfrom . import local\n")
    assert {top(m) for m in imported_modules(bad)} == {"groups", "activitypub"}
