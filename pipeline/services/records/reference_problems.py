"""Collect every field error of an input before failing, so forms can list them all."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from pipeline.errors import FieldError, Invalid
from pipeline.services.councils.directory import find_council
from pipeline.services.records.link_rows import find_record
from pipeline.storage.models import Council, RecordBase


class Problems:
    """An accumulator of field errors with lookups that record a miss instead of raising."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def extend(self, errors: list[FieldError]) -> None:
        self.errors.extend(errors)

    def council(self, key: str, field: str) -> Council | None:
        council = find_council(self.session, key)
        if council is None:
            self.add(field, f"No council is known by '{key}'. Use a GSS code or a slug.")
        return council

    def record(self, record_type: str, key: str, field: str) -> RecordBase | None:
        record = find_record(self.session, record_type, key)
        if record is None:
            self.add(field, f"No {record_type.replace('-', ' ')} is known by '{key}'.")
        return record

    def raise_if_any(self) -> None:
        if self.errors:
            raise Invalid(self.errors)

    def councils(self, keys: Sequence[str], field: str, suffix: str = "") -> list[Council | None]:
        """Each key resolved, aligned with `keys`; misses and repeats are recorded as errors."""
        found = [self.council(key, f"{field}[{i}]{suffix}") for i, key in enumerate(keys)]
        self._repeats(field, keys, [c.id if c else None for c in found])
        return found

    def records(
        self, record_type: str, keys: Sequence[str], field: str, suffix: str = ""
    ) -> list[RecordBase | None]:
        """Each record key resolved, aligned with `keys`; misses and repeats are recorded."""
        found = [self.record(record_type, key, f"{field}[{i}]{suffix}") for i, key in enumerate(keys)]
        self._repeats(field, keys, [r.id if r else None for r in found])
        return found

    def _repeats(self, field: str, keys: Sequence[str], ids: Sequence[str | None]) -> None:
        seen: set[str] = set()
        for index, (key, ident) in enumerate(zip(keys, ids, strict=True)):
            if ident is not None and ident in seen:
                self.add(f"{field}[{index}]", f"'{key}' is listed more than once.")
            if ident is not None:
                seen.add(ident)
