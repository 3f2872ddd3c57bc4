"""Webhooks: a council's systems get every matching change POSTed to them, signed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from pipeline.schemas.common import CouncilRef, Input, Output


class WebhookIn(Input, kw_only=True):
    url: Annotated[
        str, msgspec.Meta(min_length=1, max_length=2000, description="An http(s) URL to POST each change to.")
    ]
    query: Annotated[
        str,
        msgspec.Meta(
            max_length=2000,
            description=(
                "A search as a query string (q, type, council, phase, service_area, tag, region),"
                " like `q=repairs&council=E09000012`; empty for every change."
            ),
        ),
    ] = ""


class WebhookOut(Output, kw_only=True):
    id: str
    url: str
    query: str
    council: CouncilRef
    created_at: datetime
    enabled: bool
    disabled_reason: str | None
    deliveries_url: str


class WebhookCreated(WebhookOut, kw_only=True):
    """As registered, with its secret: shown this once. Check `X-Pipeline-Signature` with it."""

    secret: str


class WebhookList(Output, kw_only=True):
    items: list[WebhookOut]


class DeliveryOut(Output, kw_only=True):
    """One change sent (or being sent) to a webhook; `id` is its `X-Pipeline-Delivery`."""

    id: str
    change_seq: int
    type: str
    operation: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None


class DeliveryList(Output, kw_only=True):
    """A webhook's most recent deliveries, newest first."""

    items: list[DeliveryOut]
