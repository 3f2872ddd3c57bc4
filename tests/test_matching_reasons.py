"""The reasons beside a suggestion, from the scorer's findings alone: no database, no index."""

from __future__ import annotations

from pipeline.matching.evidence import Place, Relation
from pipeline.matching.reasons import other_reasons, record_reasons, record_ref_of
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
    "content": "Tenants report repairs online.",
}


def _match(owner: bool = True) -> Match:
    return Match(found=Found(fields=FIELDS, similarity=0.5, shared=()), weight=0.5, owner=owner)


def test_a_similar_record_is_named_with_its_type_phase_and_address() -> None:
    [reason] = record_reasons([_match()], URLS)
    assert reason.kind == "similar_record"
    assert reason.text.startswith("Their project “Repairs online” (beta)")
    assert reason.record is not None
    assert reason.record.url == "https://pipeline.example/api/v1/projects/repairs-online"


def test_a_record_the_council_only_takes_part_in_says_so() -> None:
    [reason] = record_reasons([_match(owner=False)], URLS)
    assert reason.text.startswith("They take part in the project “Repairs online”")


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
    )
    reasons = other_reasons(scored)
    assert [r.kind for r in reasons] == ["service_areas", "tags", "geography", "phase", "collaboration"]
    assert reasons[0].text == "Works in the same service areas: housing."
    assert reasons[2].text == "A neighbour of Hackney."
    assert reasons[3].text == "A step ahead: “Repairs online” is in beta."
    assert reasons[4].text == "Open to working with others: share code."


def test_no_evidence_no_reasons() -> None:
    scored = Scored(Place(slug="x", name="X"), 0.1, [], [], [], None, None, None)
    assert other_reasons(scored) == []
    assert record_ref_of(FIELDS, URLS).slug == "repairs-online"
