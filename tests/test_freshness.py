"""Freshness that nags: a six-month reminder with a signed, single-use, expiring "still active"
link; at nine months "possibly dormant" on the page, as a search filter and facet, and counting
less in search ranking and matching; confirming clears it."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient
from sqlmodel import col, select

from pipeline.services.collaboration.contacts import add_contact
from pipeline.services.collaboration.still_active import read_still_active_link, remind_unconfirmed
from pipeline.services.context import Registry
from pipeline.services.discovery.saved_searches import read_saved_search
from pipeline.services.identity.actors import SYSTEM
from pipeline.services.mail.outbox import deliver_due
from pipeline.services.mail.transports import MailboxMailer
from pipeline.services.records.changelog import utcnow
from pipeline.storage.models import Change, Project
from tests.conftest import create, project_body
from tests.pages import Pages


def _confirmed_days_ago(registry: Registry, project_id: str, days: int) -> None:
    """As if the project was last confirmed `days` ago: in its row and in the change log the
    index is built from, then the index rebuilt."""
    with registry.writing() as session:
        row = session.get(Project, project_id)
        assert row is not None
        row.last_confirmed_at = utcnow() - timedelta(days=days)
        session.add(row)
        change = session.exec(
            select(Change).where(Change.entity_id == project_id).order_by(col(Change.seq).desc())
        ).first()
        assert change is not None
        assert change.data is not None
        change.data = {**change.data, "last_confirmed_at": row.last_confirmed_at.isoformat()}
        session.add(change)
    registry.search.rebuild()


def _mail(registry: Registry) -> list[dict[str, Any]]:
    mailer = MailboxMailer(registry.settings.data_dir / "outbox")
    deliver_due(registry, mailer, utcnow() + timedelta(seconds=1))
    return [json.loads(line) for line in mailer.path.read_text().splitlines()] if mailer.path.exists() else []


def test_six_months_unconfirmed_its_contacts_get_a_one_click_still_active_link(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str], pages: Pages
) -> None:
    add_contact(registry, SYSTEM, "hackney", "sam@hackney.gov.uk")
    made = create(client, "projects", project_body(title="Repairs booking"), tokens["hackney"])
    fresh = create(client, "projects", project_body(title="Fresh project"), tokens["hackney"])
    _confirmed_days_ago(registry, made["id"], 150)
    assert remind_unconfirmed(registry, utcnow()) == 0  # five months: not yet
    _confirmed_days_ago(registry, made["id"], 190)
    assert remind_unconfirmed(registry, utcnow()) == 1
    assert remind_unconfirmed(registry, utcnow()) == 0  # one reminder per confirmation
    [email] = _mail(registry)
    assert email["to"] == "sam@hackney.gov.uk"
    assert "Is “Repairs booking” still active?" in email["subject"]
    assert f"/projects/{made['slug']}/edit" in email["body"]
    assert fresh["title"] not in email["body"]
    link = re.search(r"http://testserver\.local(/still-active/\S+)", email["body"])
    assert link is not None
    path = link.group(1)

    anonymous = TestClient(client.app, base_url="http://testserver.local")
    shown = anonymous.get(path)
    assert shown.status_code == 200
    assert "Yes, it is still active" in shown.text
    token = path.rsplit("/", 1)[1]
    assert "expired" in str(_refusal(registry, token, days_later=31))
    confirmed = pages.post(path, {})  # no sign-in needed: the link is the proof
    assert "Repairs booking is still active" in confirmed.get_text()
    history = client.get(f"/api/v1/projects/{made['id']}/history").json()["items"]
    assert history[-1]["fields"].keys() == {"last_confirmed_at"}
    again = anonymous.get(path)
    assert again.status_code == 400
    assert "already been used" in again.text
    assert anonymous.get(path[:-4] + "abcd").status_code == 400


def _refusal(registry: Registry, token: str, days_later: int) -> Exception:
    try:
        read_still_active_link(registry, token, utcnow() + timedelta(days=days_later))
    except Exception as exc:
        return exc
    raise AssertionError("the link was accepted")


def test_nine_months_unconfirmed_is_possibly_dormant_in_search_ranking_and_pages(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str], pages: Pages
) -> None:
    stale = create(
        client,
        "projects",
        project_body(title="Damp and mould checks", summary="Checks for damp, and damp surveys."),
        tokens["hackney"],
    )
    fresh = create(
        client,
        "projects",
        project_body(title="Damp and mould visits", summary="Visits for damp, and surveys."),
        tokens["hackney"],
    )
    create(
        client,
        "products",
        {"title": "Damp tracker", "summary": "Damp.", "council": "hackney"},
        tokens["hackney"],
    )
    before = [i["id"] for i in client.get("/api/v1/search?q=damp&type=project").json()["items"]]
    assert before == [stale["id"], fresh["id"]]  # the better match first while both are fresh
    _confirmed_days_ago(registry, stale["id"], 280)

    found = client.get("/api/v1/search?q=damp").json()
    # (Another page size: the answer to the first search is kept until the index next changes.)
    ranked = [i["id"] for i in client.get("/api/v1/search?q=damp&type=project&per_page=5").json()["items"]]
    assert ranked == [fresh["id"], stale["id"]]  # dormant: its relevance counts for half
    counts = {f["value"]: f["count"] for f in found["facets"]["dormant"]}
    assert counts == {"yes": 1, "no": 1}  # products are never confirmed, so neither
    only = client.get("/api/v1/search?dormant=yes").json()["items"]
    assert [i["id"] for i in only] == [stale["id"]]
    assert client.get("/api/v1/search?dormant=maybe").status_code == 400
    assert read_saved_search("dormant=yes", "search").request.filters == {"dormant": ["yes"]}

    page = pages.get(f"/projects/{stale['slug']}")
    assert "Possibly dormant" in page.get_text()
    assert "Possibly dormant" not in pages.get(f"/projects/{fresh['slug']}").get_text()
    search_page = pages.get("/search?q=damp")
    assert "Possibly dormant" in search_page.get_text()  # the facet

    pages.sign_in("jo@hackney.gov.uk")
    pages.post(f"/projects/{stale['slug']}/confirm", {})
    assert client.get("/api/v1/search?dormant=yes").json()["items"] == []
