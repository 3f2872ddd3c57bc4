"""Read record files for the CLI and importers, reporting errors by line number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import msgspec

from pipeline.errors import DomainError
from pipeline.services.records.validation import field_error
from pipeline.services.untrusted import DEPTH_MESSAGE

T = TypeVar("T")
_BYTE = re.compile(r"\(byte (\d+)\)")
MAX_REPORTED = 100


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


class FileErrors(DomainError):
    """An input file could not be used; nothing was written.

    At most MAX_REPORTED problems are kept, then one line saying how many more there were.
    """

    status = 422
    code = "validation_failed"
    title = "Validation failed"

    def __init__(self, errors: list[LineError]) -> None:
        kept = errors[:MAX_REPORTED]
        if len(errors) > MAX_REPORTED:
            more = len(errors) - MAX_REPORTED
            kept.append(
                LineError(errors[0].path, errors[MAX_REPORTED].line, "", f"…and {more} more problems.")
            )
        self.errors = kept
        self.total = len(errors)
        super().__init__(f"{self.total} problem(s) found in the file; nothing was written.")

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, max(offset, 0)) + 1


def json_array_items(data: bytes, source: str) -> list[tuple[int, msgspec.Raw]]:
    """The items of a JSON array, undecoded, each with the line it starts on."""
    try:
        raws = msgspec.json.decode(data, type=list[msgspec.Raw])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        match = _BYTE.search(str(exc))
        line = line_of(data, int(match[1])) if match else 1
        raise FileErrors([LineError(source, line, "", f"Not a JSON array: {exc}")]) from None
    except RecursionError:
        raise FileErrors([LineError(source, 1, "", DEPTH_MESSAGE)]) from None
    return list(zip(_item_lines(data, raws), raws, strict=True))


def load_json_list(path: Path, item_type: type[T]) -> list[T]:
    """A JSON array of items, each validated as `item_type`; errors carry the item's line."""
    items, errors = [], []
    for index, (line, raw) in enumerate(json_array_items(read_file(path), str(path))):
        try:
            items.append(msgspec.json.decode(raw, type=item_type))
        except RecursionError:
            errors.append(LineError(str(path), line, f"[{index}]", DEPTH_MESSAGE))
        except msgspec.ValidationError as exc:
            error = field_error(str(exc), item_type)
            errors.append(LineError(str(path), line, f"[{index}].{error.field}".rstrip("."), error.message))
    if errors:
        raise FileErrors(errors)
    return items


def _item_lines(data: bytes, raws: list[msgspec.Raw]) -> list[int]:
    lines, position, line = [], 0, 1
    for raw in raws:
        found = data.find(bytes(raw), position)
        if found >= 0:
            line += data.count(b"\n", position, found)
            position = found + len(bytes(raw))
            lines.append(line)
            line += bytes(raw).count(b"\n")
        else:
            lines.append(line)
    return lines


def read_file(path: Path, max_bytes: int | None = None) -> bytes:
    """A file's bytes; a file larger than `max_bytes` is refused before it is read."""
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            message = f"The file is larger than {max_bytes:,} bytes (PIPELINE_MAX_IMPORT_BYTES)."
            raise FileErrors([LineError(str(path), 0, "", message)])
        return path.read_bytes()
    except OSError as exc:
        raise FileErrors([LineError(str(path), 0, "", f"Cannot read the file: {exc.strerror}")]) from None
