"""The kinds of evidence besides shared words, each a small pure function."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

# Delivery phases in order; a retired project is no one's step ahead.
PHASE_ORDER = {"idea": 0, "discovery": 1, "alpha": 2, "beta": 3, "live": 4}


@dataclass(frozen=True)
class Place:
    """What matching needs to know about where a council is and what kind it is."""

    slug: str
    name: str
    gss_code: str | None = None
    kind: str = ""
    kind_name: str = ""
    region: str = ""
    county: str | None = None
    combined_authority: str | None = None
    neighbours: frozenset[str] = frozenset()
    # A council since abolished keeps its records, and is still suggested for them: its
    # successors (`replaced_by`, slugs) are named beside it.
    ended: date | None = None
    replaced_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Relation:
    kind: str  # neighbour, county, combined_authority, region, kind
    text: str


def geographic_relation(asking: Place, other: Place) -> Relation | None:
    """The closest tie between two councils, in plain words; None if they share nothing."""
    if _neighbours(asking, other):
        return Relation("neighbour", f"A neighbour of {asking.name}")
    if _same_county(asking, other):
        return Relation("county", f"In the same county as {asking.name}")
    if asking.combined_authority and asking.combined_authority == other.combined_authority:
        return Relation("combined_authority", f"In the same combined authority as {asking.name}")
    if asking.region and asking.region == other.region:
        return Relation("region", f"Also in {asking.region}")
    if asking.kind and asking.kind == other.kind:
        return Relation("kind", f"The same kind of council ({other.kind_name or other.kind})")
    return None


def _neighbours(a: Place, b: Place) -> bool:
    return bool((b.gss_code and b.gss_code in a.neighbours) or (a.gss_code and a.gss_code in b.neighbours))


def _same_county(a: Place, b: Place) -> bool:
    if a.county and a.county == b.county:
        return True
    return bool((a.county and a.county == b.gss_code) or (b.county and b.county == a.gss_code))


def diminishing_sum(values: Iterable[float], ratio: float, counted: int) -> float:
    """The best value, plus `ratio` of the next, `ratio`² of the one after...: several good
    matches beat one, but a long tail of weak ones does not add up to a strong one."""
    best = sorted(values, reverse=True)[:counted]
    return sum(value * ratio**rank for rank, value in enumerate(best))


def steps_ahead(asking_phase: str | None, their_phase: str | None) -> int:
    """How many delivery phases their project is ahead of the asker's (0 if not ahead)."""
    if asking_phase not in PHASE_ORDER or their_phase not in PHASE_ORDER:
        return 0
    return max(0, PHASE_ORDER[their_phase] - PHASE_ORDER[asking_phase])


def specificity(records_with_value: int, records: int) -> float:
    """How telling it is to share a label that `records_with_value` of `records` records carry:
    1 for one nobody else has, falling towards 0 for one that every record has."""
    if records <= 0:
        return 0.0
    share = math.log((records + 1) / (min(records_with_value, records) + 1)) / math.log(records + 1)
    return max(0.0, min(1.0, share))


def shared(asked: Iterable[str], theirs: Iterable[str]) -> list[str]:
    """Values both sides have, in the asker's order."""
    mine = list(dict.fromkeys(asked))
    others = set(theirs)
    return [value for value in mine if value in others]
