"""Keyset pagination: opaque cursors and the links that carry them."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import msgspec

from pipeline.errors import Invalid
from pipeline.urls import Urls


@dataclass(frozen=True)
class Cursor:
    """The sort key and id of the last item of a page; the next page starts after it."""

    key: str
    id: str

    def encode(self) -> str:
        raw = msgspec.json.encode([self.key, self.id])
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, field: str) -> Cursor:
        try:
            padded = text + "=" * (-len(text) % 4)
            key, ident = msgspec.json.decode(base64.urlsafe_b64decode(padded.encode()), type=tuple[str, str])
        except (binascii.Error, ValueError, msgspec.DecodeError, msgspec.ValidationError):
            raise Invalid.one(field, "This cursor is not one the service issued.") from None
        return cls(key, ident)


def next_link(urls: Urls, path: str, params: Mapping[str, Any], cursor: str | None) -> str:
    """An absolute link to `path` with the non-empty parameters and the cursor."""
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        pairs.extend((name, _text(v)) for v in _values(value))
    if cursor:
        pairs.append(("cursor", cursor))
    query = urlencode(pairs)
    return urls.absolute(f"{path}?{query}" if query else path)


def _values(value: Any) -> Sequence[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return value
    return [value]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
