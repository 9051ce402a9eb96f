"""Plugins stand on the toolkit alone (issue 15): a plugin's code imports from the core only
``samverka.toolkit``, and its tests (``plugins/<name>/tests/``) only the toolkit and
``samverka.testing``. The import-linter contract ``plugins-toolkit-only`` checks the code as
CI does; a plain reading of every import statement covers what the contract cannot see: the
tests (not a package it analyses) and imports under ``if TYPE_CHECKING:`` (excluded from the
graph for the core's layers)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

REPO = Path(__file__).resolve().parents[2]
CONTRACT = "plugins-toolkit-only"
CODE_MAY_IMPORT = ("samverka.toolkit",)
TESTS_MAY_IMPORT = ("samverka.toolkit", "samverka.testing")


def core_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of the core (``samverka`` or below) in ``source``,
    wherever it stands: top level, in a function, under ``if TYPE_CHECKING:``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
            if node.module == "samverka":  # from samverka import demo: the submodule counts
                modules = [f"samverka.{alias.name}" for alias in node.names]
        else:
            continue
        found += [(node.lineno, m) for m in modules if m == "samverka" or m.startswith("samverka.")]
    return found


def refused(folder: Path, allowed: tuple[str, ...]) -> list[str]:
    """``path:line module`` for each core import under ``folder`` outside ``allowed``."""
    return [
        f"{path.relative_to(REPO)}:{line} {module}"
        for path in sorted(folder.rglob("*.py"))
        for line, module in core_imports(path.read_text(encoding="utf-8"))
        if not any(module == a or module.startswith(f"{a}.") for a in allowed)
    ]


def plugin_packages() -> dict[str, Path]:
    """Each plugin under ``plugins/``: its import package's name and folder."""
    return {
        package.name: package
        for project in sorted(REPO.glob("plugins/*/pyproject.toml"))
        for package in project.parent.iterdir()
        if (package / "__init__.py").is_file()
    }


def importlinter_config() -> dict:
    with (REPO / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["tool"]["importlinter"]


def test_the_reader_finds_imports_in_functions_and_type_checking_blocks():
    source = (
        "from typing import TYPE_CHECKING\n"
        "from samverka.toolkit import hookimpl\n"
        "if TYPE_CHECKING:\n"
        "    from samverka.db import Base\n"
        "def f():\n"
        "    import samverka.errors\n"
        "    from samverka import demo, toolkit\n"
        "    from . import samverka\n"
    )
    assert core_imports(source) == [
        (2, "samverka.toolkit"),
        (4, "samverka.db"),
        (6, "samverka.errors"),
        (7, "samverka.demo"),
        (7, "samverka.toolkit"),
    ]


def test_every_plugin_is_under_the_contract():
    config = importlinter_config()
    [contract] = [c for c in config["contracts"] if c.get("id") == CONTRACT]
    packages = set(plugin_packages())
    assert packages, "no plugin found under plugins/"
    assert packages <= set(config["root_packages"])
    assert packages <= set(contract["source_modules"])


@pytest.mark.parametrize("name", sorted(plugin_packages()))
def test_a_plugins_code_and_tests_import_only_the_toolkit_and_testing(name):
    package = plugin_packages()[name]
    assert refused(package, CODE_MAY_IMPORT) == []
    tests = package.parent / "tests"
    assert tests.is_dir(), f"{name} keeps its tests in {tests.relative_to(REPO)}"
    assert refused(tests, TESTS_MAY_IMPORT) == []


def test_the_import_linter_contract_holds(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    code = lint_imports(limit_to_contracts=(CONTRACT,), no_cache=True, no_logo=True)
    assert code == 0, capsys.readouterr().out
