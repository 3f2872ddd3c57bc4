"""Why a council is suggested, in words a practitioner can check: pure, beside the scorer."""

from __future__ import annotations

from typing import Any, cast

from pipeline.matching.concepts import spellings
from pipeline.matching.retrieval import Found
from pipeline.matching.scorer import Match, Scored
from pipeline.record_types import RECORD_TYPES
from pipeline.schemas.common import RecordRef
from pipeline.schemas.matching import Reason
from pipeline.urls import Urls
from pipeline.vocab import RecordType

TERMS_SHOWN = 8


def record_ref_of(fields: dict[str, Any], urls: Urls) -> RecordRef:
    record_type = cast(RecordType, str(fields["type"]))
    return RecordRef(
        type=record_type,
        id=str(fields["id"]),
        slug=str(fields["slug"]),
        title=str(fields["title"]),
        url=urls.api(record_type, str(fields["slug"])),
    )


def shared_words(found: Found) -> list[str]:
    """The words of the record that name the concepts it shares, as the record spells them."""
    text = f"{found.fields.get('title', '')}\n{found.fields.get('content', '')}"
    words: list[str] = []
    for word in spellings(text, found.shared):
        if word.lower() not in (w.lower() for w in words):
            words.append(word)
    return words[:TERMS_SHOWN]


def record_reasons(matches: list[Match], urls: Urls) -> list[Reason]:
    reasons = []
    for match in matches:
        fields = match.found.fields
        terms = shared_words(match.found)
        kind = RECORD_TYPES[str(fields["type"])].in_a_sentence
        phase = f" ({fields['phase']})" if fields.get("phase") else ""
        says = (
            f"Their {kind} “{fields['title']}”{phase}"
            if match.owner
            else f"They take part in the {kind} “{fields['title']}”"
        )
        reasons.append(
            Reason(
                kind="similar_record",
                text=f"{says} also mentions {', '.join(terms)}.",
                record=record_ref_of(fields, urls),
                terms=terms,
            )
        )
    return reasons


def other_reasons(scored: Scored) -> list[Reason]:
    reasons = []
    if scored.service_areas:
        names = ", ".join(a.replace("-", " ") for a in scored.service_areas)
        reasons.append(
            Reason(
                kind="service_areas",
                text=f"Works in the same service areas: {names}.",
                values=scored.service_areas,
            )
        )
    if scored.tags:
        reasons.append(
            Reason(kind="tags", text=f"Uses the same tags: {', '.join(scored.tags)}.", values=scored.tags)
        )
    if scored.relation:
        reasons.append(
            Reason(kind="geography", text=f"{scored.relation.text}.", values=[scored.relation.kind])
        )
    if scored.ahead:
        match, _ = scored.ahead
        reasons.append(
            Reason(
                kind="phase",
                text=f"A step ahead: “{match.found.fields['title']}” is in {match.found.fields['phase']}.",
                values=[str(match.found.fields["phase"])],
            )
        )
    if scored.open_to:
        match, offers = scored.open_to
        names = ", ".join(o.replace("-", " ") for o in offers)
        reasons.append(
            Reason(kind="collaboration", text=f"Open to working with others: {names}.", values=offers)
        )
    return reasons
