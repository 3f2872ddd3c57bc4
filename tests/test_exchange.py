"""Import and export of record files: round trip, upserts, errors by line, formula cells, streaming."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest
from litestar.testing import TestClient

from pipeline.app import create_app
from pipeline.config import Settings
from pipeline.demo.seed import SEED_DIR, seed
from pipeline.schemas.councils import CouncilIn
from pipeline.services.context import Registry
from pipeline.services.councils.directory import upsert_council
from pipeline.services.discovery.sync import changes_since
from pipeline.services.exchange import exporting as record_export
from pipeline.services.exchange import importing as record_import
from pipeline.services.exchange.exporting import export_records
from pipeline.services.exchange.line_errors import load_json_list
from pipeline.services.identity.actors import SYSTEM
from pipeline.services.identity.tokens import create_token
from pipeline.services.records.catalogue import KINDS
from tests.conftest import PUBLIC_URL, bearer, create, empty_all_tables, project_body

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
# Created in this order so that every record can name the ones before it.
ORDER = ("product", "project", "finding", "code-link")
CSV = {"Content-Type": "text/csv"}
JSONL = {"Content-Type": "application/x-ndjson"}
JSON = {"Content-Type": "application/json"}
VALID = json.dumps(project_body()).encode()


@pytest.fixture
def seeded(registry: Registry) -> Registry:
    seed(registry, SYSTEM)
    return registry


def export(client: TestClient[Any], record_type: str, fmt: str, **search: Any) -> bytes:
    response = client.get("/api/v1/export", params={"type": record_type, "format": fmt, **search})
    assert response.status_code == 200, response.text
    return response.content


def import_file(
    client: TestClient[Any], record_type: str, body: bytes, headers: dict[str, str]
) -> dict[str, Any]:
    response = client.post(f"/api/v1/import?type={record_type}", content=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode())))


def jsonl(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in body.decode().splitlines()]


def count(client: TestClient[Any], record_type: str) -> int:
    return len(jsonl(export(client, record_type, "jsonl")))


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_then_import_into_an_empty_registry_gives_the_same_records(
    client: TestClient[Any], seeded: Registry, engine: Any, fmt: str
) -> None:
    files = {record_type: export(client, record_type, fmt) for record_type in ORDER}
    before = {record_type: sorted(export(client, record_type, "jsonl").splitlines()) for record_type in ORDER}
    assert all(len(lines) >= 20 for lines in before.values())

    empty_all_tables(engine)
    with seeded.writing() as session:
        for council in load_json_list(SEED_DIR / "councils.json", CouncilIn):
            upsert_council(session, SYSTEM, council)
    token = seeded_admin_token(seeded)
    headers = {**bearer(token), **(CSV if fmt == "csv" else JSONL)}
    for record_type in ORDER:
        result = import_file(client, record_type, files[record_type], headers)
        assert result["created"] == len(before[record_type])

    after = {record_type: sorted(export(client, record_type, "jsonl").splitlines()) for record_type in ORDER}
    assert after == before


def seeded_admin_token(registry: Registry) -> str:
    return create_token(registry, SYSTEM, council=None, admin=True, lifetime=timedelta(hours=1)).token


def test_exported_records_follow_the_published_input_schemas(
    client: TestClient[Any], seeded: Registry
) -> None:
    for record_type in ORDER:
        schema = json.loads((SCHEMAS / f"{record_type}-input.schema.json").read_text())
        records = jsonl(export(client, record_type, "jsonl"))
        assert len(records) >= 20, record_type  # the seed's records: an empty export proves nothing
        for record in records:
            record.pop("id")
            jsonschema.validate({k: v for k, v in record.items() if v is not None}, schema)


def test_importing_the_same_file_again_changes_nothing_and_a_changed_file_updates(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    rows = [
        project_body(title="Bins app", external_id="HX-1"),
        project_body(title="Parking permits", external_id="HX-2", tags=["parking"]),
    ]
    body = b"".join(json.dumps(row).encode() + b"\n" for row in rows)
    headers = {**bearer(tokens["hackney"]), **JSONL}
    first = import_file(client, "project", body, headers)
    assert (first["created"], first["updated"], first["unchanged"]) == (2, 0, 0)
    seq = first["change_seq"]

    again = import_file(client, "project", body, headers)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert again["change_seq"] is None
    assert changes_since(client.app.state.registry, seq, None).items == []

    rows[1]["phase"] = "live"
    changed = import_file(client, "project", b"".join(json.dumps(r).encode() + b"\n" for r in rows), headers)
    assert (changed["created"], changed["updated"], changed["unchanged"]) == (0, 1, 1)
    exported = {r["external_id"]: r for r in jsonl(export(client, "project", "jsonl"))}
    assert exported["HX-2"]["phase"] == "live"
    assert len(exported) == 2


def test_rows_are_matched_and_logged_in_file_order_across_batches(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(record_import, "BATCH", 2)  # several batches from a few rows
    headers = {**bearer(tokens["hackney"]), **JSONL}
    rows = [project_body(title=f"Project {n}", external_id=f"HX-{n}") for n in range(1, 4)]
    first = import_file(client, "project", b"\n".join(json.dumps(r).encode() for r in rows), headers)
    assert (first["created"], first["updated"], first["unchanged"]) == (3, 0, 0)
    ids = {r["external_id"]: r["id"] for r in jsonl(export(client, "project", "jsonl"))}

    rows[0]["phase"] = "live"  # matched by its external id
    by_id = {**rows[2], "id": ids["HX-3"], "external_id": None, "title": "Project three"}
    second = [rows[0], rows[1], by_id, project_body(title="Project 4", external_id="HX-4")]
    result = import_file(client, "project", b"\n".join(json.dumps(r).encode() for r in second), headers)
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 2, 1)
    logged = changes_since(client.app.state.registry, first["change_seq"], None).items
    assert [(c.operation, c.version, (c.data or {})["title"]) for c in logged] == [
        ("update", 2, "Project 1"),
        ("update", 2, "Project three"),
        ("create", 1, "Project 4"),
    ]
    for change in logged:  # the logged state is the record as the API shows it
        shown = client.get(f"/api/v1/projects/{change.id}").json()
        assert change.data == {k: v for k, v in shown.items() if k in change.data}
        assert shown["version"] == change.version

    product = create(
        client, "products", {"title": "A product", "summary": "S.", "council": "hackney"}, tokens["hackney"]
    )
    mistaken = {**project_body(title="Wrong type"), "id": product["id"]}
    refused = client.post(
        "/api/v1/import?type=project", content=json.dumps(mistaken).encode(), headers=headers
    )
    assert refused.status_code == 422
    assert [(e["line"], e["field"]) for e in refused.json()["errors"]] == [(1, "id")]
    assert "belongs to a product" in refused.json()["errors"][0]["message"]


def test_records_with_the_same_title_in_one_batch_get_different_slugs(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    create(client, "projects", project_body(title="Street lighting"), tokens["hackney"])
    rows = [project_body(title="Street lighting") for _ in range(3)]
    result = import_file(client, "project", json.dumps(rows).encode(), {**bearer(tokens["hackney"]), **JSON})
    assert result["created"] == 3
    slugs = sorted(r["slug"] for r in client.get("/api/v1/projects").json()["items"])
    assert slugs == ["street-lighting", "street-lighting-2", "street-lighting-3", "street-lighting-4"]


def test_a_title_new_to_the_registry_repeated_in_one_batch_gets_different_slugs_and_its_labels(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    rows = [project_body(title="Bin day finder", tags=[f"tag {n}", "waste"]) for n in range(3)]
    result = import_file(client, "project", json.dumps(rows).encode(), {**bearer(tokens["hackney"]), **JSON})
    assert result["created"] == 3
    items = client.get("/api/v1/projects").json()["items"]
    assert sorted(r["slug"] for r in items) == ["bin-day-finder", "bin-day-finder-2", "bin-day-finder-3"]
    assert sorted(tuple(r["tags"]) for r in items) == [(f"tag {n}", "waste") for n in range(3)]


def test_the_same_external_id_at_two_councils_is_two_records(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    hackney = project_body(external_id="P-1")
    camden = project_body(external_id="P-1", lead_council="E09000007")
    import_file(client, "project", json.dumps([hackney]).encode(), {**bearer(tokens["hackney"]), **JSON})
    result = import_file(
        client, "project", json.dumps([camden]).encode(), {**bearer(tokens["camden"]), **JSON}
    )
    assert result["created"] == 1
    assert count(client, "project") == 2


def test_import_errors_name_every_line_and_field_and_nothing_is_written(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    create(client, "projects", project_body(title="Already here"), tokens["hackney"])
    body = (
        b"title,summary,lead_council,phase,start_date,partners\n"
        b"Good one,A summary,E09000012,alpha,,E09000007\n"
        b"Bad phase,A summary,E09000012,someday,,\n"
        b",No title,E09000012,,,\n"
        b"Unknown council,A summary,E09999999,,,\n"
        b"Bad date,A summary,E09000012,,yesterday,\n"
        b'"Two\nlines",A summary,E09000012,beta,,\n'
        b"Not ours,A summary,E09000007,,,\n"
        b"Bad partner,A summary,E09000012,,,atlantis\n"
    )
    response = client.post(
        "/api/v1/import?type=project", content=body, headers={**bearer(tokens["hackney"]), **CSV}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    found = [(e["line"], e["field"]) for e in problem["errors"]]
    assert found == [
        (3, "phase"),
        (4, "title"),
        (5, "lead_council"),
        (6, "start_date"),
        (9, "lead_council"),
        (10, "partners[0].council"),
    ]
    assert "nothing was written" in problem["detail"]
    assert "Only members of Camden" in problem["errors"][4]["message"]
    assert [r["title"] for r in jsonl(export(client, "project", "jsonl"))] == ["Already here"]


@pytest.mark.parametrize(
    ("body", "content_type", "line", "message"),
    [
        (b"[" + VALID + b',\n  {"title": 5,\n "summary": "y"}]', "application/json", 2, "Expected text"),
        (VALID + b"\nnot json\n", "application/x-ndjson", 2, "Not valid JSON"),
        (b"[1, 2]", "application/json", 1, "must be a JSON object"),
        (b"title,colour\nx,red\n", "text/csv", 1, "Unknown columns: colour"),
        (b"title,summary\nx,y,z\n", "text/csv", 2, "more cells than the header"),
        (b"", "text/csv", 1, "no records"),
        (b"title\n\xff\xfe\n", "text/csv", 2, "not UTF-8"),
    ],
)
def test_malformed_files_are_rejected_by_line(
    client: TestClient[Any], tokens: dict[str, str], body: bytes, content_type: str, line: int, message: str
) -> None:
    headers = {**bearer(tokens["hackney"]), "Content-Type": content_type}
    response = client.post("/api/v1/import?type=project", content=body, headers=headers)
    assert response.status_code == 422, response.text
    first = response.json()["errors"][0]
    assert first["line"] == line
    assert message in first["message"]


def test_import_needs_a_token_and_a_file_format(client: TestClient[Any], tokens: dict[str, str]) -> None:
    body = json.dumps([project_body()]).encode()
    assert client.post("/api/v1/import?type=project", content=body, headers=JSONL).status_code == 401
    wrong = {**bearer(tokens["hackney"]), "Content-Type": "application/xml"}
    refused = client.post("/api/v1/import?type=project", content=body, headers=wrong)
    assert refused.status_code == 415
    assert "text/csv" in refused.json()["detail"]
    no_type = client.post("/api/v1/import", content=body, headers={**bearer(tokens["hackney"]), **JSON})
    assert no_type.status_code == 400


def test_a_file_over_the_import_limit_is_refused(
    settings: Settings, registry: Registry, tokens: dict[str, str]
) -> None:
    small = msgspec.structs.replace(settings, max_import_bytes=2048)
    with TestClient(create_app(small, registry), base_url=PUBLIC_URL) as client:
        body = json.dumps([project_body(summary="x" * 1500)] * 2).encode()
        response = client.post(
            "/api/v1/import?type=project", content=body, headers={**bearer(tokens["hackney"]), **JSON}
        )
    assert response.status_code == 413


FORMULAS = {
    "title": '=HYPERLINK("http://evil.example","Click")',
    "summary": "+44 20 7946 0000 is the helpline",
    "help_wanted": "@SUM(A1:A9)",
    "problem": "-1 budget",
    "approach": "'quoted already",
}


def test_csv_cells_that_would_run_as_formulas_are_neutralised_and_survive_a_round_trip(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    made = create(client, "projects", project_body(**FORMULAS, tags=["=1+1", "ok"]), tokens["hackney"])
    body = export(client, "project", "csv")
    for row in csv_rows(body):
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    row = csv_rows(body)[0]
    assert row["title"] == "'" + FORMULAS["title"]
    assert row["approach"] == "''quoted already"

    client.delete(f"/api/v1/projects/{made['id']}", headers=bearer(tokens["hackney"]))
    import_file(client, "project", body, {**bearer(tokens["hackney"]), **CSV})
    restored = jsonl(export(client, "project", "jsonl"))[0]
    assert {name: restored[name] for name in FORMULAS} == FORMULAS
    assert restored["tags"] == ["=1+1", "ok"]
    assert restored["id"] == made["id"]


def test_csv_lists_may_be_written_by_hand(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    body = (
        b"title,summary,lead_council,tags,partners,funding\n"
        b'Shared bins,One contract,E09000012,bins; recycling ,"E09000007; islington",Waste fund\n'
    )
    import_file(client, "project", body, {**bearer(tokens["hackney"]), **CSV})
    record = jsonl(export(client, "project", "jsonl"))[0]
    assert record["tags"] == ["bins", "recycling"]
    assert [p["council"] for p in record["partners"]] == ["E09000007", "E09000019"]
    assert record["funding"] == [{"source": "Waste fund", "amount_gbp": None, "year": None}]


def test_an_export_can_be_a_search(client: TestClient[Any], seeded: Registry) -> None:
    every = jsonl(export(client, "project", "jsonl"))
    found = jsonl(export(client, "project", "jsonl", q="parking"))
    assert 0 < len(found) < len(every)
    assert all("parking" in json.dumps(record).lower() for record in found)
    camden = jsonl(export(client, "project", "jsonl", council="E09000007", phase="live"))
    assert camden
    assert all(r["phase"] == "live" for r in camden)
    bad = client.get("/api/v1/export", params={"type": "project", "q": "a*"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "q"


def test_an_export_says_where_the_change_log_was_and_names_its_file(
    client: TestClient[Any], seeded: Registry
) -> None:
    response = client.get("/api/v1/export", params={"type": "code-link", "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="pipeline-code-links.csv"'
    seq = int(response.headers["pipeline-change-seq"])
    assert changes_since(seeded, seq, None).items == []


def test_an_export_is_read_and_written_a_batch_at_a_time(
    seeded: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(record_export, "BATCH", 10)
    exported = export_records(seeded, KINDS["project"], "csv")
    chunks = list(exported.chunks)
    assert len(chunks) == 1 + 9  # the header, then 84 records ten at a time
    assert len(csv_rows(b"".join(chunks))) == 84


PUBLICCODE = """\
publiccodeYmlVersion: "0.4"
name: bin-day-finder
url: "https://github.com/hackney/bin-day-finder"
landingURL: "https://bins.hackney.gov.uk"
isBasedOn: "https://github.com/example/waste-api"
developmentStatus: stable
softwareType: "standalone/web"
categories:
  - waste-management
  - it-development
usedBy:
  - Hackney Council
  - London Borough of Camden
  - Ministry of Silly Walks
description:
  en:
    localisedName: Bin day finder
    shortDescription: Residents find their next bin collection day by postcode.
    longDescription: A small web service over the waste round data.
    documentation: "https://github.com/hackney/bin-day-finder/wiki"
legal:
  license: MIT
maintenance:
  type: internal
  contacts:
    - name: Someone
localisation:
  localisationReady: true
  availableLanguages: [en]
platforms: [web]
"""


def publiccode(client: TestClient[Any], body: str, token: str, council: str = "E09000012") -> Any:
    headers = {**bearer(token), "Content-Type": "application/yaml"}
    return client.post(f"/api/v1/import/publiccode?council={council}", content=body.encode(), headers=headers)


def test_a_publiccode_file_becomes_a_product_and_updates_it_when_sent_again(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    created = publiccode(client, PUBLICCODE, tokens["hackney"])
    assert created.status_code == 201, created.text
    result = created.json()
    product = result["product"]
    assert product["title"] == "Bin day finder"
    assert product["summary"] == "Residents find their next bin collection day by postcode."
    assert product["council"]["gss_code"] == "E09000012"
    assert (product["licence"], product["development_status"], product["maintenance"]) == (
        "MIT",
        "stable",
        "internal",
    )
    assert product["repository_url"] == "https://github.com/hackney/bin-day-finder"
    assert product["website_url"] == "https://bins.hackney.gov.uk"
    assert product["documentation_url"] == "https://github.com/hackney/bin-day-finder/wiki"
    assert product["is_based_on"] == ["https://github.com/example/waste-api"]
    assert product["kind"] == "service"
    assert [c["gss_code"] for c in product["used_by"]] == ["E09000012", "E09000007"]
    assert result["unknown_users"] == ["Ministry of Silly Walks"]

    again = publiccode(client, PUBLICCODE, tokens["hackney"])
    assert again.status_code == 200
    assert again.json()["outcome"] == "unchanged"
    changed = publiccode(
        client,
        PUBLICCODE.replace("developmentStatus: stable", "developmentStatus: obsolete"),
        tokens["hackney"],
    )
    assert changed.json()["outcome"] == "updated"
    assert changed.json()["product"]["id"] == product["id"]
    assert changed.json()["product"]["development_status"] == "obsolete"


@pytest.mark.parametrize(
    ("change", "line", "field", "message"),
    [
        (("developmentStatus: stable", "developmentStatus: finished"), 6, "developmentStatus", "finished"),
        (("  license: MIT\n", ""), 21, "legal.license", "required"),
        (("name: bin-day-finder\n", ""), 1, "name", "required"),
        (
            ('url: "https://github.com/hackney/bin-day-finder"', "url: github.com/hackney"),
            3,
            "url",
            "https://",
        ),
        (("    shortDescription: Residents", "    shortDescription: [Residents"), 19, "", "Not valid YAML"),
    ],
)
def test_an_invalid_publiccode_file_names_the_key_and_line(
    client: TestClient[Any],
    councils: dict[str, str],
    tokens: dict[str, str],
    change: tuple[str, str],
    line: int,
    field: str,
    message: str,
) -> None:
    text = PUBLICCODE.replace(*change)
    assert text != PUBLICCODE
    response = publiccode(client, text, tokens["hackney"])
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert (error["line"], error["field"]) == (line, field)
    assert message in error["message"]
    assert count(client, "product") == 0


def test_a_publiccode_file_is_refused_for_a_council_the_token_is_not_for(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    response = publiccode(client, PUBLICCODE, tokens["camden"], council="E09000012")
    assert response.status_code == 403
    assert count(client, "product") == 0
    assert publiccode(client, "- just\n- a list\n", tokens["hackney"]).status_code == 422
