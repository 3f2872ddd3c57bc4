"""We use this: a council's own declaration of use, kept apart from the product council's list,
confirmed to keep counting, and withdrawn; through the API and the product page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar.testing import TestClient
from sqlmodel import select

from pipeline.services.context import Registry
from pipeline.storage.collaboration import ProductAdoption
from tests.conftest import bearer, create
from tests.pages import Pages

PRODUCT = {
    "title": "Bin day finder",
    "summary": "Tells residents their bin day.",
    "council": "hackney",
    "used_by": ["islington"],
}


def test_use_through_the_api(client: TestClient[Any], registry: Registry, tokens: dict[str, str]) -> None:
    made = create(client, "products", PRODUCT, tokens["hackney"])
    path = f"/api/v1/products/{made['slug']}/users"
    body = {
        "use_case": "Bin day reminders",
        "since": "2025-04-01",
        "service_url": "https://www.camden.gov.uk/bins",
    }
    assert client.post(path, json=body).status_code == 401
    assert (
        client.post(path, json=body, headers=bearer(tokens["hackney"])).status_code == 403
    )  # lists users itself
    assert client.post(path, json={"since": "someday"}, headers=bearer(tokens["camden"])).status_code == 422
    assert client.post(path, json=body, headers=bearer(tokens["camden"])).status_code == 201
    users = client.get(path).json()
    assert (users["councils"], users["confirmed"]) == (2, 1)
    by_council = {u["council"]["slug"]: u for u in users["items"]}
    assert by_council["camden"]["declared_by"] == "user"
    assert by_council["camden"]["use_case"] == "Bin day reminders"
    assert by_council["islington"]["declared_by"] == "owner"
    assert by_council["islington"]["declared_at"] is None

    # Twelve months without confirming: shown as unconfirmed, and no longer counted.
    with registry.writing() as session:
        adoption = session.exec(select(ProductAdoption)).one()
        adoption.confirmed_at -= timedelta(days=366)
        session.add(adoption)
    stale = client.get(path).json()
    assert stale["confirmed"] == 0
    assert not {u["council"]["slug"]: u for u in stale["items"]}["camden"]["current"]
    confirmed = client.post(f"{path}/confirm", headers=bearer(tokens["camden"]))
    assert confirmed.status_code == 200
    assert confirmed.json()["current"]
    assert client.get(path).json()["confirmed"] == 1
    history = client.get(f"/api/v1/products/{made['id']}/history").json()["items"]
    assert [h["type"] for h in history] == ["product", "adoption", "adoption"]
    assert client.delete(path, headers=bearer(tokens["camden"])).status_code == 204
    assert client.get(path).json()["councils"] == 1
    assert client.post(f"{path}/confirm", headers=bearer(tokens["camden"])).status_code == 404


def test_use_from_the_product_page(pages: Pages, client: TestClient[Any], tokens: dict[str, str]) -> None:
    made = create(client, "products", PRODUCT, tokens["hackney"])
    page_path = f"/products/{made['slug']}"
    pages.sign_in("jo@camden.gov.uk")
    declared = pages.post(f"{page_path}/users", {"use_case": "reminders"})
    assert "Recorded: your council uses this product." in declared.get_text()
    assert (
        "Used by 2 councils (1 confirmed by the council itself in the last 12 months)." in declared.get_text()
    )
    assert "Thank you" in pages.post(f"{page_path}/users/confirm", {}).get_text()
    withdrawn = pages.post(f"{page_path}/users/withdraw", {})
    assert "Used by 1 council (0 confirmed" in withdrawn.get_text()
    assert withdrawn.find("button", string="We use this") is not None


def test_a_use_case_too_long_is_named_in_the_error_summary(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str]
) -> None:
    from tests.pages import error_summary

    made = create(client, "products", PRODUCT, tokens["hackney"])
    pages.sign_in("jo@camden.gov.uk")
    refused = pages.post(f"/products/{made['slug']}/users", {"use_case": "x" * 501}, status=400)
    assert error_summary(refused)[0][1] == "#use_case"
    assert client.get(f"/api/v1/products/{made['slug']}/users").json()["confirmed"] == 0
