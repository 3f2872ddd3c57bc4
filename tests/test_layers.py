"""The house rules, checked on the source's syntax tree: which package may import which, and
where addresses are spelled. A rule broken is a test failing, with the offending lines."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipeline"

# (importer prefix, forbidden import prefix, why)
FORBIDDEN = [
    ("pipeline.web", "pipeline.api", "the pages and the API are two surfaces over the same services"),
    ("pipeline.api", "pipeline.web", "the pages and the API are two surfaces over the same services"),
    ("pipeline.search", "pipeline.services", "search is a tool the services use, not a caller of them"),
    ("pipeline.search", "pipeline.web", "search knows nothing of pages"),
    ("pipeline.search", "pipeline.api", "search knows nothing of HTTP"),
    ("pipeline.matching", "pipeline.services", "matching is a pure scorer the services call"),
    ("pipeline.matching", "pipeline.web", "matching knows nothing of pages"),
    ("pipeline.matching", "pipeline.api", "matching knows nothing of HTTP"),
    ("pipeline.services", "pipeline.web", "services speak domain, never pages"),
    ("pipeline.services", "pipeline.api", "services speak domain, never HTTP"),
    ("pipeline.schemas", "pipeline.services", "structs are data, with no behaviour behind them"),
    ("pipeline.storage", "pipeline.services", "storage is below the services"),
    ("pipeline.api", "sqlmodel", "controllers never touch tables: the services do"),
    ("pipeline.api", "sqlalchemy", "controllers never touch tables: the services do"),
    ("pipeline.web", "sqlmodel", "controllers never touch tables: the services do"),
    ("pipeline.web", "sqlalchemy", "controllers never touch tables: the services do"),
]
# Storage is private: only these may import it.
STORAGE_USERS = (
    "pipeline.services",
    "pipeline.demo",
    "pipeline.storage",
    "pipeline.search.indexer",
    "pipeline.search.engine",
)
API_PREFIX = "/api/v1"
URLS_MODULE = "pipeline.urls"


def modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        yield name, path, ast.parse(path.read_text(), filename=str(path))


def imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_the_tree_is_read() -> None:
    assert sum(1 for _ in modules()) > 100


@pytest.mark.parametrize(("importer", "forbidden", "why"), FORBIDDEN)
def test_no_import_runs_the_wrong_way(importer: str, forbidden: str, why: str) -> None:
    broken = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for name, path, tree in modules()
        if _under(name, importer)
        for line, target in imports(tree)
        if _under(target, forbidden)
    ]
    assert broken == [], f"{importer} must not import {forbidden}: {why}\n" + "\n".join(broken)


def test_storage_is_private_to_the_services() -> None:
    broken = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for name, path, tree in modules()
        if not any(_under(name, user) for user in STORAGE_USERS)
        for line, target in imports(tree)
        if _under(target, "pipeline.storage")
    ]
    assert broken == [], "\n".join(broken)


def _code_strings(tree: ast.Module) -> Iterator[ast.Constant]:
    """String constants that are code, not docstrings."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node


def test_no_api_address_is_spelled_outside_urls() -> None:
    broken = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
        for name, path, tree in modules()
        if name != URLS_MODULE
        for node in _code_strings(tree)
        if API_PREFIX in node.value
    ]
    assert broken == [], "build addresses with pipeline.urls:\n" + "\n".join(broken)


def test_the_rules_catch_a_wrong_import(tmp_path: Path) -> None:
    tree = ast.parse("from pipeline.api.deps import check_body\nx = '/api/v1/search'\n")
    assert [target for _, target in imports(tree) if _under(target, "pipeline.api")]
    assert [node.value for node in _code_strings(tree) if API_PREFIX in node.value] == ["/api/v1/search"]


def test_every_layer_knows_every_record_type_and_no_other() -> None:
    """A record type is declared once (`pipeline/record_types.py`); each layer's own table
    of it (tables, structs, forms, addresses) must cover exactly the declared types."""
    from pipeline.record_types import RECORD_TYPE_NAMES
    from pipeline.services.records.catalogue import KINDS
    from pipeline.storage.models import RECORD_TABLES
    from pipeline.urls import RECORD_PATHS
    from pipeline.web.record_forms import FORMS

    declared = set(RECORD_TYPE_NAMES)
    assert set(RECORD_TABLES) == declared
    assert set(KINDS) == declared
    assert set(FORMS) == declared
    assert set(RECORD_PATHS) - {"council"} == declared
    for name, kind in KINDS.items():
        assert RECORD_TABLES[name].__tablename__ == kind.table.__tablename__, name
