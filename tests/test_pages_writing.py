"""Registering and editing records through the forms; confirming; conflicts; permissions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from pipeline.services.context import Registry
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.engine import get_record
from pipeline.storage.models import Project
from tests.conftest import bearer, create, project_body
from tests.pages import Pages, error_summary, h1

GOOD_PROJECT = {
    "title": "Damp and mould reporting",
    "summary": "Tenants report damp and mould with photos.",
    "lead_council": "hackney",
    "problem": "Reports arrive late.",
    "approach": "A short online form.",
    "phase": "discovery",
    "service_areas": ["housing"],
    "tags": "damp, mould",
    "start_date-day": "1",
    "start_date-month": "4",
    "start_date-year": "2026",
    "partners-0-council": "camden",
    "partners-0-role": "funder",
    "partners-1-council": "",
    "partners-1-role": "partner",
}


def test_signed_out_people_are_sent_to_sign_in(pages: Pages, councils: dict[str, str]) -> None:
    assert h1(pages.get("/projects/new")) == "Sign in"


def test_register_a_project_after_fixing_every_error(
    pages: Pages, registry: Registry, councils: dict[str, str]
) -> None:
    pages.sign_in("jo@hackney.gov.uk")
    form = pages.get("/projects/new")
    owner = form.find("input", attrs={"name": "lead_council"})
    assert owner["type"] == "hidden"
    assert owner["value"] == "hackney"
    bad = {
        **GOOD_PROJECT,
        "title": "",
        "summary": "",
        "start_date-day": "31",
        "start_date-month": "2",
        "contact_url": "not a web address",
        "partners-0-role": "boss",
    }
    soup = pages.post("/projects/new", bad, status=400)
    errors = {href: text for text, href in error_summary(soup)}
    assert errors["#title"] == "Enter a title for the project"
    assert errors["#summary"] == "Enter a summary of the project"
    assert errors["#start_date-day"] == "Start date must be a real date, like 27 3 2026."
    assert "#contact_url" in errors
    assert errors["#partners-0-role"].startswith("Role 1:")
    # the person's input is kept, every error is shown beside its field too
    assert soup.find("textarea", attrs={"name": "problem"}).get_text() == "Reports arrive late."
    assert soup.find("input", attrs={"name": "tags"})["value"] == "damp, mould"
    assert soup.find("input", attrs={"name": "start_date-day"})["value"] == "31"
    assert soup.find("input", attrs={"value": "housing", "name": "service_areas"}).has_attr("checked")
    assert len(soup.select(".govuk-error-message")) >= len(errors)
    saved = pages.post("/projects/new", GOOD_PROJECT)
    assert h1(saved) == "Damp and mould reporting"
    assert "The record has been registered." in saved.get_text()
    project: Any = get_record(registry, KINDS["project"], "damp-and-mould-reporting")
    assert project.start_date.isoformat() == "2026-04-01"
    assert [(p.council.slug, p.role) for p in project.partners] == [("camden", "funder")]
    assert project.tags == ["damp", "mould"]


def test_edit_shows_the_saved_answers_and_saves_changes(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str], registry: Registry
) -> None:
    product = create(
        client,
        "products",
        {"title": "Repairs booking", "summary": "Book.", "council": "hackney"},
        tokens["hackney"],
    )
    made = create(
        client,
        "projects",
        project_body(partners=[{"council": "camden", "role": "partner"}]),
        tokens["hackney"],
    )
    pages.sign_in("jo@hackney.gov.uk")
    form = pages.get(f"/projects/{made['slug']}/edit")
    assert form.find("input", attrs={"name": "title"})["value"] == "Online housing repairs"
    assert (
        form.find("select", attrs={"name": "partners-0-council"}).find("option", selected=True)["value"]
        == "camden"
    )
    answers = _answers(form)
    answers.update(
        {"phase": "beta", "products-0-product": f"http://testserver.local/products/{product['slug']}"}
    )
    saved = pages.post(f"/projects/{made['slug']}/edit", answers)
    assert "Your changes have been saved." in saved.get_text()
    project: Any = get_record(registry, KINDS["project"], made["slug"])
    assert project.phase == "beta"
    assert [(p.record.slug, p.relation) for p in project.products] == [(product["slug"], "uses")]
    assert [p.council.slug for p in project.partners] == ["camden"]


def test_someone_elses_save_meanwhile_is_reported_and_nothing_is_lost(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str], registry: Registry
) -> None:
    made = create(client, "projects", project_body(), tokens["hackney"])
    pages.sign_in("jo@hackney.gov.uk")
    answers = _answers(pages.get(f"/projects/{made['slug']}/edit"))
    other = client.patch(
        f"/api/v1/projects/{made['id']}",
        json={"summary": "Changed by a colleague."},
        headers={**bearer(tokens["hackney"]), "Content-Type": "application/merge-patch+json"},
    )
    assert other.status_code == 200
    answers["approach"] = "My careful new approach."
    soup = pages.post(f"/projects/{made['slug']}/edit", answers, status=409)
    assert "Someone else saved this record while you were editing it." in soup.get_text()
    assert "summary" in soup.select_one(".govuk-notification-banner").get_text()
    assert soup.find("textarea", attrs={"name": "approach"}).get_text() == "My careful new approach."
    unsaved: Any = get_record(registry, KINDS["project"], made["slug"])
    assert unsaved.summary == "Changed by a colleague."
    assert unsaved.approach == ""
    again = _answers(soup)
    assert again["version"] == str(unsaved.version)
    pages.post(f"/projects/{made['slug']}/edit", again)
    assert get_record(registry, KINDS["project"], made["slug"]).approach == "My careful new approach."  # type: ignore[attr-defined]


def test_other_councils_cannot_edit_and_the_service_refuses_them(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str]
) -> None:
    made = create(client, "projects", project_body(), tokens["hackney"])
    pages.sign_in("jo@camden.gov.uk")
    page = pages.get(f"/projects/{made['slug']}")
    assert page.find("a", string=lambda s: bool(s) and s.startswith("Edit")) is None
    answers = {**GOOD_PROJECT, "lead_council": "hackney", "version": "1"}
    refused = pages.post(f"/projects/{made['slug']}/edit", answers, status=403)
    assert h1(refused) == "You cannot do this"
    forged = {**GOOD_PROJECT, "lead_council": "hackney", "seen_similar": "1"}
    created = pages.post("/projects/new", forged, status=403)
    assert "Only members of Hackney" in created.get_text()


def test_confirming_a_project_clears_possibly_dormant(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str], registry: Registry
) -> None:
    made = create(client, "projects", project_body(), tokens["hackney"])
    with registry.writing() as session:
        row = session.get(Project, made["id"])
        assert row is not None
        row.last_confirmed_at = row.last_confirmed_at - timedelta(days=280)  # over nine months
        session.add(row)
    assert "Possibly dormant" in pages.get(f"/projects/{made['slug']}").get_text()
    pages.sign_in("jo@hackney.gov.uk")
    confirmed = pages.post(f"/projects/{made['slug']}/confirm", {})
    assert "The project is confirmed as still active." in confirmed.get_text()
    assert "Possibly dormant" not in confirmed.get_text()
    history = client.get(f"/api/v1/projects/{made['id']}/history").json()["items"]
    assert "last_confirmed_at" in history[-1]["fields"]


def test_every_record_type_can_be_registered(
    pages: Pages, registry: Registry, councils: dict[str, str]
) -> None:
    pages.sign_in("jo@hackney.gov.uk")
    pages.post("/projects/new", GOOD_PROJECT)
    product = pages.post(
        "/products/new",
        {
            "title": "Damp reporter",
            "summary": "A form.",
            "council": "hackney",
            "kind": "service",
            "development_status": "beta",
            "maintenance": "internal",
            "used_by-0-council": "islington",
            "licence": "MIT",
        },
    )
    assert h1(product) == "Damp reporter"
    assert "Islington" in product.get_text()
    finding = pages.post(
        "/findings/new",
        {
            "title": "Photos help",
            "summary": "Photos speed triage.",
            "council": "hackney",
            "method": "interviews",
            "projects": "/projects/damp-and-mould-reporting",
        },
    )
    assert "Damp and mould reporting" in finding.get_text()
    code = pages.post(
        "/code-links/new",
        {
            "title": "damp-form",
            "summary": "The form's code.",
            "council": "hackney",
            "repository_url": "https://github.com/hackney/damp-form",
            "product": "damp-reporter",
        },
    )
    assert "Damp reporter" in code.get_text()
    assert "github.com" in code.get_text()


def _answers(soup: Any) -> dict[str, Any]:
    """What a browser would post for the form as it stands."""
    form = soup.find("form", attrs={"method": "post", "action": lambda a: bool(a) and a.endswith("/edit")})
    answers: dict[str, Any] = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name or name == "_csrf_token":
            continue
        if field.name == "textarea":
            answers[name] = field.get_text()
        elif field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            answers[name] = chosen["value"] if chosen else ""
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                answers.setdefault(name, []).append(field["value"])
        else:
            answers[name] = field.get("value", "")
    return answers


def test_similar_projects_are_shown_before_saving_without_blocking_it(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str], registry: Registry
) -> None:
    create(
        client,
        "projects",
        project_body(title="Housing repairs booking online", phase="beta"),
        tokens["hackney"],
    )
    pages.sign_in("jo@islington.gov.uk")
    mine = {
        **GOOD_PROJECT,
        "title": "Book housing repairs online",
        "summary": "Tenants book repairs online.",
        "problem": "Repairs are reported by phone and appointments are missed.",
        "lead_council": "islington",
        "partners-0-council": "",
    }
    soup = pages.post("/projects/new", mine)
    banner = soup.select_one(".govuk-notification-banner")
    assert banner is not None
    assert "Could you join one instead?" in banner.get_text()
    assert "Housing repairs booking online" in banner.get_text()
    assert soup.find("input", attrs={"name": "seen_similar"})["value"] == "1"
    assert soup.find("input", attrs={"name": "title"})["value"] == "Book housing repairs online"
    saved = pages.post("/projects/new", {**mine, "seen_similar": "1"})
    assert h1(saved) == "Book housing repairs online"


@pytest.mark.parametrize("version", ["²", "9" * 5000, "-1", "1.0"])
def test_a_form_version_that_is_not_a_number_is_a_conflict_not_an_error(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str], registry: Registry, version: str
) -> None:
    made = create(client, "projects", project_body(), tokens["hackney"])
    pages.sign_in("jo@hackney.gov.uk")
    answers = _answers(pages.get(f"/projects/{made['slug']}/edit"))
    answers.update({"version": version, "summary": "Blind overwrite."})
    soup = pages.post(f"/projects/{made['slug']}/edit", answers, status=409)
    assert "Someone else saved this record" in soup.get_text()
    assert get_record(registry, KINDS["project"], made["slug"]).summary == made["summary"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("day", ["99999999999999999999", "²", "1" * 5000, "-1"])
def test_a_date_part_that_is_no_real_number_gets_the_error_summary(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str], registry: Registry, day: str
) -> None:
    made = create(client, "projects", project_body(), tokens["hackney"])
    pages.sign_in("jo@hackney.gov.uk")
    answers = _answers(pages.get(f"/projects/{made['slug']}/edit"))
    answers.update({"start_date-day": day, "start_date-month": "3", "start_date-year": "2026"})
    soup = pages.post(f"/projects/{made['slug']}/edit", answers, status=400)
    assert [target for _, target in error_summary(soup)] == ["#start_date-day"]


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b"])
def test_control_characters_in_a_form_get_the_error_summary_and_store_nothing(
    pages: Pages, councils: dict[str, str], registry: Registry, character: str
) -> None:
    pages.sign_in("jo@hackney.gov.uk")
    pages.get("/projects/new")
    answers = {
        "title": f"Repairs{character}",
        "summary": "Fine.",
        "problem": f"Bad{character}text",
        "lead_council": "hackney",
        "phase": "alpha",
    }
    soup = pages.post("/projects/new", answers, status=400)
    targets = [target for _, target in error_summary(soup)]
    assert "#title" in targets
    assert "#problem" in targets
    with registry.reading() as session:
        assert session.exec(select(Project)).first() is None


def test_search_page_numbers_and_dates_that_are_no_real_numbers(pages: Pages, registry: Registry) -> None:
    for query in (
        "page=²",
        "page=" + "9" * 5000,
        "from-day=99999999999999999999&from-month=1&from-year=2026",
    ):
        soup = pages.get(f"/search?{query}", status=400)
        assert error_summary(soup), query
