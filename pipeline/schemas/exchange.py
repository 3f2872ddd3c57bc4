"""Import and export of record files."""

from __future__ import annotations

from typing import Literal

from pipeline.schemas.common import Output
from pipeline.schemas.records import ProductOut

RecordType = Literal["project", "product", "finding", "code-link"]


class ImportResult(Output, kw_only=True):
    """What an import did. `change_seq` is the change log's position after it (null if nothing changed)."""

    type: RecordType
    records: int
    created: int
    updated: int
    unchanged: int
    change_seq: int | None = None


class PubliccodeResult(Output, kw_only=True):
    """The product a publiccode.yml file became, and the organisations it names that are not councils here."""

    outcome: Literal["created", "updated", "unchanged"]
    product: ProductOut
    unknown_users: list[str]
