"""We're interested: another council declares, changes and withdraws its interest in a project,
through the API and the project page; the project's contacts hear of it; the history and the
change log show it; matching counts it as a shared history."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient

from pipeline.services.collaboration.contacts import add_contact
from pipeline.services.context import Registry
from pipeline.services.identity.actors import SYSTEM
from pipeline.services.mail.outbox import deliver_due
from pipeline.services.mail.transports import MailboxMailer
from pipeline.services.records.changelog import utcnow
from tests.conftest import bearer, create, project_body
from tests.pages import Pages, error_summary


def _outbox_mail(registry: Registry) -> list[dict[str, Any]]:
    mailer = MailboxMailer(registry.settings.data_dir / "outbox")
    deliver_due(registry, mailer, utcnow() + timedelta(seconds=1))
    return [json.loads(line) for line in mailer.path.read_text().splitlines()] if mailer.path.exists() else []


def test_interest_through_the_api(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    add_contact(registry, SYSTEM, "hackney", "sam@hackney.gov.uk")
    made = create(client, "projects", project_body(title="Repairs booking"), tokens["hackney"])
    path = f"/api/v1/projects/{made['slug']}/interest"
    body = {"offer": "co-deliver", "note": "We start in spring."}
    assert client.post(path, json=body).status_code == 401
    assert client.post(path, json=body, headers=bearer(tokens["hackney"])).status_code == 403  # its own
    assert client.post(path, json={"offer": "lunch"}, headers=bearer(tokens["camden"])).status_code == 422
    first = client.post(path, json=body, headers=bearer(tokens["camden"]))
    assert first.status_code == 201, first.text
    changed = client.post(path, json={"offer": "share-code"}, headers=bearer(tokens["camden"]))
    assert changed.status_code == 200
    [item] = client.get(path).json()["items"]
    assert (item["council"]["slug"], item["offer"], item["note"]) == ("camden", "share-code", "")
    mail = _outbox_mail(registry)
    assert [m["to"] for m in mail] == ["sam@hackney.gov.uk"] * 2
    assert "Camden is interested" in mail[0]["subject"]
    history = client.get(f"/api/v1/projects/{made['id']}/history").json()["items"]
    assert [h["type"] for h in history] == ["project", "interest", "interest"]
    logged = client.get("/api/v1/changes?since=0").json()["items"]
    assert logged[-1]["type"] == "interest"
    assert logged[-1]["data"]["councils"][0]["council"] == "E09000007"
    assert client.delete(path, headers=bearer(tokens["camden"])).status_code == 204
    assert client.get(path).json()["items"] == []
    assert client.delete(path, headers=bearer(tokens["camden"])).status_code == 404
    admin = client.post(path, json={**body, "council": "islington"}, headers=bearer(tokens["admin"]))
    assert admin.status_code == 201
    assert (
        client.post(path, json={**body, "council": "islington"}, headers=bearer(tokens["camden"])).status_code
        == 403
    )
    # Deleting the project deletes its interest with it.
    assert (
        client.delete(f"/api/v1/projects/{made['id']}", headers=bearer(tokens["hackney"])).status_code == 204
    )


def test_interest_counts_as_a_shared_history_in_matching(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    mine = create(client, "projects", project_body(title="Library opening hours"), tokens["hackney"])
    create(
        client,
        "projects",
        {**project_body(title="EHCP annual reviews"), "lead_council": "camden"},
        tokens["camden"],
    )
    asked = {"text": "Families cannot see their EHCP annual review", "council": "hackney"}
    before = client.post("/api/v1/match", json=asked).json()["suggestions"]
    assert "worked_together" not in [r["kind"] for s in before for r in s["reasons"]]
    interest = {"offer": "share-ideas"}
    path = f"/api/v1/projects/{mine['slug']}/interest"
    assert client.post(path, json=interest, headers=bearer(tokens["camden"])).status_code == 201
    after = client.post("/api/v1/match", json=asked).json()["suggestions"]
    camden = next(s for s in after if s["council"]["slug"] == "camden")
    assert "worked_together" in [r["kind"] for r in camden["reasons"]]


def test_interest_from_the_project_page(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str], registry: Registry
) -> None:
    made = create(client, "projects", project_body(title="Repairs booking"), tokens["hackney"])
    record_path = f"/projects/{made['slug']}"
    pages.sign_in("jo@camden.gov.uk")
    page = pages.get(record_path)
    assert page.find("button", string="We're interested") is not None
    refused = pages.post(f"{record_path}/interest", {"offer": "", "note": ""}, status=400)
    assert error_summary(refused)[0][1] == "#offer"
    done = pages.post(f"{record_path}/interest", {"offer": "co-fund", "note": "We have a budget."})
    assert "Your council's interest is recorded" in done.get_text()
    listed = done.select_one("#interest").find_next("ul").get_text()
    assert "Camden" in listed
    assert "co fund" in listed
    assert "We have a budget." in listed
    withdrawn = pages.post(f"{record_path}/interest/withdraw", {})
    assert "No other council has said it is interested yet." in withdrawn.get_text()
