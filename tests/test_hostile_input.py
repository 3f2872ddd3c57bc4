"""Input an attacker or a careless client sends: bombs, deep nesting, control characters,
ambiguous JSON, lax types and anonymous writes. Each is a clear 4xx and changes nothing."""

from __future__ import annotations

import logging
import time
from typing import Any

import feedparser
import msgspec
import pytest
from litestar.testing import TestClient

from pipeline.schemas.records import ProjectIn
from pipeline.services.context import Registry
from pipeline.services.identity.actors import SYSTEM
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.engine import create_record
from tests.conftest import bearer, create, project_body
from tests.test_exchange import PUBLICCODE, publiccode

ALIAS_BOMB = "\n".join(
    ["x0: &x0 {a: 1, b: 1}"] + [f"x{n}: &x{n} {{a: *x{n - 1}, b: *x{n - 1}}}" for n in range(1, 20)]
)
DEEP = "[" * 1000 + "]" * 1000
CONTROL = "Control characters"


def problem_fields(response: Any) -> dict[str, str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def records(client: TestClient[Any]) -> int:
    total: int = len(client.get("/api/v1/projects").json()["items"])
    return total


def test_a_yaml_alias_bomb_is_refused_before_it_is_expanded(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    started = time.perf_counter()
    response = publiccode(client, PUBLICCODE + ALIAS_BOMB + "\n", tokens["hackney"])
    assert time.perf_counter() - started < 5  # the expansion would take minutes and gigabytes
    assert response.status_code == 422
    assert "aliases" in response.json()["errors"][0]["message"]
    assert response.json()["errors"][0]["line"] > 1


def test_aliases_in_used_by_are_refused_too(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    body = PUBLICCODE.replace("  - Hackney Council", "  - &name Hackney Council\n  - *name")
    response = publiccode(client, body, tokens["hackney"])
    assert response.status_code == 422
    assert "aliases" in response.text


def test_yaml_nested_too_deep_is_refused(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    response = publiccode(client, PUBLICCODE + "deep: " + "[" * 200 + "]" * 200 + "\n", tokens["hackney"])
    assert response.status_code == 422
    assert "nested" in response.text


def test_unknown_users_are_reported_only_as_short_names(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    body = PUBLICCODE.replace("  - Ministry of Silly Walks", "  - " + "x" * 5000 + "\n  - {a: 1}")
    response = publiccode(client, body, tokens["hackney"])
    assert response.status_code == 201, response.text
    assert [len(name) for name in response.json()["unknown_users"]] == [200]


@pytest.mark.parametrize("character", ["\x01", "\x08", "\x0b", "\x1b", "\x1f", "\x00"])
def test_control_characters_are_refused_in_every_api_text_field(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str], character: str
) -> None:
    for field, value in [
        ("title", f"Repairs{character}"),
        ("tags", ["ok", f"bad{character}"]),
        ("summary", f"A{character}B"),
    ]:
        response = client.post(
            "/api/v1/projects", json=project_body(**{field: value}), headers=bearer(tokens["hackney"])
        )
        assert response.status_code == 422, response.text
        fields = problem_fields(response)
        assert any(name.startswith(field) for name in fields), fields
    assert records(client) == 0


def test_tab_and_new_lines_are_still_text(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    create(client, "projects", project_body(summary="One\tTwo\r\nThree\nFour"), tokens["hackney"])


def test_control_characters_in_an_update_and_an_import_are_refused(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    project = create(client, "projects", project_body(), tokens["hackney"])
    response = client.patch(
        f"/api/v1/projects/{project['id']}", json={"summary": "bad\x07"}, headers=bearer(tokens["hackney"])
    )
    assert response.status_code == 422
    assert "summary" in problem_fields(response)
    line = '{"title": "T\\u0002", "summary": "s", "lead_council": "E09000012"}\n'
    response = client.post(
        "/api/v1/import?type=project",
        content=line.encode(),
        headers={**bearer(tokens["hackney"]), "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "title"
    assert CONTROL in response.json()["errors"][0]["message"]


def test_atom_cannot_be_ill_formed_whatever_the_database_holds(
    client: TestClient[Any], registry: Registry, councils: dict[str, str]
) -> None:
    # Stored through the service, past the edge that now refuses it (as older data may be). No
    # NUL: PostgreSQL cannot store it at all.
    data = msgspec.convert(project_body(title="Bad \x01 title \x1f", summary="a\x02b\x0bc"), ProjectIn)
    create_record(registry, SYSTEM, KINDS["project"], data)
    response = client.get("/api/v1/feed.atom")
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.entries[0].title.strip() == "Bad  title"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/projects"),
        ("POST", "/api/v1/products"),
        ("POST", "/api/v1/findings"),
        ("POST", "/api/v1/code-links"),
        ("POST", "/api/v1/match"),
    ],
)
def test_json_nested_a_thousand_deep_is_400_on_every_json_route(
    client: TestClient[Any],
    councils: dict[str, str],
    tokens: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    method: str,
    path: str,
) -> None:
    with caplog.at_level(logging.DEBUG):
        for headers in ({}, bearer(tokens["hackney"])):
            response = client.request(
                method, path, content=DEEP, headers={**headers, "Content-Type": "application/json"}
            )
            assert response.status_code in (400, 401), response.text
            assert response.headers["content-type"].startswith("application/problem+json")
    assert "Traceback" not in caplog.text
    assert "RecursionError" not in caplog.text


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", f"[{DEEP}]"),
        (
            "application/json",
            '[{"title": "T", "summary": "s", "lead_council": "E09000012", "tags": ' + DEEP + "}]",
        ),
        ("application/x-ndjson", '{"title": ' + DEEP + "}\n"),
        ("text/csv", "title,summary,lead_council,tags\nT,s,E09000012," + '"' + DEEP + '"\n'),
        ("text/csv", "title,summary,lead_council\nT," + "x" * 140_000 + ",E09000012\n"),
    ],
)
def test_deep_nesting_and_huge_cells_in_imports_are_422(
    client: TestClient[Any],
    councils: dict[str, str],
    tokens: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    content_type: str,
    body: str,
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            "/api/v1/import?type=project",
            content=body.encode(),
            headers={**bearer(tokens["hackney"]), "Content-Type": content_type},
        )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["line"] >= 1
    assert "Traceback" not in caplog.text
    assert records(client) == 0


WRITES = [
    ("POST", "/api/v1/projects", "application/json"),
    ("POST", "/api/v1/products", "application/json"),
    ("POST", "/api/v1/findings", "application/json"),
    ("POST", "/api/v1/code-links", "application/json"),
    ("PATCH", "/api/v1/projects/{key}", "application/merge-patch+json"),
    ("DELETE", "/api/v1/projects/{key}", "application/json"),
    ("POST", "/api/v1/projects/{key}/confirm", "application/json"),
    ("POST", "/api/v1/import?type=project", "text/csv"),
    ("POST", "/api/v1/import/publiccode?council=E09000012", "application/yaml"),
]


@pytest.mark.parametrize(("method", "path", "content_type"), WRITES)
@pytest.mark.parametrize("body", ['{"title": 5}', "{not json", DEEP, "title\nbad"])
def test_a_write_without_credentials_is_401_before_its_body_is_read(
    client: TestClient[Any],
    councils: dict[str, str],
    tokens: dict[str, str],
    method: str,
    path: str,
    content_type: str,
    body: str,
) -> None:
    project = create(client, "projects", project_body(), tokens["hackney"])
    for headers in ({}, {"Content-Type": "text/html"}):
        response = client.request(
            method,
            path.format(key=project["id"]),
            content=body,
            headers={"Content-Type": content_type, **headers},
        )
        assert response.status_code == 401, response.text
        assert response.json()["errors"] == []
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_duplicate_json_keys_are_400(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    body = '{"title": "A", "title": "B", "summary": "s", "lead_council": "E09000012"}'
    response = client.post(
        "/api/v1/projects",
        content=body,
        headers={**bearer(tokens["hackney"]), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "twice" in response.json()["detail"]
    line = '{"title": "A", "summary": "s", "summary": "t", "lead_council": "E09000012"}\n'
    response = client.post(
        "/api/v1/import?type=project",
        content=line,
        headers={**bearer(tokens["hackney"]), "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 422
    assert "twice" in response.json()["errors"][0]["message"]
    assert records(client) == 0


def test_json_in_another_charset_is_415(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    body = '{"title": "Café", "summary": "s", "lead_council": "E09000012"}'.encode("latin-1")
    for charset in ("latin-1", "utf-16"):
        response = client.post(
            "/api/v1/projects",
            content=body,
            headers={**bearer(tokens["hackney"]), "Content-Type": f"application/json; charset={charset}"},
        )
        assert response.status_code == 415, response.text
    response = client.post(
        "/api/v1/projects",
        content=body,
        headers={**bearer(tokens["hackney"]), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert records(client) == 0


def test_a_string_is_not_a_number(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    response = client.post("/api/v1/match", json={"text": "bins", "limit": "5"})
    assert response.status_code == 422, response.text
    assert "limit" in problem_fields(response)
    assert client.post("/api/v1/match", json={"text": "bins", "limit": 5}).status_code == 200


def test_a_fractional_timestamp_is_not_a_time(client: TestClient[Any], councils: dict[str, str]) -> None:
    for parameter in ("updated_before=0.5", "updated_after=1700000000", "updated_before=5"):
        response = client.get(f"/api/v1/search?{parameter}")
        assert response.status_code == 400, (parameter, response.text)


def test_a_csv_with_a_repeated_column_is_422(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    body = "title,summary,lead_council,title\nA,s,E09000012,B\n"
    response = client.post(
        "/api/v1/import?type=project",
        content=body,
        headers={**bearer(tokens["hackney"]), "Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    assert "more than once" in response.json()["errors"][0]["message"]


def test_a_url_with_a_trailing_new_line_is_refused(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    body = {"title": "Bins", "repository_url": "https://github.com/hackney/bins\n", "council": "E09000012"}
    response = client.post("/api/v1/code-links", json=body, headers=bearer(tokens["hackney"]))
    assert response.status_code == 422, response.text
    assert "repository_url" in problem_fields(response)


def test_control_characters_in_a_query_are_422(client: TestClient[Any], registry: Registry) -> None:
    for address in ("/api/v1/search?q=a%01b", "/api/v1/changes?council=%1b", "/api/v1/projects?tag=%00"):
        response = client.get(address)
        assert response.status_code == 422, (address, response.text)
