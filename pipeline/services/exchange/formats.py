"""Record files in the three exchange formats: JSON, JSON Lines and CSV.

A file holds one record type. Its items are the fields of the data standard's input
(`schemas/<type>-input.schema.json`) plus an optional `id`. In CSV each field is a column;
a list is written as items separated by semicolons, or as a JSON array when an item holds a
semicolon; a list of objects (partners, products, funding) is a JSON array, or semicolon-
separated values of the object's first field (`E09000012; E09000001` for partners).

Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as
a formula, so export puts an apostrophe before such cells (and before a cell that starts with
an apostrophe); import removes one leading apostrophe, as spreadsheets do.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from msgspec import inspect as mi

from pipeline.schemas.introspect import struct_fields
from pipeline.services.exchange.line_errors import FileErrors, LineError, json_array_items
from pipeline.services.untrusted import loads_json

FORMATS = ("json", "jsonl", "csv")
MEDIA_TYPES = {
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/jsonlines": "jsonl",
    "text/csv": "csv",
}
EXTENSIONS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
LIST_SEPARATOR = ";"
MAX_CELL_CHARACTERS = 65_536  # far above any field's own limit; csv refuses longer cells itself
csv.field_size_limit(MAX_CELL_CHARACTERS)


@dataclass(frozen=True)
class Row:
    """One item of a file, as plain data, with the line it starts on."""

    line: int
    data: dict[str, Any]


def read_rows(
    data: bytes, fmt: str, source: str, struct: type[msgspec.Struct]
) -> tuple[list[Row], list[LineError]]:
    """Every item of a file as plain data, and the items that are not even that (by line).

    A file that cannot be read as a whole (not an array, unknown columns) raises FileErrors.
    """
    rows: list[Row] = []
    errors: list[LineError] = []
    if fmt == "json":
        items = [(line, bytes(raw)) for line, raw in json_array_items(data, source)]
    elif fmt == "jsonl":
        items = [(n, line) for n, line in enumerate(data.split(b"\n"), start=1) if line.strip()]
    elif fmt == "csv":
        rows, errors = _csv_rows(_text(data, source), source, struct)
    else:
        raise FileErrors(
            [LineError(source, 0, "", f"Unknown format '{fmt}'; use one of {', '.join(FORMATS)}.")]
        )
    if fmt != "csv":
        for line, text in items:
            try:
                rows.append(Row(line, _object(text, line, source)))
            except FileErrors as exc:
                errors += exc.errors
    if not rows and not errors:
        raise FileErrors([LineError(source, 1, "", "The file has no records.")])
    return rows, errors


def _text(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileErrors([LineError(source, line, "", "The file is not UTF-8 text.")]) from None


def _object(raw: bytes, line: int, source: str) -> dict[str, Any]:
    try:
        value = loads_json(raw)
    except ValueError as exc:
        raise FileErrors([LineError(source, line, "", f"Not valid JSON: {_first_line(exc)}")]) from None
    if not isinstance(value, dict):
        raise FileErrors([LineError(source, line, "", "Each record must be a JSON object.")])
    return value


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _csv_rows(text: str, source: str, struct: type[msgspec.Struct]) -> tuple[list[Row], list[LineError]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = CsvColumns(struct)
    try:
        _check_header(reader.fieldnames or [], columns, source)
        return _csv_records(reader, columns, source)
    except csv.Error as exc:
        raise FileErrors([LineError(source, reader.line_num or 1, "", _csv_problem(exc))]) from None


def _check_header(names: Sequence[str], columns: CsvColumns, source: str) -> None:
    unknown = [name for name in names if name not in columns.names]
    if unknown:
        message = f"Unknown columns: {', '.join(unknown)}. Columns are the fields of the standard."
        raise FileErrors([LineError(source, 1, "", message)])
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        message = f"Columns appear more than once: {', '.join(repeated)}. Give each column once."
        raise FileErrors([LineError(source, 1, "", message)])


def _csv_records(
    reader: csv.DictReader[str], columns: CsvColumns, source: str
) -> tuple[list[Row], list[LineError]]:
    rows, errors = [], []
    line = reader.line_num + 1
    for record in reader:
        try:
            rows.append(Row(line, columns.decode(record)))
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            errors.append(LineError(source, line, field, message))
        line = reader.line_num + 1
    return rows, errors


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"A cell is longer than {MAX_CELL_CHARACTERS:,} characters."
    return f"Not valid CSV: {exc}."


class CsvColumns:
    """How each field of a record type is written in, and read from, one CSV cell."""

    def __init__(self, struct: type[msgspec.Struct]) -> None:
        self.shapes = {"id": _Shape("scalar")} | {
            field.name: _shape_of(field.type) for field in struct_fields(struct)
        }
        self.names = list(self.shapes)

    def decode(self, record: dict[str | None, Any]) -> dict[str, Any]:
        """A CSV row as input data: empty cells are left out, so they take the standard's default."""
        if None in record:
            raise ValueError(": This row has more cells than the header has columns.")
        values = {}
        for name, cell in record.items():
            text = _unneutralise(cell or "").strip()
            if text and name:
                values[name] = self.shapes[name].read(name, text)
        return values

    def encode(self, data: dict[str, Any]) -> list[str]:
        return [neutralise(self.shapes[name].write(data.get(name))) for name in self.names]


@dataclass(frozen=True)
class _Shape:
    kind: str  # "scalar", "list", "numbers" (a list of whole numbers) or "objects"
    first_field: str = ""

    def read(self, name: str, text: str) -> Any:
        if self.kind == "scalar":
            return text
        if text.startswith("["):
            try:
                return loads_json(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{name}: Not a valid JSON list: {exc.msg}.") from None
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
        items = [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]
        if self.kind == "numbers":
            return [int(item) if item.isascii() and item.isdecimal() else item for item in items]
        return [{self.first_field: item} for item in items] if self.kind == "objects" else items

    def write(self, value: Any) -> str:
        if value is None:
            return ""
        if self.kind == "scalar":
            return str(value)
        if not value:
            return ""
        if self.kind == "objects" or any(LIST_SEPARATOR in str(item) for item in value):
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return f"{LIST_SEPARATOR} ".join(str(item) for item in value)


def _shape_of(annotation: Any) -> _Shape:
    info = _unwrapped(mi.type_info(annotation))
    if isinstance(info, mi.UnionType):
        info = next(t for t in info.types if not isinstance(t, mi.NoneType))
    if not isinstance(info, mi.ListType):
        return _Shape("scalar")
    item = _unwrapped(info.item_type)
    if isinstance(item, mi.StructType):
        return _Shape("objects", item.fields[0].name)
    if isinstance(item, mi.IntType):
        return _Shape("numbers")
    return _Shape("list")


def _unwrapped(info: mi.Type) -> mi.Type:
    """A type without the description or examples an annotation adds to it."""
    return info.type if isinstance(info, mi.Metadata) else info


def neutralise(cell: str) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def _unneutralise(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def csv_lines(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def format_for(name: str | None = None, media_type: str | None = None) -> str | None:
    """The format a file name's extension or a Content-Type names, if any."""
    if media_type:
        return MEDIA_TYPES.get(media_type.split(";")[0].strip().lower())
    if name:
        suffix = name[name.rfind(".") :].lower() if "." in name else ""
        return EXTENSIONS.get(suffix)
    return None
