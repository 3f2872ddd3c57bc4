"""Combining the evidence into one score per council, with the reasons in plain words."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pipeline.matching.evidence import (
    Place,
    Relation,
    diminishing_sum,
    geographic_relation,
    shared,
    steps_ahead,
)
from pipeline.matching.retrieval import Found

GEOGRAPHY = {"neighbour": 0.12, "county": 0.08, "combined_authority": 0.08, "region": 0.04, "kind": 0.02}


@dataclass(frozen=True)
class Weights:
    """How much each kind of evidence counts. Shared words dominate: a council with no record
    on the problem is never suggested for its geography alone."""

    participant: float = 0.6  # taking part in a record counts less than owning it
    ratio: float = 0.5  # each further matching record counts half the one before
    records_counted: int = 4
    min_similarity: float = 0.12  # weaker matches are not evidence
    service_area: float = 0.04
    tag: float = 0.03
    labels_cap: float = 0.12
    geography: dict[str, float] = field(default_factory=lambda: dict(GEOGRAPHY))
    step_ahead: float = 0.05
    open_to_collaborate: float = 0.04


@dataclass(frozen=True)
class Ask:
    """Who is asking and about what (besides the words)."""

    council: Place | None = None
    phase: str | None = None
    service_areas: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    excluded: frozenset[str] = frozenset()  # council slugs never to suggest


@dataclass(frozen=True)
class Match:
    """One of a council's records that matched, and the council's part in it."""

    found: Found
    weight: float  # the record's similarity, reduced if the council only takes part
    owner: bool


@dataclass
class Scored:
    council: Place
    score: float
    matches: list[Match]
    service_areas: list[str]
    tags: list[str]
    relation: Relation | None
    ahead: tuple[Match, int] | None
    open_to: tuple[Match, list[str]] | None


def by_council(found: list[Found], ask: Ask, weights: Weights) -> dict[str, list[Match]]:
    """Each council's matching records (owned or taken part in), strongest first."""
    grouped: dict[str, list[Match]] = defaultdict(list)
    for record in found:
        if record.similarity < weights.min_similarity:
            continue
        owner = str(record.fields.get("owner", ""))
        for slug in record.values("council"):
            if slug in ask.excluded:
                continue
            part = 1.0 if slug == owner else weights.participant
            grouped[slug].append(Match(record, record.similarity * part, slug == owner))
    for matches in grouped.values():
        matches.sort(key=lambda m: -m.weight)
    return grouped


def score(
    ask: Ask,
    grouped: dict[str, list[Match]],
    places: dict[str, Place],
    collaboration: dict[str, list[str]],
    weights: Weights,
) -> list[Scored]:
    """Every council with evidence, best first (ties by name, so the order is stable)."""
    scored = [
        _score_one(ask, places[slug], matches, collaboration, weights)
        for slug, matches in grouped.items()
        if slug in places
    ]
    scored.sort(key=lambda s: (-s.score, s.council.name))
    return scored


def _score_one(
    ask: Ask, place: Place, matches: list[Match], collaboration: dict[str, list[str]], weights: Weights
) -> Scored:
    counted = matches[: weights.records_counted]
    text = diminishing_sum((m.weight for m in counted), weights.ratio, weights.records_counted)
    areas = shared(ask.service_areas, {a for m in counted for a in m.found.values("service_area")})
    tags = shared(ask.tags, {t for m in counted for t in m.found.values("tag")})
    labels = min(weights.labels_cap, len(areas) * weights.service_area + len(tags) * weights.tag)
    relation = geographic_relation(ask.council, place) if ask.council else None
    geography = weights.geography.get(relation.kind, 0.0) if relation else 0.0
    ahead = _step_ahead(ask, counted)
    open_to = _open_to(counted, collaboration)
    total = (
        text
        + labels
        + geography
        + (weights.step_ahead if ahead else 0.0)
        + (weights.open_to_collaborate if open_to else 0.0)
    )
    return Scored(place, round(total, 4), counted, areas, tags, relation, ahead, open_to)


def _step_ahead(ask: Ask, matches: list[Match]) -> tuple[Match, int] | None:
    projects = [(m, steps_ahead(ask.phase, str(m.found.fields.get("phase") or ""))) for m in matches]
    ahead = [(m, steps) for m, steps in projects if steps > 0 and m.owner]
    return ahead[0] if ahead else None


def _open_to(matches: list[Match], collaboration: dict[str, list[str]]) -> tuple[Match, list[str]] | None:
    for match in matches:
        offers = collaboration.get(str(match.found.fields.get("id")), [])
        if match.owner and offers:
            return match, offers
    return None
