"""Eleven months after a council last confirmed it uses a product, its contacts get a reminder
with a one-click link: signed, single use, expiring; the clock is injected."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from pipeline.errors import Invalid
from pipeline.services.collaboration.contacts import add_contact
from pipeline.services.collaboration.reminders import read_link, remind_due
from pipeline.services.context import Registry
from pipeline.services.identity.actors import SYSTEM
from pipeline.services.mail.outbox import deliver_due
from pipeline.services.mail.transports import MailboxMailer
from pipeline.services.records.changelog import utcnow
from pipeline.storage.collaboration import ProductAdoption
from tests.conftest import bearer, create
from tests.pages import Pages, h1


def _mail(registry: Registry) -> list[dict[str, Any]]:
    mailer = MailboxMailer(registry.settings.data_dir / "outbox")
    deliver_due(registry, mailer, utcnow() + timedelta(days=400))
    return [json.loads(line) for line in mailer.path.read_text().splitlines()] if mailer.path.exists() else []


def test_a_reminder_at_eleven_months_with_a_one_click_single_use_link(
    pages: Pages, client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    add_contact(registry, SYSTEM, "camden", "kim@camden.gov.uk")
    product = create(
        client,
        "products",
        {"title": "Bin day finder", "summary": "Bins.", "council": "hackney"},
        tokens["hackney"],
    )
    users = f"/api/v1/products/{product['slug']}/users"
    assert (
        client.post(users, json={"use_case": "reminders"}, headers=bearer(tokens["camden"])).status_code
        == 201
    )
    now = utcnow()
    assert remind_due(registry, now + timedelta(days=300)) == 0  # ten months: not yet
    assert remind_due(registry, now + timedelta(days=336)) == 1
    assert remind_due(registry, now + timedelta(days=340)) == 0  # one reminder per confirmation
    [reminder] = _mail(registry)
    assert reminder["to"] == "kim@camden.gov.uk"
    link = re.search(r"https?://\S+/confirm-use/\S+", reminder["body"])
    assert link is not None
    path = "/confirm-use/" + link.group(0).rsplit("/confirm-use/", 1)[1]

    opened = pages.get(path)  # opening it changes nothing: a mail scanner may follow links
    assert h1(opened) == "Do you still use this product?"
    assert pages.post(path, {}).find("h1").get_text(strip=True) == "Confirmed"
    with registry.reading() as session:
        confirmed = session.exec(select(ProductAdoption)).one().confirmed_at
    assert confirmed > now
    used = pages.get(path, status=400)
    assert "already been used" in used.get_text()
    assert h1(pages.get("/confirm-use/forged-token", status=400)) == "This link cannot be used"
    history = client.get(f"/api/v1/products/{product['id']}/history").json()["items"]
    assert history[-1]["actor"]["council"] == "E09000007"


def test_a_link_works_for_thirty_days(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    product = create(
        client,
        "products",
        {"title": "Bin day finder", "summary": "Bins.", "council": "hackney"},
        tokens["hackney"],
    )
    add_contact(registry, SYSTEM, "camden", "kim@camden.gov.uk")
    client.post(f"/api/v1/products/{product['slug']}/users", json={}, headers=bearer(tokens["camden"]))
    assert remind_due(registry, utcnow() + timedelta(days=336)) == 1
    [reminder] = _mail(registry)
    token = reminder["body"].split("/confirm-use/", 1)[1].split()[0]
    assert read_link(registry, token, utcnow() + timedelta(days=29)).council_name == "Camden"
    with pytest.raises(Invalid, match="expired"):
        read_link(registry, token, utcnow() + timedelta(days=31))
    with pytest.raises(Invalid, match="not a Pipeline confirmation link"):
        read_link(registry, token[:-3] + "abc", utcnow())
