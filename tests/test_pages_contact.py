"""The pages of the collaboration loop: a member opts in as their council's contact, and a
member of another council contacts the team behind a record, without JavaScript."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient

from pipeline.services.context import Registry
from pipeline.services.mail.outbox import deliver_due
from pipeline.services.mail.transports import MailboxMailer
from pipeline.services.records.changelog import utcnow
from tests.conftest import create, project_body
from tests.pages import Pages, error_summary, h1


def _outbox_mail(registry: Registry) -> list[dict[str, Any]]:
    """Deliver the outbox to a separate test mailbox (the sign-in links use the default one)."""
    mailer = MailboxMailer(registry.settings.data_dir / "outbox")
    deliver_due(registry, mailer, utcnow() + timedelta(seconds=1))
    return [json.loads(line) for line in mailer.path.read_text().splitlines()] if mailer.path.exists() else []


def test_a_member_opts_in_and_a_member_of_another_council_contacts_the_team(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str], registry: Registry
) -> None:
    made = create(client, "projects", project_body(title="Repairs booking"), tokens["hackney"])
    record_path = f"/projects/{made['slug']}"
    signed_out = pages.get(record_path)
    assert signed_out.find("a", string="Sign in with your council email address") is not None

    pages.sign_in("sam@hackney.gov.uk")
    mine = pages.get(record_path)
    assert mine.select_one("#contact") is not None
    assert mine.find("a", string="Contact the team") is None  # not to one's own council
    opted = pages.post("/your-council", {"contact": "yes"})
    assert "You will receive messages for your council." in opted.get_text()
    assert opted.find("input", attrs={"name": "contact", "value": "yes"}).has_attr("checked")
    pages.post("/sign-out", {})

    pages.sign_in("jo@camden.gov.uk")
    theirs = pages.get(record_path)
    assert theirs.find("a", string="Contact the team")["href"] == f"{record_path}/contact"
    form = pages.get(f"{record_path}/contact")
    assert "jo@camden.gov.uk" in form.select_one(".govuk-inset-text").get_text()  # told before sending
    assert form.select_one(".govuk-character-count") is not None

    empty = pages.post(f"{record_path}/contact", {"subject": "", "body": "", "sender_name": ""}, status=400)
    assert [href for _, href in error_summary(empty)] == ["#subject", "#body"]
    injected = {"subject": "Hi\r\nBcc: all@example.com", "body": "Hello", "sender_name": ""}
    assert error_summary(pages.post(f"{record_path}/contact", injected, status=400))[0][1] == "#subject"

    sent = pages.post(
        f"{record_path}/contact", {"subject": "Repairs", "body": "Can we talk?", "sender_name": "Jo"}
    )
    assert h1(sent) == "Message sent"
    [mail] = _outbox_mail(registry)
    assert mail["to"] == "sam@hackney.gov.uk"
    assert mail["headers"]["Reply-To"] == "jo@camden.gov.uk"
    assert "Can we talk?" in mail["body"]
    history = pages.get(record_path).select_one("#history").find_next("table").get_text()
    assert "A message was sent to the team" in history
    assert "Can we talk?" not in pages.get(record_path).get_text()


def test_contact_pages_need_a_signed_in_member_of_another_council(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str]
) -> None:
    made = create(client, "products", {**_product(), "title": "Bin day finder"}, tokens["hackney"])
    path = f"/products/{made['slug']}/contact"
    assert "Sign in" in h1(pages.get(path))  # anonymous: asked to sign in
    pages.sign_in("sam@hackney.gov.uk")
    pages.get(path, status=403)


def _product() -> dict[str, Any]:
    return {"summary": "Tells residents their bin day.", "council": "hackney"}


def test_a_contact_takes_the_messages_about_one_record_and_gives_them_back(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str], registry: Registry
) -> None:
    from pipeline.services.collaboration.contacts import add_contact
    from pipeline.services.identity.actors import SYSTEM
    from tests.conftest import bearer

    add_contact(registry, SYSTEM, "hackney", "other.contact@hackney.gov.uk")
    made = create(client, "projects", project_body(title="Repairs booking"), tokens["hackney"])
    record_path = f"/projects/{made['slug']}"
    pages.sign_in("sam@hackney.gov.uk")
    not_yet = pages.get(record_path).select_one("#contact").find_next("p").get_text()
    assert "Choose whether you are one of them" in not_yet
    pages.post("/your-council", {"contact": "yes"})
    shared = pages.get(record_path)
    assert "go to all of Hackney's contacts" in " ".join(
        shared.select_one("#contact").find_next("p").get_text().split()
    )
    taken = pages.post(f"{record_path}/contact-person", {"me": "yes"})
    assert "go to you." in " ".join(taken.select_one("#contact").find_next("p").get_text().split())
    message = {"subject": "Hi", "body": "Talk?", "reply_to": "jo@camden.gov.uk"}
    api = f"/api/v1/projects/{made['slug']}/messages"
    assert client.post(api, json=message, headers=bearer(tokens["camden"])).status_code == 202
    assert [m["to"] for m in _outbox_mail(registry)] == ["sam@hackney.gov.uk"]
    given_back = pages.post(f"{record_path}/contact-person", {"me": "no"})
    assert "all of Hackney's contacts" in " ".join(
        given_back.select_one("#contact").find_next("p").get_text().split()
    )
    assert client.post(api, json=message, headers=bearer(tokens["camden"])).status_code == 202
    latest = [m["to"] for m in _outbox_mail(registry)][1:]
    assert sorted(latest) == ["other.contact@hackney.gov.uk", "sam@hackney.gov.uk"]
