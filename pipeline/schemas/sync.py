"""Incremental sync: the change log, for consumers that mirror the registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pipeline.schemas.common import Output

EntityType = Literal[
    "council", "project", "product", "finding", "code-link", "message", "interest", "adoption", "update"
]
Operation = Literal["create", "update", "delete"]


class LoggedChange(Output, kw_only=True):
    """One change. `data` is the entity's whole state after it; a delete is a tombstone (null)."""

    seq: int
    type: EntityType
    id: str
    operation: Operation
    at: datetime
    version: int
    data: dict[str, Any] | None


class ChangesLinks(Output, kw_only=True):
    self: str
    next: str


class ChangesPage(Output, kw_only=True):
    """Changes after `since`, oldest first. Ask again with `next_since` (also `links.next`)."""

    items: list[LoggedChange]
    next_since: int
    has_more: bool
    links: ChangesLinks
