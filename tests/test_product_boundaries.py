"""The product (``bot``, ``storage``) never imports the local Slack workspace (``localslack``).

``lint-imports`` checks this too; this test also catches dynamic imports by name, and runs
with the rest of the suite.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PRODUCT_PACKAGES = ("bot", "storage")
FORBIDDEN = "localslack"
DYNAMIC_IMPORTERS = {"import_module", "__import__"}


def _is_forbidden(module: str | None) -> bool:
    return module is not None and (module == FORBIDDEN or module.startswith(f"{FORBIDDEN}."))


def _forbidden_imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_forbidden(alias.name):
                    yield node.lineno, f"import {alias.name}"
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and _is_forbidden(node.module):
                yield node.lineno, f"from {node.module} import ..."
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if (
                name in DYNAMIC_IMPORTERS
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and _is_forbidden(first.value)
            ):
                yield node.lineno, f"{name}({first.value!r})"


def _product_sources() -> list[Path]:
    return sorted(
        path for package in PRODUCT_PACKAGES for path in (PROJECT_ROOT / package).rglob("*.py")
    )


def test_the_product_sources_are_found() -> None:
    sources = {p.relative_to(PROJECT_ROOT).as_posix() for p in _product_sources()}
    assert {"bot/cli.py", "bot/bootstrap.py", "storage/__init__.py"} <= sources
    assert not any(s.startswith("localslack/") for s in sources)


@pytest.mark.parametrize(
    "source",
    [
        "import localslack",
        "import localslack.harness as harness",
        "from localslack import LocalSlackServer",
        "from localslack.demo import run_demo",
        "importlib.import_module('localslack.demo')",
        "__import__('localslack')",
    ],
)
def test_the_check_sees_each_kind_of_import(source: str) -> None:
    assert list(_forbidden_imports(ast.parse(source)))


def test_the_check_ignores_look_alikes() -> None:
    source = "import localslacker\nfrom .localslack import x\ntext = 'localslack'\n"
    assert list(_forbidden_imports(ast.parse(source))) == []


def test_the_product_never_imports_the_local_slack_workspace() -> None:
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{line}: {what}"
        for path in _product_sources()
        for line, what in _forbidden_imports(ast.parse(path.read_text("utf-8"), str(path)))
    ]
    assert found == [], "the product must not import localslack:\n" + "\n".join(found)
