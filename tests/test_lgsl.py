"""The Local Government Service List: reference data, records' codes, search, files, forms, matching."""

from __future__ import annotations

import csv
import io
import json
from importlib import resources
from typing import Any

import pytest
from litestar.testing import TestClient

from pipeline import lgsl
from pipeline.errors import Invalid
from pipeline.services.discovery.saved_searches import read_saved_search
from pipeline.vocab import SERVICE_AREAS
from tests.conftest import bearer, create, project_body
from tests.pages import Pages, error_summary

HOUSEHOLD_WASTE = 524
HOUSING_REPAIRS = 141


def _reference(name: str) -> list[dict[str, str]]:
    text = resources.files("pipeline.reference").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


# -- the reference data -------------------------------------------------------------------------


def test_the_list_ships_ids_labels_and_tiers_but_no_descriptions() -> None:
    rows = _reference("lgsl.csv")
    assert list(rows[0]) == ["id", "label", "tier", "used_by_govuk", "in_function_mapping"]
    services = lgsl.services()
    assert len(services) == len(rows) == 1519
    assert services[HOUSEHOLD_WASTE].label == "Household waste collection"
    assert services[HOUSEHOLD_WASTE].tier == "district/unitary"
    assert services[HOUSEHOLD_WASTE].used_by_govuk
    assert {s.tier for s in services.values()} == {"", "all", "county/unitary", "district/unitary"}
    assert all(s.label == " ".join(s.label.split()) and s.label for s in services.values())
    assert list(services) == sorted(services)


def test_every_service_area_maps_to_codes_on_the_list_with_their_labels() -> None:
    services = lgsl.services()
    rows = _reference("service_area_lgsl.csv")
    for row in rows:
        code = int(row["lgsl_id"])
        assert code in services, row
        assert row["label"] == services[code].label, row  # the table's label column is the list's
        assert services[code].used_by_govuk or services[code].in_function_mapping, row
    mapping = lgsl.codes_by_service_area()
    assert set(mapping) == set(SERVICE_AREAS)
    assert all(len(set(codes)) == len(codes) > 0 for codes in mapping.values())
    assert HOUSEHOLD_WASTE in mapping["waste"]
    assert HOUSING_REPAIRS in mapping["housing"]


def test_label_of_a_code_the_list_does_not_know_is_the_code() -> None:
    assert lgsl.label_of("524") == "Household waste collection"
    assert lgsl.label_of(999_999) == "999999"
    assert lgsl.label_of("not a number") == "not a number"
    assert lgsl.unknown_codes([524, 999_999, 0]) == [999_999, 0]


# -- records carry codes ------------------------------------------------------------------------


def test_records_carry_codes_and_unknown_codes_are_refused_by_field(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    made = create(client, "projects", project_body(lgsl=[HOUSING_REPAIRS, 139, 141]), tokens["hackney"])
    assert made["lgsl"] == [HOUSING_REPAIRS, 139]  # each once, in the order given
    for wrong, message in ((999_999, "999999"), (0, "1 or more"), ("524", "Expected a whole number")):
        response = client.post(
            "/api/v1/projects",
            json=project_body(title="Bad", lgsl=[wrong]),
            headers=bearer(tokens["hackney"]),
        )
        assert response.status_code in (400, 422), response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        [error] = response.json()["errors"]
        assert error["field"].startswith("lgsl"), error
        assert message in error["message"], error
    changed = client.patch(
        f"/api/v1/projects/{made['id']}", json={"lgsl": []}, headers=bearer(tokens["hackney"])
    ).json()
    assert changed["lgsl"] == []
    product = create(
        client,
        "products",
        {"title": "Bin app", "summary": "Report.", "council": "hackney", "lgsl": [HOUSEHOLD_WASTE]},
        tokens["hackney"],
    )
    assert product["lgsl"] == [HOUSEHOLD_WASTE]


# -- search -------------------------------------------------------------------------------------


def _search(client: TestClient[Any], **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_searching_by_code_narrows_results_and_counts_services(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    create(client, "projects", project_body(title="Bin reports", lgsl=[HOUSEHOLD_WASTE]), tokens["hackney"])
    create(client, "projects", project_body(title="Repairs", lgsl=[HOUSING_REPAIRS]), tokens["hackney"])
    create(client, "projects", project_body(title="Neither"), tokens["hackney"])
    assert _search(client)["total"] == 3
    found = _search(client, lgsl=HOUSEHOLD_WASTE)
    assert [item["title"] for item in found["items"]] == ["Bin reports"]
    both = _search(client, lgsl=[HOUSEHOLD_WASTE, HOUSING_REPAIRS])
    assert both["total"] == 2
    facet = {f["value"]: (f["label"], f["count"]) for f in _search(client)["facets"]["lgsl"]}
    assert facet == {"524": ("Household waste collection", 1), "141": ("Housing repairs", 1)}
    assert _search(client, q="lgsl:524")["total"] == 1
    for wrong in ("999999", "abc"):
        response = client.get("/api/v1/search", params={"lgsl": wrong})
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["field"].startswith("lgsl")


def test_a_saved_search_may_name_codes_on_the_list_only() -> None:
    saved = read_saved_search("lgsl=524&q=bins&lgsl=141", "search")
    assert saved.text == "q=bins&lgsl=141&lgsl=524"
    assert saved.request.filters == {"lgsl": ["141", "524"]}
    for wrong in ("lgsl=999999", "lgsl=abc"):
        with pytest.raises(Invalid) as refused:
            read_saved_search(wrong, "search")
        assert "Local Government Service List" in refused.value.errors[0].message


def test_the_search_page_filters_by_service_and_shows_its_label(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str]
) -> None:
    create(client, "projects", project_body(title="Bin reports", lgsl=[HOUSEHOLD_WASTE]), tokens["hackney"])
    create(client, "projects", project_body(title="Repairs"), tokens["hackney"])
    soup = pages.get(f"/search?lgsl={HOUSEHOLD_WASTE}")
    assert "Bin reports" in soup.get_text()
    assert [a.get_text(strip=True) for a in soup.select(".pipeline-result h3 a")] == ["Bin reports"]
    box = soup.find("input", attrs={"name": "lgsl", "value": str(HOUSEHOLD_WASTE)})
    assert box is not None
    assert box.has_attr("checked")
    assert "Household waste collection (1)" in soup.get_text()
    wrong = pages.get("/search?lgsl=999999", status=400)
    assert error_summary(wrong)[0][0].startswith("Service (LGSL) has no value")


# -- files --------------------------------------------------------------------------------------


def test_import_and_export_carry_codes_in_csv_and_json_lines(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    body = b"title,summary,lead_council,lgsl\nShared bins,One contract,E09000012,524; 530\n"
    headers = {**bearer(tokens["hackney"]), "Content-Type": "text/csv"}
    response = client.post("/api/v1/import?type=project", content=body, headers=headers)
    assert response.status_code == 200, response.text
    lines = client.get("/api/v1/export", params={"type": "project", "format": "jsonl"}).text
    assert json.loads(lines.splitlines()[0])["lgsl"] == [524, 530]
    exported = client.get("/api/v1/export", params={"type": "project", "format": "csv"}).text
    assert next(csv.DictReader(io.StringIO(exported)))["lgsl"] == "524; 530"
    bad = b"title,summary,lead_council,lgsl\nBad bins,One contract,E09000012,524; bins\n"
    refused = client.post("/api/v1/import?type=project", content=bad, headers=headers)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert (error["line"], error["field"].split("[")[0]) == (2, "lgsl")


# -- forms --------------------------------------------------------------------------------------

FORM = {
    "title": "Bin reports",
    "summary": "Residents report missed bins.",
    "lead_council": "hackney",
    "phase": "discovery",
}


def test_the_form_offers_codes_by_service_area_and_takes_other_numbers(
    pages: Pages, client: TestClient[Any], councils: dict[str, str]
) -> None:
    pages.sign_in("jo@hackney.gov.uk")
    form = pages.get("/projects/new")
    waste = form.find("input", attrs={"name": "lgsl", "value": str(HOUSEHOLD_WASTE)})
    assert waste is not None
    assert waste["type"] == "checkbox"
    label = form.find("label", attrs={"for": waste["id"]})
    assert label.get_text(strip=True) == "Household waste collection (524)"
    assert form.find("input", attrs={"name": "lgsl-other"}) is not None
    bad = pages.post(
        "/projects/new", {**FORM, "lgsl": [str(HOUSEHOLD_WASTE)], "lgsl-other": "1113, bins"}, 400
    )
    assert error_summary(bad) == [
        ("Services (LGSL): enter numbers only, like 524 ('bins' is not a number)", "#lgsl-other")
    ]
    kept = bad.find("input", attrs={"name": "lgsl", "value": str(HOUSEHOLD_WASTE)})
    assert kept.has_attr("checked")  # what was ticked is ticked again
    unknown = pages.post("/projects/new", {**FORM, "lgsl-other": "999999"}, 400)
    assert error_summary(unknown)[0][1] == "#lgsl-other"
    assert "999999" in error_summary(unknown)[0][0]
    saved = pages.post("/projects/new", {**FORM, "lgsl": [str(HOUSEHOLD_WASTE)], "lgsl-other": "1113"})
    assert "Household waste collection" in saved.get_text()
    link = saved.find("a", attrs={"href": f"/search?lgsl={HOUSEHOLD_WASTE}"})
    assert link is not None
    assert link.get_text(strip=True) == "Household waste collection"
    record = client.get("/api/v1/search", params={"q": "bin reports"}).json()["items"][0]
    project = client.get(record["url"].replace("http://testserver.local", "")).json()
    assert project["lgsl"] == [HOUSEHOLD_WASTE, 1113]
    edit = pages.get(f"/projects/{project['slug']}/edit")
    assert edit.find("input", attrs={"name": "lgsl", "value": str(HOUSEHOLD_WASTE)}).has_attr("checked")
    assert edit.find("input", attrs={"name": "lgsl-other"})["value"] == "1113"  # Volunteering: no area


# -- matching -----------------------------------------------------------------------------------


def test_matching_counts_shared_codes_and_refuses_unknown_ones(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    create(
        client,
        "projects",
        project_body(
            title="Garden waste subscriptions",
            summary="Residents subscribe to garden waste collection online.",
            lead_council="camden",
            lgsl=[530],
        ),
        tokens["camden"],
    )
    asked = {"text": "Garden waste subscriptions online", "council": "hackney", "lgsl": [530]}
    response = client.post("/api/v1/match", json=asked)
    assert response.status_code == 200, response.text
    [camden] = [s for s in response.json()["suggestions"] if s["council"]["slug"] == "camden"]
    services = [r for r in camden["reasons"] if r["kind"] == "services"]
    assert services == [
        {
            "kind": "services",
            "text": "Works on the same services: Household garden waste (530).",
            "record": None,
            "terms": [],
            "values": ["530"],
        }
    ]
    refused = client.post("/api/v1/match", json={**asked, "lgsl": [999_999]})
    assert refused.status_code in (400, 422), refused.text
    assert refused.json()["errors"][0]["field"] == "lgsl"
