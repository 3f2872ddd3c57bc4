"""Combining the evidence into one score per council, with the reasons in plain words."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pipeline.matching.evidence import (
    Place,
    Relation,
    diminishing_sum,
    geographic_relation,
    shared,
    steps_ahead,
)
from pipeline.matching.retrieval import Found
from pipeline.matching.weights import Weights
from pipeline.search.fields import DORMANT_AFTER


@dataclass(frozen=True)
class Ask:
    """Who is asking and about what (besides the words)."""

    council: Place | None = None
    phase: str | None = None
    service_areas: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    # LGSL codes with how specific each is (`evidence.specificity`), in the asker's order.
    lgsl: tuple[tuple[str, float], ...] = ()
    excluded: frozenset[str] = frozenset()  # council slugs never to suggest
    worked_with: frozenset[str] = frozenset()  # councils that have shared a record with the asker


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
    worked_together: bool = False
    lgsl: list[str] = field(default_factory=list)  # LGSL codes shared with the asker


def is_dormant(found: Found, now: datetime) -> bool:
    """Not confirmed as active for nine months (a project), or, for records that are never
    confirmed, not changed for nine months. The index keeps times in UTC without a zone."""
    when = found.fields.get("confirmed") or found.fields.get("updated")
    if not isinstance(when, datetime):
        return False
    return now - (when if when.tzinfo else when.replace(tzinfo=UTC)) > DORMANT_AFTER


def by_council(
    found: list[Found], ask: Ask, weights: Weights, now: datetime | None = None
) -> dict[str, list[Match]]:
    """Each council's matching records (owned or taken part in), strongest first."""
    grouped: dict[str, list[Match]] = defaultdict(list)
    for record in found:
        if record.similarity < weights.min_similarity:
            continue
        owner = str(record.fields.get("owner", ""))
        fresh = weights.dormant if now and is_dormant(record, now) else 1.0
        for slug in record.values("council"):
            if slug in ask.excluded:
                continue
            part = 1.0 if slug == owner else weights.participant
            grouped[slug].append(Match(record, record.similarity * part * fresh, slug == owner))
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
    services, services_score = _shared_services(ask, counted, weights)
    relation = geographic_relation(ask.council, place) if ask.council else None
    together = place.slug in ask.worked_with
    boost = (weights.place.get(relation.kind, 0.0) if relation else 0.0) + (
        weights.worked_together if together else 0.0
    )
    ahead = _step_ahead(ask, counted)
    open_to = _open_to(counted, collaboration)
    total = (
        text * (1 + boost)
        + labels
        + services_score
        + (weights.step_ahead if ahead else 0.0)
        + (weights.open_to_collaborate if open_to else 0.0)
    )
    return Scored(place, round(total, 4), counted, areas, tags, relation, ahead, open_to, together, services)


def _shared_services(ask: Ask, matches: list[Match], weights: Weights) -> tuple[list[str], float]:
    """The asker's LGSL codes that the council's matching records carry, and what they add:
    each counts by how specific it is, together no more than `lgsl_cap`."""
    theirs = {code for m in matches for code in m.found.values("lgsl")}
    codes = [(code, share) for code, share in ask.lgsl if code in theirs]
    added = min(weights.lgsl_cap, sum(weights.lgsl * share for _, share in codes))
    return [code for code, _ in codes], added


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


@dataclass(frozen=True)
class Evidence:
    """Everything one answer rests on, read once: ranking it again with other weights needs
    neither the database nor the index (this is how the weights are cross-validated)."""

    ask: Ask
    found: list[Found]  # records sharing the text's concepts, most similar first
    places: dict[str, Place]
    offers: dict[str, list[str]]  # how each matching project's council offers to work with others
    now: datetime
    records: int  # records in the registry


def rank(evidence: Evidence, weights: Weights) -> list[Scored]:
    """Every council with evidence, best first. A record sharing only words that many records
    have is not evidence: nothing in it could be named as the reason."""
    most = weights.most_share(evidence.records)
    telling = [found for found in evidence.found if found.distinctive(most)]
    grouped = by_council(telling, evidence.ask, weights, evidence.now)
    return score(evidence.ask, grouped, evidence.places, evidence.offers, weights)
