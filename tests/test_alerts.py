""" "A project like mine": another council's record like one of a council's projects alerts
that project's contacts with who, what and why; never twice for a pair, at most once a week
per project; driven by the mailer's schedule on an injected clock."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient

from pipeline.services.collaboration.alerts import send_alerts
from pipeline.services.collaboration.contacts import add_contact
from pipeline.services.context import Registry
from pipeline.services.identity.actors import SYSTEM
from pipeline.services.mail.outbox import deliver_due
from pipeline.services.mail.transports import MailboxMailer
from pipeline.services.records.changelog import utcnow
from tests.conftest import bearer, create, project_body

DAMP = project_body(
    title="Damp and mould reporting",
    summary="Tenants report damp and mould with photos; surveyors triage the reports.",
    problem="Damp and mould reports arrive by phone, without photos, and surveys are slow.",
)


def _mail(registry: Registry) -> list[dict[str, Any]]:
    mailer = MailboxMailer(registry.settings.data_dir / "outbox")
    deliver_due(registry, mailer, utcnow() + timedelta(days=30))
    return [json.loads(line) for line in mailer.path.read_text().splitlines()] if mailer.path.exists() else []


def _alerts(registry: Registry, at: Any) -> int:
    registry.search.catch_up(wait=True)  # as the indexing process does
    return send_alerts(registry, at)


def test_a_like_record_of_another_council_alerts_the_project_once(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    add_contact(registry, SYSTEM, "hackney", "sam@hackney.gov.uk")
    mine = create(client, "projects", DAMP, tokens["hackney"])
    now = utcnow()
    assert _alerts(registry, now) == 0  # the service starts from now: its own project is no news
    theirs = create(
        client,
        "projects",
        {**DAMP, "title": "Damp and mould triage", "lead_council": "camden", "phase": "beta"},
        tokens["camden"],
    )
    create(
        client,
        "projects",
        project_body(
            title="Library opening hours", summary="Hours.", problem="Opening hours.", lead_council="camden"
        ),
        tokens["camden"],
    )
    assert _alerts(registry, now) == 1
    [email] = _mail(registry)
    assert email["to"] == "sam@hackney.gov.uk"
    assert (
        email["subject"]
        == "[Pipeline] A project like “Damp and mould reporting”: Camden's “Damp and mould triage”"
    )
    body = email["body"]
    assert "Who: Camden" in body
    assert "What: “Damp and mould triage” (beta)" in body
    assert "Why: both are about" in body
    assert "damp" in body.split("Why:")[1].split("\n")[0]
    assert f"/projects/{theirs['slug']}/contact" in body
    assert f"/projects/{mine['slug']}#similar-heading" in body

    # Changed again: the same pair is never told twice.
    client.post(f"/api/v1/projects/{theirs['id']}/confirm", headers=bearer(tokens["camden"]))
    assert _alerts(registry, now + timedelta(days=10)) == 0
    # Another like record within the week waits; after the week it is told.
    create(
        client, "projects", {**DAMP, "title": "Mould reports", "lead_council": "islington"}, tokens["admin"]
    )
    assert _alerts(registry, now + timedelta(days=3)) == 0
    create(
        client, "projects", {**DAMP, "title": "Damp surveys", "lead_council": "islington"}, tokens["admin"]
    )
    assert _alerts(registry, now + timedelta(days=8)) == 1
    assert len(_mail(registry)) == 2


def test_no_alert_for_its_own_council_or_without_contacts(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    create(client, "projects", DAMP, tokens["hackney"])
    now = utcnow()
    _alerts(registry, now)
    create(client, "projects", {**DAMP, "title": "Damp and mould triage"}, tokens["hackney"])  # Hackney's own
    create(client, "projects", {**DAMP, "title": "Mould triage", "lead_council": "camden"}, tokens["camden"])
    assert _alerts(registry, now) == 0  # Hackney has no contacts, and its own record is no news
    assert _mail(registry) == []
