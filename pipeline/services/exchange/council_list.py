"""Import the national list of councils from mySociety's UK local-authority CSV format."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from pipeline.schemas.councils import CouncilIn
from pipeline.services.context import Registry
from pipeline.services.councils.directory import upsert_council
from pipeline.services.exchange.line_errors import FileErrors, LineError
from pipeline.services.identity.actors import Actor, require_admin
from pipeline.services.records.validation import field_error

REQUIRED_COLUMNS = ("local-authority-code", "official-name", "nice-name", "gss-code")
# The fields this file is the authority for; others (email domains, neighbours, website) are kept.
IMPORTED_FIELDS = frozenset(
    {
        "name",
        "short_name",
        "gss_code",
        "register_code",
        "alt_names",
        "former_gss_codes",
        "kind",
        "kind_name",
        "nation",
        "region",
        "county",
        "combined_authority",
        "start_date",
        "end_date",
        "replaced_by",
    }
)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _unique_names(values: Iterable[str], exclude: Iterable[str]) -> list[str]:
    seen = {v.lower() for v in exclude}
    names = []
    for value in values:
        if value.lower() not in seen:
            seen.add(value.lower())
            names.append(value)
    return names


def row_to_council(row: dict[str, str]) -> dict[str, Any]:
    """One CSV row as CouncilIn fields (still unvalidated)."""

    def text(column: str) -> str:
        return (row.get(column) or "").strip()

    name, short = text("official-name"), text("nice-name") or text("official-name")
    return {
        "name": name,
        "short_name": short,
        "gss_code": text("gss-code") or None,
        "register_code": text("local-authority-code") or None,
        "alt_names": _unique_names(_split(text("alt-names")), exclude=[name, short]),
        "former_gss_codes": _split(text("former-gss-codes")),
        "kind": text("local-authority-type"),
        "kind_name": text("local-authority-type-name"),
        "nation": text("nation"),
        "region": text("region"),
        "county": text("county-la") or None,
        "combined_authority": text("combined-authority") or None,
        "start_date": text("start-date") or None,
        "end_date": text("end-date") or None,
        "replaced_by": _split(text("replaced-by")),
    }


def read_council_csv(path: Path) -> list[CouncilIn]:
    """Every row of the file as a council; all bad rows are reported together, by line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileErrors([LineError(str(path), 0, "", f"Cannot read the file: {exc}")]) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise FileErrors([LineError(str(path), 1, "", f"Missing columns: {', '.join(missing)}.")])
    councils: list[tuple[int, CouncilIn]] = []
    errors: list[LineError] = []
    for row in reader:
        try:
            councils.append((reader.line_num, msgspec.convert(row_to_council(row), CouncilIn)))
        except msgspec.ValidationError as exc:
            error = field_error(str(exc), CouncilIn)
            errors.append(LineError(str(path), reader.line_num, error.field, error.message))
    errors += _duplicate_codes(path, councils)
    if errors:
        raise FileErrors(sorted(errors, key=lambda e: e.line))
    return [council for _, council in councils]


def _duplicate_codes(path: Path, councils: list[tuple[int, CouncilIn]]) -> list[LineError]:
    first_line: dict[str, int] = {}
    errors = []
    for line, council in councils:
        for code in filter(None, (council.gss_code, council.register_code)):
            if code in first_line:
                message = f"{code} appears again (first on line {first_line[code]})."
                errors.append(LineError(str(path), line, "", message))
            first_line.setdefault(code, line)
    return errors


def import_councils(
    registry: Registry,
    actor: Actor,
    councils: list[CouncilIn],
    *,
    fields: frozenset[str] | None = IMPORTED_FIELDS,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Create or update every council in one transaction: all of them, or none."""
    require_admin(actor)
    report = ImportReport()
    with registry.writing() as session:
        for council in councils:
            _row, outcome = upsert_council(session, actor, council, fields=fields)
            report.count(outcome)
            if progress:
                progress(1)
    return report
