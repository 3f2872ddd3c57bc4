"""The mailer's schedule, with no cron: each round it queues what has come due by the clock it
is given (use and still-active reminders, digests, "a project like mine" alerts, webhook
deliveries), makes the webhook calls that are due, then delivers the outbox.

Every step is idempotent: what it queues, and the mark that it was queued, are written in
one transaction, so a round cut short by `kill -9` is simply done again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipeline.services.collaboration.alerts import send_alerts
from pipeline.services.collaboration.reminders import remind_due
from pipeline.services.collaboration.still_active import remind_unconfirmed
from pipeline.services.context import Registry
from pipeline.services.follows.digests import send_due_digests
from pipeline.services.mail.outbox import Delivered, deliver_due
from pipeline.services.mail.transports import Mailer
from pipeline.services.webhooks.delivery import deliver_webhooks
from pipeline.services.webhooks.dispatch import dispatch_changes


@dataclass(frozen=True)
class Round:
    reminders: int
    digests: int
    alerts: int
    webhook_calls: int
    delivered: Delivered


def run_round(registry: Registry, mailer: Mailer, now: datetime) -> Round:
    """Queue everything due at `now`, then deliver everything due (webhook calls, then email:
    a webhook disabled in this round has its contacts told in the same round)."""
    reminders = remind_due(registry, now) + remind_unconfirmed(registry, now)
    digests = send_due_digests(registry, now)
    alerts = send_alerts(registry, now)
    dispatch_changes(registry, now)
    calls = deliver_webhooks(registry, now)
    return Round(reminders, digests, alerts, calls, deliver_due(registry, mailer, now))
