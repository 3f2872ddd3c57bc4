"""Query parameters shared by several routes, read strictly."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec
from litestar.params import Parameter

from pipeline.errors import Invalid

# RFC 3339 date-time: Litestar would otherwise read a bare number (`0.5`) as a Unix timestamp.
RFC3339 = (
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?"
    r"([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)?$(?!\n)"
)
IsoTime = Annotated[
    str | None,
    Parameter(
        pattern=RFC3339,
        max_length=40,
        description="An ISO 8601 (RFC 3339) date and time, e.g. 2025-04-01T09:00:00Z (UTC if no offset).",
    ),
]


def parse_time(name: str, value: str | None) -> datetime | None:
    """A query parameter's time. The pattern is checked first (400); a date the calendar does
    not have (30 February) is well-formed but wrong: 422 naming the parameter."""
    if value is None:
        return None
    try:
        moment = msgspec.convert(value, datetime)
    except msgspec.ValidationError:
        raise Invalid.one(name, "Enter a real date and time, e.g. 2025-04-01T09:00:00Z.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # no offset: UTC
