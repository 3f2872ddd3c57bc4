"""Read record files for the CLI and importers, reporting errors by line number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from pipeline.services.validation import field_error

T = TypeVar("T")
_BYTE = re.compile(r"\(byte (\d+)\)")
_INDEX = re.compile(r"^\[(\d+)\]\.?")


@dataclass(frozen=True)
class LineError:
    """One problem in an input file, at a line a person can go to."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f" {self.field}:" if self.field and self.field != "body" else ""
        return f"{self.path}:{self.line}:{where} {self.message}"


class FileErrors(Exception):
    """An input file could not be used; nothing was written."""

    def __init__(self, errors: list[LineError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, max(offset, 0)) + 1


def load_json_list(path: Path, item_type: type[T]) -> list[T]:
    """A JSON array of items, each validated as `item_type`; errors carry the item's line."""
    data = _read(path)
    try:
        raws = msgspec.json.decode(data, type=list[msgspec.Raw])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        match = _BYTE.search(str(exc))
        line = line_of(data, int(match[1])) if match else 1
        raise FileErrors([LineError(str(path), line, "", f"Not a JSON array: {exc}")]) from None
    offsets = _item_offsets(data, raws)
    items, errors = [], []
    for index, raw in enumerate(raws):
        try:
            items.append(msgspec.json.decode(raw, type=item_type))
        except msgspec.ValidationError as exc:
            error = field_error(str(exc), item_type)
            errors.append(
                LineError(
                    str(path),
                    line_of(data, offsets[index]),
                    f"[{index}].{error.field}".rstrip("."),
                    error.message,
                )
            )
    if errors:
        raise FileErrors(errors)
    return items


def _item_offsets(data: bytes, raws: list[msgspec.Raw]) -> list[int]:
    offsets, position = [], 0
    for raw in raws:
        found = data.find(bytes(raw), position)
        offsets.append(found)
        position = found + len(bytes(raw)) if found >= 0 else position
    return offsets


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FileErrors([LineError(str(path), 0, "", f"Cannot read the file: {exc.strerror}")]) from None


def decode_rows(rows: list[dict[str, Any]], item_type: type[T], path: str, first_line: int = 2) -> list[T]:
    """Validate already-parsed rows (e.g. CSV), naming each bad row by its line."""
    items, errors = [], []
    for index, row in enumerate(rows):
        try:
            items.append(msgspec.convert(row, item_type, strict=False))
        except msgspec.ValidationError as exc:
            error = field_error(str(exc), item_type)
            errors.append(LineError(path, first_line + index, error.field, error.message))
    if errors:
        raise FileErrors(errors)
    return items
