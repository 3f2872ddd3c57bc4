"""Why a council is suggested, in words a practitioner can check: pure, beside the scorer.

A record reason names what the record shares with the asker's text that few records share:
whole phrases where both texts use the same run of words ("repairs appointment booking"),
then single concepts, never one found in more than about one record in twenty
(`Weights.most_share`), and at most `TERMS_SHOWN` of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, cast

from pipeline import lgsl
from pipeline.matching.concepts import Stems, Token, spellings, tokens
from pipeline.matching.retrieval import Found
from pipeline.matching.scorer import Match, Scored
from pipeline.matching.weights import Weights
from pipeline.record_types import RECORD_TYPES
from pipeline.schemas.common import CouncilRef, RecordRef
from pipeline.schemas.matching import Reason
from pipeline.text import long_date
from pipeline.urls import Urls
from pipeline.vocab import RecordType

TERMS_SHOWN = 4
LONGEST_PHRASE = 6


def record_ref_of(fields: dict[str, Any], urls: Urls) -> RecordRef:
    record_type = cast(RecordType, str(fields["type"]))
    return RecordRef(
        type=record_type,
        id=str(fields["id"]),
        slug=str(fields["slug"]),
        title=str(fields["title"]),
        url=urls.api(record_type, str(fields["slug"])),
    )


@dataclass(frozen=True)
class Explainer:
    """Explains matches against one asker's text, in a registry of `records` records."""

    asked: Stems  # the asker's text, stem by stem
    records: int
    urls: Urls
    weights: Weights = field(default_factory=Weights)

    def shared_terms(self, found: Found) -> list[str]:
        """What the record shares that few records share, as the record spells it."""
        distinctive = found.distinctive(self.weights.most_share(self.records))
        if not distinctive:
            return []
        text = record_text(found.fields)
        wanted = {stem for concept in distinctive for run in concept.variants for stem in run}
        phrases = shared_phrases(tokens(text), self.asked, wanted)
        terms = [" ".join(text[run[0].start : run[-1].end].split()) for run in phrases]
        covered = {t.stem for run in phrases for t in run}
        singles = [c for c in distinctive if not all(s in covered for run in c.variants for s in run)]
        return _unique([*terms, *spellings(text, tuple(singles))])[:TERMS_SHOWN]

    def record_reasons(self, matches: list[Match]) -> list[Reason]:
        reasons = []
        for match in matches:
            terms = self.shared_terms(match.found)
            if terms:
                reasons.append(_record_reason(match, terms, self.urls))
        return reasons


def record_text(fields: dict[str, Any]) -> str:
    return f"{fields.get('title', '')}\n{fields.get('content', '')}"


def shared_phrases(words: tuple[Token, ...], asked: Stems, wanted: set[str]) -> list[tuple[Token, ...]]:
    """Runs of two or more of the record's words that the asker's text also has, in the same
    order, and that hold at least one distinctive stem; longest first where they overlap."""
    runs_asked = _runs(asked)
    found: list[tuple[Token, ...]] = []
    position = 0
    while position < len(words):
        run = _longest_run(words, position, runs_asked)
        if len(run) >= 2 and any(t.stem in wanted for t in run):
            if " ".join(t.stem for t in run) not in (" ".join(t.stem for t in r) for r in found):
                found.append(run)
            position += len(run)
        else:
            position += 1
    return found


@lru_cache(maxsize=8)
def _runs(asked: Stems) -> frozenset[Stems]:
    """Every run of two to `LONGEST_PHRASE` stems of the asker's text (kept: one answer
    explains many records against the same text; a council's 20 projects together make a
    long text, so only the last few are kept)."""
    return frozenset(
        asked[i : i + n] for n in range(2, LONGEST_PHRASE + 1) for i in range(len(asked) - n + 1)
    )


def _longest_run(words: tuple[Token, ...], start: int, runs: frozenset[Stems]) -> tuple[Token, ...]:
    if tuple(t.stem for t in words[start : start + 2]) not in runs:
        return ()  # most words start no shared run: one look settles it
    for length in range(min(LONGEST_PHRASE, len(words) - start), 1, -1):
        window = words[start : start + length]
        if tuple(t.stem for t in window) in runs:
            return window
    return ()


def _unique(terms: Iterable[str]) -> list[str]:
    kept: list[str] = []
    for term in terms:
        if not any(term.lower() in k.lower() for k in kept):
            kept.append(term)
    return kept


def _record_reason(match: Match, terms: list[str], urls: Urls) -> Reason:
    fields = match.found.fields
    kind = RECORD_TYPES[str(fields["type"])].in_a_sentence
    phase = f" ({fields['phase']})" if fields.get("phase") else ""
    says = (
        f"Their {kind} “{fields['title']}”{phase}"
        if match.owner
        else f"They take part in the {kind} “{fields['title']}”"
    )
    return Reason(
        kind="similar_record",
        text=f"{says} also mentions {', '.join(terms)}.",
        record=record_ref_of(fields, urls),
        terms=terms,
    )


def other_reasons(scored: Scored, successors: Sequence[CouncilRef] = ()) -> list[Reason]:
    """The reasons besides shared records; `successors` names the councils that took over the
    work of a council since abolished."""
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
    if scored.lgsl:
        names = ", ".join(f"{lgsl.label_of(code)} ({code})" for code in scored.lgsl)
        reasons.append(
            Reason(kind="services", text=f"Works on the same services: {names}.", values=scored.lgsl)
        )
    if scored.tags:
        reasons.append(
            Reason(kind="tags", text=f"Uses the same tags: {', '.join(scored.tags)}.", values=scored.tags)
        )
    if scored.worked_together:
        reasons.append(Reason(kind="worked_together", text="Has worked with you before on a record here."))
    if scored.council.ended:
        reasons.append(replaced_reason(scored.council.ended, successors))
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


def consortia(scored: list[Scored]) -> list[tuple[Found, list[Scored]]]:
    """Suggested councils whose strongest evidence is one shared record: one collaboration to
    join, rather than several councils to approach one by one. Each council still counts on
    its own in the suggestions; groups are in the order of their best council."""
    groups: dict[str, tuple[Found, list[Scored]]] = {}
    for council in scored:
        if not council.matches:
            continue
        record = council.matches[0].found
        groups.setdefault(str(record.fields.get("id")), (record, []))[1].append(council)
    return [(record, councils) for record, councils in groups.values() if len(councils) > 1]


def consortium_text(record: Found, names: list[str]) -> str:
    kind = RECORD_TYPES[str(record.fields["type"])].in_a_sentence
    return f"Join the consortium behind the {kind} “{record.fields['title']}”: {listed(names)}."


def listed(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def replaced_reason(ended: date, successors: Sequence[CouncilRef]) -> Reason:
    """Why a council since abolished is still suggested (its records are evidence), and who
    took its work over: the council to contact now."""
    when = long_date(ended)
    if not successors:
        return Reason(kind="replaced", text=f"Abolished on {when}.")
    return Reason(
        kind="replaced",
        text=f"Abolished on {when}: its work passed to {listed([c.name for c in successors])}.",
        values=[c.slug for c in successors],
    )
