"""The published artefacts stay in step with the code: JSON Schemas, OpenAPI, docs and migrations."""

from __future__ import annotations

import importlib
import inspect
import json
import re
import tempfile
import types
import typing
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import SQLModel

from pipeline.app import create_app
from pipeline.config import load_settings, setting_names
from pipeline.schemas.publish import PUBLISHED, render
from tests.conftest import create, project_body

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_committed_schemas_are_current(name: str) -> None:
    committed = ROOT / "schemas" / f"{name}.schema.json"
    assert committed.exists(), f"run `make schemas` to publish {committed.name}"
    assert committed.read_bytes() == render(name), f"{committed.name} is stale: run `make schemas`"
    jsonschema.Draft202012Validator.check_schema(json.loads(committed.read_bytes()))


def test_api_output_validates_against_the_published_schema(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    record = create(client, "projects", project_body(partners=[{"council": "camden"}]), tokens["hackney"])
    schema = json.loads((ROOT / "schemas" / "project.schema.json").read_bytes())
    jsonschema.validate(record, schema)
    council = client.get("/api/v1/councils/hackney").json()
    jsonschema.validate(council, json.loads((ROOT / "schemas" / "council.schema.json").read_bytes()))


def test_openapi_is_3_1_and_says_inputs_take_no_unknown_fields(client: TestClient[Any]) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    schemas = document["components"]["schemas"]
    for name in ("ProjectIn", "ProductIn", "FindingIn", "CodeLinkIn", "PartnerIn"):
        assert schemas[name]["additionalProperties"] is False, name
    assert schemas["ProjectOut"].get("additionalProperties") is not False


def test_api_docs_page_loads_nothing_from_outside(client: TestClient[Any]) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', page.text)
    assert external == []
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert client.get(asset).status_code == 200, asset


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"`(PIPELINE_[A-Z_]+)`", (ROOT / "docs" / "configuration.md").read_text()))
    assert documented == set(setting_names())


def test_every_api_route_has_a_curl_example(client: TestClient[Any]) -> None:
    """Each address in the OpenAPI document appears in docs/api.md, with a real value in each {part}."""
    text = (ROOT / "docs" / "api.md").read_text()
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert len(paths) >= 12
    for path in paths:
        pattern = re.sub(r"\\{[^}]+\\}", r"[^/\\s\"?]+", re.escape(path))
        assert re.search(rf"curl[^\n]*{pattern}", text), path
    assert text.count("curl ") >= 15


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == [], "models changed without a migration: run make migration"


def test_controllers_get_structs_from_services() -> None:
    """Every service function a controller calls hands back a msgspec Struct (or nothing)."""
    checked = 0
    plumbing = {"__init__", "problems", "deps"}  # error mapping and request plumbing, not controllers
    for path in (ROOT / "pipeline" / "api").glob("*.py"):
        if path.stem in plumbing:
            continue
        module = importlib.import_module(f"pipeline.api.{path.stem}")
        for name, function in _service_calls(module, path.read_text()):
            returned = typing.get_type_hints(function)["return"]
            options = typing.get_args(returned) if isinstance(returned, types.UnionType) else (returned,)
            for option in options:  # a Struct, nothing, or a Struct when there is one
                assert option is type(None) or issubclass(option, msgspec.Struct), f"{path.stem}: {name}"
            checked += 1
    assert checked >= 8


def _service_calls(module: Any, source: str) -> list[tuple[str, Any]]:
    """Service functions a controller module imports, directly or through a module alias."""
    found = []
    for name, value in vars(module).items():
        if inspect.isfunction(value) and value.__module__.startswith("pipeline.services"):
            found.append((name, value))
        elif inspect.ismodule(value) and value.__name__.startswith("pipeline.services"):
            for attribute in set(re.findall(rf"\b{name}\.(\w+)\(", source)):
                candidate = getattr(value, attribute)
                if typing.get_type_hints(candidate).get("return") not in (bool, str):  # small helpers
                    found.append((f"{name}.{attribute}", candidate))
    return found


def test_data_standard_examples_are_valid_inputs() -> None:
    """Every example in docs/data-standard.md validates against the schema of its section."""
    text = (ROOT / "docs" / "data-standard.md").read_text()
    checked = 0
    for heading, section in re.findall(r"^## (\w[\w ]*)\n(.*?)(?=^## |\Z)", text, re.S | re.M):
        name = {
            "Project": "project",
            "Product": "product",
            "Research finding": "finding",
            "Code link": "code-link",
        }
        if heading not in name:
            continue
        schema = json.loads((ROOT / "schemas" / f"{name[heading]}-input.schema.json").read_text())
        for example in re.findall(r"```json\n(.*?)```", section, re.S):
            jsonschema.Draft202012Validator(schema).validate(json.loads(example))
            checked += 1
    assert checked == 4


ROUTES_SNAPSHOT = ROOT / "tests" / "data" / "routes.txt"


def route_list() -> str:
    """Every route of the app, one `METHODS path` a line, in path order."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(load_settings({}, data_dir=folder))
    lines = {
        f"{' '.join(sorted(set(route.methods) - {'OPTIONS', 'HEAD'}))} {route.path}"
        for route in app.routes
        if hasattr(route, "methods")
    }
    return "\n".join(sorted(lines, key=lambda line: (line.split(" ")[-1], line))) + "\n"


def test_no_route_disappears_by_accident() -> None:
    """The route list is a snapshot: change tests/data/routes.txt when a route is meant to change
    (`python -c 'from tests.test_published import route_list; print(route_list(), end="")'`)."""
    assert route_list() == ROUTES_SNAPSHOT.read_text()
