"""Query parameters shared by several routes, read strictly."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar.params import Parameter

from pipeline.errors import InvalidQuery

# RFC 3339 date-time: Litestar would otherwise read a bare number (`0.5`) as a Unix timestamp.
RFC3339 = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})?$(?!\n)"
IsoTime = Annotated[
    str | None,
    Parameter(
        pattern=RFC3339,
        max_length=40,
        description="An ISO 8601 (RFC 3339) date and time, e.g. 2025-04-01T09:00:00Z.",
    ),
]


def parse_time(name: str, value: str | None) -> datetime | None:
    """A query parameter's time, or a 400 naming the parameter."""
    if value is None:
        return None
    try:
        return msgspec.convert(value, datetime)
    except msgspec.ValidationError:
        raise InvalidQuery.one(
            name, "Enter a date and time in ISO 8601 form, e.g. 2025-04-01T09:00:00Z."
        ) from None
