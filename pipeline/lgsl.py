"""The Local Government Service List (LGSL): every council service's stable number.

The list ships as reference data in `pipeline/reference/` (see `docs/lgsl.md` for its source,
licence and how to refresh it). It is read once per process and never changes while serving.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Service:
    """One LGSL service."""

    code: int
    label: str
    tier: str  # GOV.UK's providing tier ("all", "county/unitary", "district/unitary") or ""
    used_by_govuk: bool
    in_function_mapping: bool


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("pipeline.reference").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def services() -> dict[int, Service]:
    """Every service by its code, in code order."""
    return {
        int(row["id"]): Service(
            code=int(row["id"]),
            label=row["label"],
            tier=row["tier"],
            used_by_govuk=row["used_by_govuk"] == "yes",
            in_function_mapping=row["in_function_mapping"] == "yes",
        )
        for row in _rows("lgsl.csv")
    }


@cache
def codes_by_service_area() -> dict[str, tuple[int, ...]]:
    """Each of Pipeline's service areas with the LGSL codes that fall within it."""
    mapping: dict[str, list[int]] = {}
    for row in _rows("service_area_lgsl.csv"):
        mapping.setdefault(row["service_area"], []).append(int(row["lgsl_id"]))
    return {area: tuple(codes) for area, codes in mapping.items()}


def label_of(code: int | str) -> str:
    """The service's label, or the code itself if the list does not know it."""
    try:
        return services()[int(code)].label
    except (KeyError, ValueError):
        return str(code)


def unknown_codes(codes: Iterable[int]) -> list[int]:
    """The codes that are not on the list, in the order given."""
    known = services()
    return [code for code in codes if code not in known]


def refusal(codes: Iterable[int]) -> str | None:
    """Why these codes are refused, naming those not on the list; None if all are on it."""
    unknown = unknown_codes(codes)
    if not unknown:
        return None
    return f"Not on the Local Government Service List: {', '.join(str(code) for code in unknown)}."


def filter_refusal(values: Iterable[str]) -> str | None:
    """Why a search's `lgsl` values are refused, naming the first that is not a code on the list."""
    unknown = unknown_texts(values)
    if not unknown:
        return None
    return f"'{unknown[0]}' is not a service number on the Local Government Service List."


def unknown_texts(values: Iterable[str]) -> list[str]:
    """The values of a query string that are not codes on the list (not numbers, or unknown)."""
    known = services()
    return [
        value for value in values if not (value.isascii() and value.isdecimal()) or int(value) not in known
    ]
