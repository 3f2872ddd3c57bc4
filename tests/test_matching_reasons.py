"""The reasons beside a suggestion, from the scorer's findings alone: no database, no index."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.matching.concepts import concepts, place_name_runs, place_stems, stems
from pipeline.matching.evidence import Place, Relation
from pipeline.matching.reasons import Explainer, consortia, consortium_text, other_reasons, record_ref_of
from pipeline.matching.retrieval import Found
from pipeline.matching.scorer import Match, Scored
from pipeline.urls import Urls

URLS = Urls("https://pipeline.example")
FIELDS = {
    "type": "project",
    "id": "0d5e0b0a-7d3a-4a59-9b8e-0f6f6b1f3c11",
    "slug": "repairs-online",
    "title": "Repairs online",
    "phase": "beta",
    "content": "Tenants see when the operative arrives. Residents book a repairs appointment online.",
}
ASKED = "Let tenants book repairs appointments without calling the contact centre"


def _found(fields: dict[str, Any], asked: str, shares: dict[str, float] | None = None) -> Found:
    """A record found for `asked`: the concepts both texts have, each in `shares` of all records."""
    record = {c.label for c in concepts(f"{fields['title']}\n{fields['content']}")}
    shared = tuple(c for c in concepts(asked) if c.label in record or c.label.rstrip("s") in record)
    return Found(fields, 0.5, shared, tuple((shares or {}).get(c.label, 0.01) for c in shared))


def _explainer(records: int = 1000) -> Explainer:
    return Explainer(stems(ASKED), records, URLS)


def _match(owner: bool = True, fields: dict[str, Any] = FIELDS) -> Match:
    return Match(found=_found(fields, ASKED), weight=0.5, owner=owner)


def test_a_similar_record_is_named_with_its_type_phase_and_address() -> None:
    [reason] = _explainer().record_reasons([_match()])
    assert reason.kind == "similar_record"
    assert reason.text.startswith("Their project “Repairs online” (beta)")
    assert reason.record is not None
    assert reason.record.url == "https://pipeline.example/api/v1/projects/repairs-online"


def test_a_record_the_council_only_takes_part_in_says_so() -> None:
    [reason] = _explainer().record_reasons([_match(owner=False)])
    assert reason.text.startswith("They take part in the project “Repairs online”")


def test_shared_runs_of_words_are_named_as_phrases_as_the_record_spells_them() -> None:
    found = _found(FIELDS, ASKED)
    assert _explainer().shared_terms(found) == ["book a repairs appointment", "Tenants"]


@pytest.mark.parametrize(
    ("shares", "records", "named"),
    [
        ({"tenants": 0.2}, 1000, ["book a repairs appointment"]),  # in a fifth of records: not named
        ({"tenants": 0.2, "book": 0.2, "repairs": 0.2, "appointments": 0.2}, 1000, []),  # all common
        ({"tenants": 0.06}, 1000, ["book a repairs appointment"]),  # just over one in twenty
        ({"tenants": 0.1}, 50, ["book a repairs appointment", "Tenants"]),  # 5 of 50 records is few
    ],
)
def test_words_common_in_the_registry_are_never_named(
    shares: dict[str, float], records: int, named: list[str]
) -> None:
    found = _found(FIELDS, ASKED, shares)
    assert _explainer(records).shared_terms(found) == named


def test_a_record_sharing_nothing_distinctive_gives_no_reason_and_at_most_four_terms_are_named() -> None:
    common = _found(FIELDS, ASKED, {c.label: 0.3 for c in concepts(ASKED)})
    assert _explainer().record_reasons([Match(common, 0.5, True)]) == []
    long_text = "Boilers; asbestos; ventilation; condensation; mould; damp; tenants."  # no run in order
    many = {**FIELDS, "content": long_text}
    asked = "Tenants report damp, mould, condensation, ventilation, asbestos and boilers"
    terms = Explainer(stems(asked), 1000, URLS).shared_terms(_found(many, asked))
    assert terms == ["tenants", "damp", "mould", "condensation"]  # in the order of `shared` (rarest first)


def test_other_evidence_is_each_a_reason_in_order() -> None:
    match = _match()
    scored = Scored(
        council=Place(slug="camden", name="Camden"),
        score=0.8,
        matches=[match],
        service_areas=["housing"],
        tags=["repairs"],
        relation=Relation("neighbour", "A neighbour of Hackney"),
        ahead=(match, 1),
        open_to=(match, ["share-code"]),
        worked_together=True,
        lgsl=["141", "139"],
    )
    reasons = other_reasons(scored)
    kinds = ["service_areas", "services", "tags", "worked_together", "geography", "phase", "collaboration"]
    assert [r.kind for r in reasons] == kinds
    assert reasons[0].text == "Works in the same service areas: housing."
    assert reasons[1].text == (
        "Works on the same services: Housing repairs (141), Emergency out of hours housing repairs (139)."
    )
    assert reasons[1].values == ["141", "139"]
    assert reasons[4].text == "A neighbour of Hackney."
    assert reasons[5].text == "A step ahead: “Repairs online” is in beta."
    assert reasons[6].text == "Open to working with others: share code."


def test_no_evidence_no_reasons() -> None:
    scored = Scored(Place(slug="x", name="X"), 0.1, [], [], [], None, None, None)
    assert other_reasons(scored) == []
    assert record_ref_of(FIELDS, URLS).slug == "repairs-online"


def _scored(slug: str, *records: dict[str, Any]) -> Scored:
    matches = [Match(Found(r, 0.5, ()), 0.5, True) for r in records]
    return Scored(Place(slug=slug, name=slug.title()), 0.5, matches, [], [], None, None, None)


def test_councils_whose_best_evidence_is_one_record_are_one_consortium() -> None:
    other = {**FIELDS, "id": "other", "title": "Repairs chatbot"}
    scored = [_scored("sutton", FIELDS), _scored("leeds", other), _scored("merton", FIELDS, other)]
    [(record, group)] = consortia(scored)
    assert record.fields["id"] == FIELDS["id"]
    assert [s.council.slug for s in group] == ["sutton", "merton"]
    assert consortium_text(record, ["Sutton", "Merton", "Croydon"]) == (
        "Join the consortium behind the project “Repairs online”: Sutton, Merton and Croydon."
    )
    assert consortia([_scored("sutton", FIELDS), _scored("leeds", other)]) == []


NAMES = place_name_runs(
    [
        *("Kent", "Medway", "Greater Manchester", "Reading", "South East", "Bath and North East Somerset"),
        *("City of", " county of", "Kent County Council"),  # as alternative names are split
    ]
)


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("Kent and Medway Care Record", "Kent Medway"),
        ("A shared record for Greater Manchester's boroughs", "Greater Manchester"),
        ("Greater use of data in Manchester", ""),  # not the name: "Greater" alone, "Manchester" alone
        ("Staff in Reading are reading the care record", ""),  # also an ordinary word here
        ("Parking permits in Reading", "Reading"),
        ("parking permits in kent", ""),  # a name is written with capitals
        ("Bath and North East Somerset and the South East", "Bath North East Somerset South"),
        ("North East Somerset", ""),
        ("A Smart City Programme for the County", ""),  # what a council is, not where
        ("Kent County Council and its districts", "Kent County Council"),
    ],
)
def test_the_words_a_text_uses_only_in_place_names(text: str, places: str) -> None:
    assert place_stems(text, NAMES) == set(stems(places))


def test_a_place_name_is_not_distinctive_however_rare() -> None:
    asked = "Book repairs appointments in Kent"
    fields = {**FIELDS, "content": "Kent tenants book a repairs appointment online."}
    found = _found(fields, asked)
    kent = next(c for c in found.shared if c.label == "kent")
    assert kent in found.distinctive(0.05)
    found = Found(found.fields, found.similarity, found.shared, found.shares, frozenset({kent}))
    assert kent not in found.distinctive(0.05)
    assert "Kent" not in Explainer(stems(asked), 1000, URLS).shared_terms(found)
